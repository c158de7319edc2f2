"""The signed-in person's own account: marketing email consent, data exports, and erasure."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.accounts import consents, erasure, exports
from domain.accounts.confirmation import Confirmer, PasswordConfirmer, Proof
from resolvers.accounts.types import Consent, DataExport
from resolvers.context import Info
from resolvers.errors import Error, ErrorType
from resolvers.ids import global_id
from resolvers.mutation import as_person, person


@strawberry.input(description="The person's choice about product news by email.")
class UpdateConsentInput:
    marketing_email: bool = strawberry.field(description="True to receive product news by email, false to stop.")


@strawberry.input(
    description="Confirms that the account's owner asks for its erasure. Give the password (other ways to confirm "
    "may join it)."
)
class DeleteAccountInput:
    password: str | None = strawberry.field(default=None, description="The account's password.")


@strawberry.type(description="The account and everything only it held are gone; its tokens no longer work.")
class AccountDeleted:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="A company the refusal is about.")
class NamedCompany:
    id: relay.GlobalID = strawberry.field(description="The company's id.")
    name: str = strawberry.field(description="The company's name.")


@strawberry.type(
    description="Refused: the person is the last owner of these companies, which have other members. Make another "
    "member an owner (or remove the members) first; nothing was changed."
)
class LastOwnerOfCompanies(Error):
    companies: list[NamedCompany] = strawberry.field(description="The companies the person owns alone.")


UpdateConsentResult = Annotated[
    Consent | ErrorType, strawberry.union("UpdateConsentResult", description="Consent, or a typed error.")
]
RequestDataExportResult = Annotated[
    DataExport | ErrorType, strawberry.union("RequestDataExportResult", description="DataExport, or a typed error.")
]
DeleteAccountResult = Annotated[
    AccountDeleted | LastOwnerOfCompanies | ErrorType,
    strawberry.union("DeleteAccountResult", description="AccountDeleted, LastOwnerOfCompanies, or a typed error."),
]


def confirmers(info: Info) -> list[Confirmer]:
    """The ways a person may confirm an irreversible change; a second factor adds itself here."""
    return [PasswordConfirmer(info.context.services.passwords)]


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Turn product news by email on or off; the change joins the consent history.")
    async def update_consent(self, info: Info, input: UpdateConsentInput) -> UpdateConsentResult:
        async def work(session: AsyncSession) -> Consent:
            return Consent.from_model(await consents.set_marketing_email(session, person(info), input.marketing_email))

        return await as_person(info, work)

    @strawberry.mutation(
        description="Ask for a copy of everything Rhythm holds about you that you may read: built shortly after, "
        "announced by a notification with a link that downloads it once before it expires."
    )
    async def request_data_export(self, info: Info) -> RequestDataExportResult:
        async def work(session: AsyncSession) -> DataExport:
            export = await exports.request_export(session, person(info))
            return DataExport.from_model(export, info.context.services.accounts)

        return await as_person(info, work)

    @strawberry.mutation(
        description="Erase your account: your personal company and everything in it, your memberships, sessions, "
        "API keys, calendar connections (revoked at the provider shortly after) and consent records. What you wrote "
        "in shared companies stays, no longer naming you. Refused while you are the last owner of a company with "
        "other members."
    )
    async def delete_account(self, info: Info, input: DeleteAccountInput) -> DeleteAccountResult:
        held: list[erasure.NamedCompany] = []

        async def work(session: AsyncSession) -> AccountDeleted:
            try:
                await erasure.erase_account(session, person(info), Proof(password=input.password), confirmers(info))
            except erasure.LastOwner as refused:
                held.extend(refused.companies)
                raise
            return AccountDeleted(ok=True)

        result = await as_person(info, work)
        if held and isinstance(result, Error):
            named = [NamedCompany(id=global_id("Company", company.id), name=company.name) for company in held]
            return LastOwnerOfCompanies(message=result.message, companies=named)
        return result
