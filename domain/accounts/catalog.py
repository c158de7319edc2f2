"""Which tables hold a person's data, and how the export finds their rows; and which do not, with the reason.

A person column is a uuid column that names a person: one with a foreign key to `users`, or one named `user_id`,
`owner_id`, `assignee_id`, `*_user_id` or `*_by` (tests/accounts/test_catalog.py reads the live catalog with this
rule, so a new table with such a column fails until it is listed in one of the two maps below).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERSON_COLUMN_NAMES = frozenset({"user_id", "owner_id", "assignee_id"})


def names_a_person(column: str, *, references_users: bool) -> bool:
    return references_users or column in PERSON_COLUMN_NAMES or column.endswith(("_user_id", "_by"))


@dataclass(frozen=True, slots=True)
class Exported:
    """A table in the export: the rows whose `by` columns name the person, or those `where` picks (`:me` is the
    person), minus the `omit` columns (secrets). `also_names` are person columns that may name someone else on
    rows the person sees (a task's assignee); they are exported as they are, and the policies decide the rows."""

    by: tuple[str, ...] = ("user_id",)
    where: str | None = None
    omit: tuple[str, ...] = ()
    also_names: tuple[str, ...] = field(default=())

    def condition(self) -> str:
        return self.where or " OR ".join(f"t.{column} = :me" for column in self.by)


EXPORTED: dict[str, Exported] = {
    "users": Exported(by=("id",)),
    "consents": Exported(),
    "memberships": Exported(),
    # The companies the person belongs to (names, and whether one is the personal company).
    "companies": Exported(
        by=(),
        where="t.id IN (SELECT m.company_id FROM memberships m WHERE m.user_id = :me)",
        also_names=("created_by",),
    ),
    "tasks": Exported(by=("assignee_id", "created_by")),
    "subtasks": Exported(
        by=(), where="t.task_id IN (SELECT x.id FROM tasks x WHERE :me IN (x.assignee_id, x.created_by))"
    ),
    "time_entries": Exported(),
    "focus_sessions": Exported(),
    "habits": Exported(),
    "time_blocks": Exported(),
    "membership_work_hours": Exported(),
    "scheduling_profiles": Exported(),
    "schedule_runs": Exported(),
    "notifications": Exported(),
    "notification_preferences": Exported(),
    "calendars": Exported(by=("owner_id",)),
    "calendar_events": Exported(),
    "calendar_connections": Exported(omit=("access_token", "refresh_token")),
    "external_calendars": Exported(),
    "ai_usage": Exported(),
    "ai_coach_messages": Exported(),
    "api_keys": Exported(by=("created_by",), omit=("secret_hash",)),
    # Signed-in sessions: the rows hold no secret (a refresh token is a signed JWT naming its row).
    "refresh_tokens": Exported(),
    "data_exports": Exported(omit=("archive",)),
    # The Google and Microsoft accounts the person signs in with (issuer, subject, email).
    "sign_in_identities": Exported(),
    # The person's own sign-in history (when, how, from which address and device).
    "sign_in_events": Exported(),
    # Signed-in devices: when, from which address and user agent.
    "sign_in_sessions": Exported(),
    # Whether and since when the person has a second factor; never its secret.
    "second_factors": Exported(omit=("secret_encrypted", "last_used_step")),
    # When each recovery code was used; never the codes.
    "second_factor_recovery_codes": Exported(omit=("code_hash",)),
}

NOT_PERSONAL: dict[str, str] = {
    "user_credentials": "the password hash: a secret, never handed out, deleted with the account",
    "replan_requests": "a pending replan of the person's week: a job's debounce, gone once the job runs",
    "calendar_sync_cursors": "the provider's opaque sync tokens for a connected calendar: bookkeeping",
    "calendar_block_links": "which provider event carries which planned block: bookkeeping (the blocks are exported)",
    "calendar_push_channels": "provider push channels and their verification tokens: secrets and bookkeeping",
    "webhook_endpoints": "a company's integration settings; `created_by` is nulled when the person is erased",
    "ai_company_settings": "a company's AI settings; `updated_by` is nulled when the person is erased",
    "outbox": "the event log the workers read; `actor_user_id` and `subject_id` are nulled when the person is erased",
    "dead_letters": "jobs that failed, for owners to replay; `resolved_by` is nulled when the person is erased",
    "sign_in_attempts": "a sign-in in flight: a state's hash for ten minutes, bookkeeping",
    "second_factor_challenges": "the step between password and code: five minutes of bookkeeping",
    "account_tokens": "one-time email links: a secret's hash and its address, never readable by the app role",
    "audit_log": "a company's record of changes, for its owners; the actor, address and device are erased with them",
    "feature_flags": "platform settings; `updated_by` names the administrator who changed one",
    "company_feature_flags": "a company's settings; `updated_by` names the administrator who changed one",
}
