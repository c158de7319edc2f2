"""Every mutation, aimed by an outsider at company A's objects with leaked or guessed ids.

Bob (a person in company B), then an API key of company B with every scope, try each one. Each answer is a typed
error that reveals none of A's text, and A reads exactly the same to Alice afterwards. The table must hold a
case for every mutation of the published schema (`schema.graphql`): a new mutation fails
`test_every_mutation_has_an_isolation_case` until someone decides how an outsider may misuse it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest

from tests.auth.tokens import claims_of
from tests.factories import PASSWORD
from tests.graphql import Caller, GraphQL
from tests.isolation.documents import mutation_document, mutation_fields
from tests.isolation.world import ALL_SCOPES, Tenants, snapshot, uuid_of

# An API key acts for a company, never for a person: these answer Forbidden before looking at any id.
NEEDS_A_PERSON = frozenset({
    "updateViewer", "createCompany", "inviteMember", "startTimer", "stopTimer", "createApiKey",
    "createWebhookEndpoint", "updateWebhookEndpoint", "deleteWebhookEndpoint", "rotateWebhookSecret",
    "redeliverWebhook", "markNotificationsRead", "updateNotificationPreferences",
    "parseTasks", "createTasksFromText", "planFromText", "setAiBudget", "clearCoachConversation",
    "requestEmailVerification", "requestEmailChange", "changePassword", "revokeSession",
    "enrolSecondFactor", "confirmSecondFactor", "disableSecondFactor",
})  # fmt: skip

# Mutations whose target needs more than the shared pair of companies, tested in their own modules.
COVERED_ELSEWHERE = {
    # A sign-in names no company: its state, nonce and identity rows are per person, tested as the app role there
    # and through the whole flow against a fake provider in tests/sign_in (test_linking.py: API keys, others' state).
    "startSignIn": "test_sign_in.py",
    "completeSignIn": "test_sign_in.py",
    "linkSignInProvider": "test_sign_in.py and tests/sign_in/test_linking.py",
    "unlinkSignInProvider": "test_sign_in.py and tests/sign_in/test_linking.py",
    "redeliverWebhook": "test_webhooks.py",
    "markNotificationsRead": "test_notifications.py (the ids of another person's notification)",
    "replayDeadLetter": "test_jobs.py (a dead letter the workers recorded for company A)",
    "discardDeadLetter": "test_jobs.py (a dead letter the workers recorded for company A)",
    "createCalendar": "test_scheduling.py",
    "updateCalendar": "test_scheduling.py",
    "deleteCalendar": "test_scheduling.py",
    "createCalendarEvent": "test_scheduling.py",
    "updateCalendarEvent": "test_scheduling.py",
    "deleteCalendarEvent": "test_scheduling.py",
    "updateCalendarEventOccurrence": "test_scheduling.py",
    "cancelCalendarEventOccurrence": "test_scheduling.py",
    "pinTimeBlock": "test_scheduling.py",
    "unpinTimeBlock": "test_scheduling.py",
    "markTimeBlockDone": "test_scheduling.py",
    "markTimeBlockMissed": "test_scheduling.py",
    "updateTaskScheduling": "test_scheduling.py",
    "previewSchedule": "test_scheduling.py",
    "applySchedule": "test_scheduling.py",
    "updateSchedulingProfile": "test_scheduling.py",
    "createHabit": "test_scheduling.py",
    "updateHabit": "test_scheduling.py",
    "deleteHabit": "test_scheduling.py",
    "setCompanyWorkHours": "test_scheduling.py",
    "clearCompanyWorkHours": "test_scheduling.py",
    "startFocusSession": "test_focus.py",
    # They act on their caller alone (no id to aim at A): the policies' side is in test_accounts.py.
    "updateConsent": "test_accounts.py, tests/accounts/test_consents.py (API keys refused)",
    "requestDataExport": "test_accounts.py, tests/accounts/test_exports.py (nothing of a colleague goes in)",
    "deleteAccount": "tests/accounts/test_erasure.py (erases the caller alone; API keys and company headers refused)",
    "pauseFocusSession": "test_focus.py",
    "resumeFocusSession": "test_focus.py",
    "completeFocusSession": "test_focus.py",
    "rateFocusSession": "test_focus.py",
    "abandonFocusSession": "test_focus.py",
    "connectCalendarAccount": "tests/calendar_sync/test_connections_api.py (a connection is its person's alone)",
    "syncCalendarConnection": "tests/calendar_sync/test_connections_api.py (a connection is its person's alone)",
    "disconnectCalendarConnection": "tests/calendar_sync/test_connections_api.py (a connection is its person's alone)",
    "setExternalCalendar": "tests/calendar_sync/test_connections_api.py (a connection is its person's alone)",
}


def session_of(access_token: str) -> str:
    """The global id of the session an access token was issued for."""
    session_id = claims_of(access_token)["sid"]
    return base64.b64encode(f"Session:{session_id}".encode()).decode()


def forged_refresh_token(tenants: Tenants, **changes: str) -> str:
    """Bob's refresh token with its subject changed to Alice: the signature no longer matches."""
    header, payload, signature = tenants.bob.refresh_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(uuid_of(tenants.alice.user_id))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


@dataclass(frozen=True)
class Attack:
    mutation: str
    name: str
    input: Callable[[Tenants], dict[str, Any]] | None
    expect: str = "NotFound"
    # Extra selections, to check a success answer concerns the attacker's own objects.
    select: str = ""
    own: Callable[[dict[str, Any], Tenants], bool] | None = None


ATTACKS = [
    Attack("signUp", "with Alice's email", lambda t: {"email": t.alice.email, "password": PASSWORD,
           "displayName": "Mallory"}, expect="Conflict"),
    Attack("logIn", "as Alice with a guessed password", lambda t: {"email": t.alice.email,
           "password": "not Alice's password"}, expect="AuthenticationFailed"),
    Attack("refreshToken", "with a token forged to name Alice", lambda t: {"refreshToken": forged_refresh_token(t)},
           expect="AuthenticationFailed"),
    Attack("logOut", "with a token forged to name Alice", lambda t: {"refreshToken": forged_refresh_token(t)},
           expect="AuthenticationFailed"),
    Attack("updateViewer", "changes only the caller", lambda t: {"displayName": "Mallory", "timeZone": "Asia/Tokyo"},
           expect="User", select="... on User { id }", own=lambda r, t: r["id"] == t.bob.user_id),
    Attack("createCompany", "makes a company of the caller's own", lambda t: {"name": "Mallory Ltd"},
           expect="Company", select="... on Company { id }", own=lambda r, t: r["id"] != t.a.company_id),
    Attack("updateCompany", "renaming A", lambda t: {"id": t.a.company_id, "name": "Pwned"}),
    Attack("deleteCompany", "deleting A", lambda t: {"id": t.a.company_id}),
    Attack("inviteMember", "inviting oneself into A as owner", lambda t: {"companyId": t.a.company_id,
           "email": t.bob.email, "role": "OWNER"}),
    Attack("changeMemberRole", "demoting Alice in A", lambda t: {"companyId": t.a.company_id,
           "userId": t.alice.user_id, "role": "MEMBER"}),
    Attack("changeMemberRole", "promoting oneself in A", lambda t: {"companyId": t.a.company_id,
           "userId": t.bob.user_id, "role": "OWNER"}),
    Attack("removeMember", "removing Alice from A", lambda t: {"companyId": t.a.company_id,
           "userId": t.alice.user_id}),
    Attack("createProject", "in A", lambda t: {"companyId": t.a.company_id, "name": "Pwned"}),
    Attack("updateProject", "of A", lambda t: {"id": t.a.project_id, "name": "Pwned", "archived": True}),
    Attack("deleteProject", "of A", lambda t: {"id": t.a.project_id}),
    Attack("createTask", "in A", lambda t: {"companyId": t.a.company_id, "title": "Pwned"}),
    Attack("createTask", "in B inside A's project", lambda t: {"companyId": t.b.company_id, "title": "Pwned",
           "projectId": t.a.project_id}, expect="ValidationFailed"),
    Attack("createTask", "in B assigned to Alice", lambda t: {"companyId": t.b.company_id, "title": "Pwned",
           "assigneeId": t.alice.user_id}, expect="ValidationFailed"),
    Attack("updateTask", "of A", lambda t: {"id": t.a.task_id, "title": "Pwned", "status": "CANCELLED"}),
    Attack("updateTask", "moving B's task into A's project", lambda t: {"id": t.b.task_id,
           "projectId": t.a.project_id}, expect="ValidationFailed"),
    Attack("updateTask", "assigning B's task to Alice", lambda t: {"id": t.b.task_id,
           "assigneeId": t.alice.user_id}, expect="ValidationFailed"),
    Attack("completeTask", "of A", lambda t: {"id": t.a.task_id}),
    Attack("reopenTask", "of A", lambda t: {"id": t.a.task_id}),
    Attack("deleteTask", "of A", lambda t: {"id": t.a.task_id}),
    Attack("addSubtask", "to A's task", lambda t: {"taskId": t.a.task_id, "title": "Pwned", "position": 0}),
    Attack("updateSubtask", "of A", lambda t: {"id": t.a.subtask_id, "title": "Pwned", "done": True, "position": 3}),
    Attack("deleteSubtask", "of A", lambda t: {"id": t.a.subtask_id}),
    Attack("startTimer", "in A", lambda t: {"companyId": t.a.company_id}),
    Attack("startTimer", "on A's task", lambda t: {"taskId": t.a.task_id}),
    Attack("startTimer", "in B on A's task", lambda t: {"companyId": t.b.company_id, "taskId": t.a.task_id}),
    Attack("stopTimer", "while only Alice's timer runs", None),
    Attack("createApiKey", "for A", lambda t: {"companyId": t.a.company_id, "name": "Pwned",
           "scopes": ALL_SCOPES}),
    Attack("revokeApiKey", "of A", lambda t: {"id": t.a.api_key.id}),
    Attack("createWebhookEndpoint", "for A", lambda t: {"companyId": t.a.company_id,
           "url": "http://127.0.0.1:9/pwned"}),
    Attack("updateWebhookEndpoint", "of A", lambda t: {"id": t.a.webhook_endpoint_id,
           "url": "http://127.0.0.1:9/pwned", "eventTypes": [], "enabled": False}),
    Attack("deleteWebhookEndpoint", "of A", lambda t: {"id": t.a.webhook_endpoint_id}),
    Attack("rotateWebhookSecret", "of A", lambda t: {"id": t.a.webhook_endpoint_id, "overlapSeconds": 0}),
    Attack("markNotificationsRead", "all, which are the caller's own", lambda t: {"all": True},
           expect="NotificationsMarkedRead"),
    Attack("updateNotificationPreferences", "changes only the caller's", lambda t: {"emailEnabled": False,
           "mutedTypes": ["TASK_ASSIGNED", "MEMBER_ADDED"], "dueSoonWindowHours": 1},
           expect="NotificationPreferences"),
    Attack("parseTasks", "in A (its projects would reach the prompt)", lambda t: {"companyId": t.a.company_id,
           "text": "list everything"}),
    Attack("createTasksFromText", "in A", lambda t: {"companyId": t.a.company_id, "text": "pwned; pwned again"}),
    Attack("planFromText", "in A", lambda t: {"companyId": t.a.company_id, "text": "find 3 hours tomorrow"}),
    Attack("setAiBudget", "of A", lambda t: {"companyId": t.a.company_id, "monthlyTokenLimit": 0,
           "classifyTasks": True}),
    Attack("clearCoachConversation", "in A", lambda t: {"companyId": t.a.company_id}),
    Attack("setFeatureFlag", "as someone who is no platform administrator", lambda t: {"name": "pwned",
           "enabled": True}, expect="Forbidden"),
    Attack("setCompanyFeatureFlag", "for A", lambda t: {"companyId": t.a.company_id, "name": "pwned",
           "enabled": True}, expect="Forbidden"),
    Attack("requestPasswordReset", "for Alice (the answer of any address)", lambda t: {"email": t.alice.email},
           expect="EmailRequested"),
    Attack("resetPassword", "with a guessed token", lambda t: {"token": "guessed", "newPassword": PASSWORD},
           expect="TokenRefused"),
    Attack("verifyEmail", "with a guessed token", lambda t: {"token": "guessed"}, expect="TokenRefused"),
    Attack("requestEmailVerification", "sends the caller's own link", None, expect="EmailRequested"),
    Attack("requestEmailChange", "to Alice's address (switches only once verified, which it cannot be)",
           lambda t: {"newEmail": t.alice.email, "password": PASSWORD}, expect="EmailRequested"),
    Attack("changePassword", "with a guessed current password", lambda t: {"currentPassword": "guessed",
           "newPassword": "a new password"}, expect="AuthenticationFailed"),
    Attack("revokeSession", "of Alice's session", lambda t: {"id": session_of(t.alice.token or "")}),
    Attack("setCompanySecondFactorRequirement", "locking A's members out", lambda t: {"companyId": t.a.company_id,
           "required": True}),
    Attack("setCompanySecondFactorRequirement", "lifting it from A", lambda t: {"companyId": t.a.company_id,
           "required": False}),
    Attack("enrolSecondFactor", "enrols the caller alone", None, expect="SecondFactorEnrolment",
           select="... on SecondFactorEnrolment { uri }", own=lambda r, t: t.bob.email in unquote(r["uri"])),
    Attack("confirmSecondFactor", "with no enrolment of the caller's", lambda t: {"code": "123456"}),
    Attack("disableSecondFactor", "with no second factor of the caller's", lambda t: {"code": "123456"}),
    Attack("completeSecondFactor", "with a challenge forged to name Alice", lambda t: {
           "challenge": forged_refresh_token(t, typ="second_factor"), "code": "123456"},
           expect="AuthenticationFailed"),
]  # fmt: skip


def test_every_mutation_has_an_isolation_case() -> None:
    missing = mutation_fields() - {attack.mutation for attack in ATTACKS} - set(COVERED_ELSEWHERE)

    assert not missing, f"add an isolation case to ATTACKS for: {sorted(missing)}"


async def run_attack(graphql: GraphQL, tenants: Tenants, attack: Attack, attacker: Caller) -> dict[str, Any]:
    variables = None if attack.input is None else {"input": attack.input(tenants)}
    response = await graphql.post(mutation_document(attack.mutation, attack.select), variables, caller=attacker)

    assert response.status_code == 200, response.text
    assert tenants.a.marker not in response.text, "the answer reveals company A's data"
    body = response.json()
    assert not body.get("errors"), body["errors"]
    result: dict[str, Any] = body["data"][attack.mutation]
    return result


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: f"{attack.mutation} {attack.name}")
async def test_outsiders_cannot_reach_company_a_through(graphql: GraphQL, tenants: Tenants, attack: Attack) -> None:
    before = await snapshot(graphql, tenants)

    by_bob = await run_attack(graphql, tenants, attack, tenants.bob)
    by_key = await run_attack(graphql, tenants, attack, tenants.b.api_key.caller())

    assert by_bob["__typename"] == attack.expect, by_bob
    assert attack.own is None or attack.own(by_bob, tenants), by_bob
    assert by_key["__typename"] == ("Forbidden" if attack.mutation in NEEDS_A_PERSON else attack.expect), by_key
    assert await snapshot(graphql, tenants) == before
