from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.projects import service
from domain.projects.service import ProjectChanges
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import run, signed_in
from resolvers.projects.types import Project


@strawberry.input(description="A new project in a company.")
class CreateProjectInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    name: str = strawberry.field(description="The project's name.")
    description: str = strawberry.field(default="", description="What the project is about.")


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    id: relay.GlobalID = strawberry.field(description="The project.")
    name: str | None = strawberry.field(default=None, description="The new name.")
    description: str | None = strawberry.field(default=None, description="The new description.")
    archived: bool | None = strawberry.field(default=None, description="Archive or restore the project.")


@strawberry.input(description="Delete a project; its tasks stay, without a project.")
class DeleteProjectInput:
    id: relay.GlobalID = strawberry.field(description="The project.")


ProjectResult = Annotated[
    Project | ErrorType, strawberry.union("ProjectResult", description="Project, or a typed error.")
]
DeleteProjectResult = Annotated[
    Deleted | ErrorType, strawberry.union("DeleteProjectResult", description="Deleted, or a typed error.")
]


@strawberry.type
class ProjectMutations:
    @strawberry.mutation(description="Make a project.")
    async def create_project(self, info: Info, input: CreateProjectInput) -> ProjectResult:
        async def work(session: AsyncSession) -> Project:
            project = await service.create_project(
                session, company_id=uuid_of(input.company_id, "Company"), name=input.name, description=input.description
            )
            return Project.from_model(project)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Change a project.")
    async def update_project(self, info: Info, input: UpdateProjectInput) -> ProjectResult:
        async def work(session: AsyncSession) -> Project:
            changes = ProjectChanges(name=input.name, description=input.description, archived=input.archived)
            return Project.from_model(await service.update_project(session, uuid_of(input.id, "Project"), changes))

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Delete a project.")
    async def delete_project(self, info: Info, input: DeleteProjectInput) -> DeleteProjectResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_project(session, uuid_of(input.id, "Project"))
            return Deleted(id=input.id)

        signed_in(info)
        return await run(info, work)
