"""Leaving a company is decided by the policy alone, inside the request's scope.

0001 let a person delete their own membership of any company (`user_id = me`), so a request narrowed to one
company by `X-Company-Id`, or made with an API key of one company, could still remove its person from another:
only the Python service stood in the way. Now one's own membership may be deleted where the caller may write
memberships: every company the person belongs to, narrowed by `X-Company-Id`, and none for an API key (there is
no scope that writes memberships).

Revision ID: 0011_self_leave_in_scope
Revises: 0010_recurring_events
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_self_leave_in_scope"
down_revision: str | None = "0010_recurring_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "(SELECT rhythm.current_user_id())"
ADMIN = "((SELECT rhythm.company_ids('company', 'admin'))::uuid[])"
OWNER = "((SELECT rhythm.company_ids('company', 'owner'))::uuid[])"
MEMBERS_WRITE = "((SELECT rhythm.company_ids('members', 'write'))::uuid[])"
MANAGES_MEMBERSHIP = f"(company_id = ANY {OWNER} OR (company_id = ANY {ADMIN} AND role <> 'owner'))"


def _delete_policy(own: str) -> list[str]:
    return [
        "DROP POLICY memberships_delete ON memberships",
        "CREATE POLICY memberships_delete ON memberships FOR DELETE TO rhythm_app"
        f" USING ({own} OR {MANAGES_MEMBERSHIP})",
    ]


def upgrade() -> None:
    for statement in _delete_policy(f"(user_id = {ME} AND company_id = ANY {MEMBERS_WRITE})"):
        op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    for statement in _delete_policy(f"user_id = {ME}"):
        op.get_bind().exec_driver_sql(statement)
