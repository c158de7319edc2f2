"""Account emails: at most five links of one kind to one address an hour.

`requestPasswordReset` answers alike whether or not an address has an account, so a client, or many, could have
reset links sent to one inbox without end; an email change could do the same with verification links to an
address of its choosing. `rhythm.issue_account_token`, which the email job asks for each link, now issues none
(and the job sends nothing) once five links of that kind went to the address within the hour. The API's answer
and timing do not change: the job decides, later.

Revision ID: 0023_account_mail_limit
Revises: 0022_live_fanout
Create Date: 2026-12-06
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0023_account_mail_limit"
down_revision: str | None = "0022_live_fanout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Where the function, as 0016 made it, has decided what it would send and to whom.
ANCHOR = "      -- A new link replaces the unused one to the same address"
LIMIT = """      -- Five links of a kind to one address an hour: requests from many clients cannot flood an inbox.
      IF (SELECT count(*) FROM public.account_tokens t
          WHERE lower(t.email) = lower(address) AND t.purpose = kind
            AND t.created_at > now() - interval '1 hour') >= 5 THEN
        RETURN;
      END IF;
"""
INDEX = "account_tokens_address_idx"


def _issue_as_made() -> str:
    """`rhythm.issue_account_token` as revision 0016 made it (its text, frozen with that revision)."""
    path = Path(__file__).with_name("0016_email_sessions.py")
    spec = importlib.util.spec_from_file_location("email_sessions_0016", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    [made] = [text for text in module.FUNCTIONS if "FUNCTION rhythm.issue_account_token" in text]
    assert made.count(ANCHOR) == 1
    return str(made).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _run(statement: str) -> None:
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    _run(f"CREATE INDEX {INDEX} ON account_tokens (lower(email), created_at)")
    # OR REPLACE keeps the function's owner and grants.
    _run(_issue_as_made().replace(ANCHOR, LIMIT + ANCHOR, 1))


def downgrade() -> None:
    _run(_issue_as_made())
    _run(f"DROP INDEX {INDEX}")
