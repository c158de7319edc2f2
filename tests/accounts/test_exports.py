"""Data exports: built in a job as the person (so only what they may read goes in), announced by a notification,
downloaded once through a signed link that expires and cannot be altered."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.accounts.links import ExportLinks
from tests.accounts.documents import (
    REQUEST_EXPORT,
    SIGN_UP_WITH_CONSENTS,
    download,
    path_of,
    ready_export,
)
from tests.conftest import JWT_SECRET
from tests.factories import (
    PASSWORD,
    Person,
    create_api_key,
    create_company,
    create_task,
    invite,
    result_of,
    sign_up,
    unique_email,
)
from tests.graphql import Caller, GraphQL

START_FOCUS = """
mutation($input: StartFocusSessionInput!) {
  startFocusSession(input: $input) { __typename ... on FocusSession { id } ... on Error { message } }
}"""
NOTIFICATIONS = "{ viewer { notifications(first: 20) { nodes { type title body } } } }"


def uuid_text(global_id: str) -> str:
    return base64.b64decode(global_id).decode().partition(":")[2]


async def _consenting_person(graphql: GraphQL, name: str) -> Person:
    email = unique_email(name.lower())
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": name, "acceptTerms": True}}
    await graphql(SIGN_UP_WITH_CONSENTS, variables)
    return await _log_in(graphql, email)


async def _log_in(graphql: GraphQL, email: str) -> Person:
    query = (
        """mutation($input: LogInInput!) { logIn(input: $input) { ... on AuthPayload { accessToken user { id } } } }"""
    )
    payload = (await graphql(query, {"input": {"email": email, "password": PASSWORD}}))["logIn"]
    companies = await graphql(
        "{ viewer { companies { nodes { id isPersonal } } } }", caller=Caller(token=payload["accessToken"])
    )
    personal = next(c["id"] for c in companies["viewer"]["companies"]["nodes"] if c["isPersonal"])
    return Person(
        token=payload["accessToken"], email=email, user_id=payload["user"]["id"], personal_company_id=personal
    )


async def _two_companies(graphql: GraphQL) -> dict[str, Any]:
    """Ada in her personal company and in Shared with Bob; Bob with private work of his own."""
    ada = await _consenting_person(graphql, "Ada")
    bob = await sign_up(graphql, name="Bob Colleague")
    shared = await create_company(graphql, ada, name="Shared Works")
    await invite(graphql, ada, company_id=shared, member=bob)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Ada private")
    await create_task(graphql, ada, company_id=shared, title="Ada shared", assigneeId=ada.user_id)
    await create_task(graphql, bob, company_id=shared, title="Bob for Ada", assigneeId=ada.user_id)
    await create_task(graphql, bob, company_id=shared, title="Bob shared unassigned")
    bob_secret = await create_task(graphql, bob, company_id=bob.personal_company_id, title="Bob secret")
    bob_focus = await result_of(graphql, "startFocusSession", START_FOCUS, {"input": {"kind": "POMODORO"}}, bob)
    await create_api_key(graphql, ada, company_id=shared, scopes=["TASKS_READ"])
    return {"ada": ada, "bob": bob, "bob_secret": bob_secret["id"], "bob_focus": bob_focus["id"]}


async def test_the_export_holds_what_the_person_may_read_about_themselves_in_every_company_and_nothing_of_a_colleague(
    graphql: GraphQL, client: AsyncTestClient[Litestar]
) -> None:
    world = await _two_companies(graphql)
    ada, bob = world["ada"], world["bob"]

    export = await ready_export(graphql, ada)
    status, archive = await download(client, export["downloadUrl"])

    assert status == 200
    tables = archive["tables"]
    text = json.dumps(archive)
    assert archive["user_id"] == uuid_text(ada.user_id)
    assert sorted(task["title"] for task in tables["tasks"]) == ["Ada private", "Ada shared", "Bob for Ada"]
    assert sorted(company["name"] for company in tables["companies"]) == ["Personal", "Shared Works"]
    assert len(tables["memberships"]) == 2
    assert [user["email"] for user in tables["users"]] == [ada.email]
    assert sorted(consent["kind"] for consent in tables["consents"]) == ["marketing_email", "privacy", "terms"]
    assert [key["name"] for key in tables["api_keys"]] == ["integration"]
    assert "secret_hash" not in tables["api_keys"][0]
    assert tables["focus_sessions"] == []
    for colleagues in ("Bob secret", "Bob shared unassigned", bob.email, uuid_text(world["bob_focus"])):
        assert colleagues not in text


async def test_the_ready_export_is_announced_with_its_link_in_a_notification(graphql: GraphQL) -> None:
    person = await sign_up(graphql, name="Notified Exporter")

    export = await ready_export(graphql, person)
    notifications = (await graphql(NOTIFICATIONS, caller=person))["viewer"]["notifications"]["nodes"]

    announced = [n for n in notifications if n["type"] == "DATA_EXPORT_READY"]
    assert len(announced) == 1
    assert path_of(export["downloadUrl"]) in announced[0]["body"]


async def test_the_link_downloads_once_and_then_the_export_shows_downloaded(
    graphql: GraphQL, client: AsyncTestClient[Litestar]
) -> None:
    person = await sign_up(graphql, name="Once Only")
    export = await ready_export(graphql, person)

    first, _ = await download(client, export["downloadUrl"])
    second, said = await download(client, export["downloadUrl"])
    after = await graphql("{ viewer { dataExports { state downloadedAt downloadUrl } } }", caller=person)

    assert (first, second) == (200, 410)
    assert "downloaded already" in said
    assert after["viewer"]["dataExports"][0]["state"] == "DOWNLOADED"
    assert after["viewer"]["dataExports"][0]["downloadUrl"] is None


async def test_a_tampered_link_or_one_for_another_export_is_refused(
    graphql: GraphQL, client: AsyncTestClient[Litestar]
) -> None:
    person = await sign_up(graphql, name="Tamper Target")
    export = await ready_export(graphql, person)
    path = path_of(export["downloadUrl"])
    flipped = path[:-1] + ("A" if path[-1] != "A" else "B")
    other_export = path.replace(export["id"], str(uuid.uuid4()))
    forged = ExportLinks("some-other-secret").token(
        uuid.UUID(export["id"]), uuid.UUID(uuid_text(person.user_id)), datetime.now(UTC) + timedelta(hours=1)
    )

    statuses = [
        (await client.get(flipped)).status_code,
        (await client.get(other_export)).status_code,
        (await client.get(f"/account/exports/{export['id']}?token={forged}")).status_code,
        (await client.get(f"/account/exports/{export['id']}")).status_code,
    ]
    still, _ = await download(client, export["downloadUrl"])

    assert statuses == [403, 403, 403, 403]
    assert still == 200


async def test_an_expired_link_is_refused(graphql: GraphQL, client: AsyncTestClient[Litestar]) -> None:
    person = await sign_up(graphql, name="Too Late")
    export = await ready_export(graphql, person)
    expired = ExportLinks(JWT_SECRET).token(
        uuid.UUID(export["id"]), uuid.UUID(uuid_text(person.user_id)), datetime.now(UTC) - timedelta(seconds=1)
    )

    response = await client.get(f"/account/exports/{export['id']}?token={expired}")

    assert response.status_code == 410
    assert response.text == "This download link has expired."


async def test_an_export_past_its_expiry_in_the_database_is_refused_and_shows_expired(
    graphql: GraphQL, client: AsyncTestClient[Litestar], owner: Any
) -> None:
    person = await sign_up(graphql, name="Expired Row")
    export = await ready_export(graphql, person)
    # The link itself is still good for a while; the row says the export has expired.
    link = ExportLinks(JWT_SECRET).token(
        uuid.UUID(export["id"]), uuid.UUID(uuid_text(person.user_id)), datetime.now(UTC) + timedelta(hours=1)
    )
    await owner.execute(
        "UPDATE data_exports SET expires_at = now() - interval '1 minute' WHERE id = $1", uuid.UUID(export["id"])
    )

    response = await client.get(f"/account/exports/{export['id']}?token={link}")
    state = (await graphql("{ viewer { dataExports { state downloadUrl } } }", caller=person))["viewer"]["dataExports"][
        0
    ]

    assert response.status_code == 410
    assert state == {"state": "EXPIRED", "downloadUrl": None}


async def test_a_second_export_waits_for_the_first_to_be_built(graphql: GraphQL, owner: Any) -> None:
    person = await sign_up(graphql, name="Impatient")
    # Held pending as if its job had not run yet.
    await owner.execute(
        "INSERT INTO data_exports (id, user_id) VALUES ($1, $2)", uuid.uuid4(), uuid.UUID(uuid_text(person.user_id))
    )

    asked = (await graphql(REQUEST_EXPORT, caller=person))["requestDataExport"]

    assert asked == {"__typename": "Conflict", "message": "An export is being built already; it will be ready shortly."}


async def test_no_one_else_reads_a_persons_exports(graphql: GraphQL, owner: Any) -> None:
    from tests.accounts.test_consents import owner_reads_as

    person = await sign_up(graphql, name="Own Export")
    other = await sign_up(graphql, name="Nosy Neighbour")
    await ready_export(graphql, person)

    assert await owner_reads_as(owner, other.user_id, "SELECT count(*) FROM data_exports") == 0
    assert await owner_reads_as(owner, person.user_id, "SELECT count(*) FROM data_exports") == 1
