"""The catalog keeps the tenancy promises of the design: every table guarded by forced row-level security with
policies, an app role that owns and bypasses nothing and sees nothing without a caller, policies that ask for the
caller once per statement, and an index under every tenant and foreign-key column.

These read the live catalog of the migrated test database, so a new table or column is checked the day it lands.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.graphql import GraphQL
from tests.isolation.world import make_company_a, uuid_of

APP_ROLE = "rhythm_app"

TABLES = """
SELECT c.oid, c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       EXISTS (SELECT 1 FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped) AS tenant
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
ORDER BY c.relname
"""


async def public_tables(owner: asyncpg.Connection) -> list[asyncpg.Record]:
    tables = await owner.fetch(TABLES)
    assert tables, "the migrated database has no tables in schema public"
    return tables


def unguarded(table: asyncpg.Record) -> list[str]:
    return [
        problem
        for problem, missing in [
            ("ROW LEVEL SECURITY is not enabled", not table["rls"]),
            ("ROW LEVEL SECURITY is not forced", not table["forced"]),
            ("there is no policy", table["policies"] == 0),
        ]
        if missing
    ]


async def test_every_table_with_a_company_id_forces_row_level_security_with_policies(
    owner: asyncpg.Connection,
) -> None:
    tenant_tables = [table for table in await public_tables(owner) if table["tenant"]]

    problems = {table["name"]: unguarded(table) for table in tenant_tables if unguarded(table)}

    assert tenant_tables, "no table has a company_id column"
    assert problems == {}


async def test_every_other_public_table_forces_row_level_security_with_policies(owner: asyncpg.Connection) -> None:
    other_tables = [table for table in await public_tables(owner) if not table["tenant"]]

    problems = {table["name"]: unguarded(table) for table in other_tables if unguarded(table)}

    assert problems == {}


async def test_the_app_role_is_neither_superuser_nor_bypasses_row_level_security(owner: asyncpg.Connection) -> None:
    role = await owner.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", APP_ROLE)

    assert role is not None, f"role {APP_ROLE} does not exist"
    assert dict(role) == {"rolsuper": False, "rolbypassrls": False}


async def test_the_app_role_owns_nothing(owner: asyncpg.Connection) -> None:
    owned = await owner.fetch(
        """
        SELECT 'relation ' || oid::regclass::text AS object FROM pg_class WHERE relowner = $1::regrole
        UNION ALL SELECT 'function ' || oid::regprocedure::text FROM pg_proc WHERE proowner = $1::regrole
        UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = $1::regrole
        UNION ALL SELECT 'type ' || oid::regtype::text FROM pg_type WHERE typowner = $1::regrole
        """,
        APP_ROLE,
    )

    assert [row["object"] for row in owned] == []


async def test_the_app_role_cannot_become_another_role(owner: asyncpg.Connection) -> None:
    # SET ROLE to a role it belongs to (the table owner, the definer with its USING (true) policies) would
    # undo every policy.
    memberships = await owner.fetch(
        "SELECT rolname FROM pg_roles WHERE rolname <> $1 AND pg_has_role($1, oid, 'MEMBER')", APP_ROLE
    )

    assert [row["rolname"] for row in memberships] == []


INDEXED_COLUMNS = """
WITH columns AS (
  SELECT c.oid AS table_oid, c.relname AS table_name, a.attnum, a.attname
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attname = 'company_id' AND NOT a.attisdropped
  UNION
  SELECT c.oid, c.relname, a.attnum, a.attname
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL unnest(con.conkey) AS key(attnum)
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
  WHERE n.nspname = 'public' AND con.contype = 'f'
)
SELECT table_name, attname,
       EXISTS (SELECT 1 FROM pg_index i
               WHERE i.indrelid = table_oid AND i.indkey[0] = attnum AND i.indpred IS NULL AND i.indisvalid) AS leads
FROM columns
ORDER BY table_name, attname
"""


async def test_every_company_id_and_foreign_key_column_leads_an_index(owner: asyncpg.Connection) -> None:
    columns = await owner.fetch(INDEXED_COLUMNS)

    unindexed = [f"{row['table_name']}.{row['attname']}" for row in columns if not row["leads"]]

    assert any(row["attname"] == "company_id" for row in columns), "no company_id column was checked"
    assert unindexed == [], "each needs an index (not partial) that starts with it"


@asynccontextmanager
async def as_app_role(owner: asyncpg.Connection, user_id: uuid.UUID | None = None) -> AsyncIterator[None]:
    """A transaction as rhythm_app, with a caller or with none; rolled back at the end."""
    transaction = owner.transaction()
    await transaction.start()
    try:
        await owner.execute("SELECT set_config('role', $1, true)", APP_ROLE)
        if user_id is not None:
            await owner.execute("SELECT set_config('rhythm.user_id', $1, true)", str(user_id))
        yield
    finally:
        await transaction.rollback()


# Secrets the app role may not read at all, even its caller's own: password hashes, and the hashes of one-time links
# (only definer functions issue and redeem those, migration 0016).
UNREADABLE_TABLES = ("user_credentials", "account_tokens")


async def readable_tables(owner: asyncpg.Connection) -> list[str]:
    """Every public table but the unreadable ones."""
    return [table["name"] for table in await public_tables(owner) if table["name"] not in UNREADABLE_TABLES]


# What signing up and working in a company fills; tables filled by workers may be empty here.
FILLED_THROUGH_THE_API = [
    "api_keys", "audit_log", "companies", "memberships", "projects", "refresh_tokens", "sign_in_sessions", "subtasks",
    "tasks",
    "time_entries", "users", "webhook_endpoints",
]  # fmt: skip


async def test_without_a_caller_the_app_role_reads_no_row_of_any_table(
    owner: asyncpg.Connection, graphql: GraphQL
) -> None:
    company = await make_company_a(graphql)
    tables = await readable_tables(owner)

    async with as_app_role(owner):
        seen_by_nobody = {table: await owner.fetchval(f'SELECT count(*) FROM "{table}"') for table in tables}
    async with as_app_role(owner, uuid_of(company.alice.user_id)):
        seen_by_alice = {table: await owner.fetchval(f'SELECT count(*) FROM "{table}"') for table in tables}

    assert [table for table in FILLED_THROUGH_THE_API if not seen_by_alice.get(table)] == [], "no rows to check"
    assert seen_by_nobody == dict.fromkeys(tables, 0)


@pytest.mark.parametrize("table", UNREADABLE_TABLES)
async def test_the_app_role_cannot_read_the_secret_tables_even_with_a_caller(
    owner: asyncpg.Connection, graphql: GraphQL, table: str
) -> None:
    company = await make_company_a(graphql)
    privileges = await owner.fetchrow(
        """SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE') AS table_level,
                  has_any_column_privilege($1, $2, 'SELECT, INSERT, UPDATE') AS column_level""",
        APP_ROLE,
        table,
    )

    async with as_app_role(owner, uuid_of(company.alice.user_id)):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await owner.fetch(f"SELECT * FROM {table}")

    assert dict(privileges) == {"table_level": False, "column_level": False}


HELPER_CALL = re.compile(r"(?P<select>SELECT\s+)?rhythm\.(?P<function>\w+)\s*\(")


async def test_policies_call_their_helpers_in_a_sub_select_so_they_run_once_per_statement(
    owner: asyncpg.Connection,
) -> None:
    policies = await owner.fetch(
        "SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
    )

    bare = [
        f"{policy['tablename']}.{policy['policyname']}: rhythm.{call['function']}()"
        for policy in policies
        for expression in (policy["qual"], policy["with_check"])
        if expression
        for call in HELPER_CALL.finditer(expression)
        if not call["select"]
    ]
    wrapped = [call for policy in policies if policy["qual"] for call in HELPER_CALL.finditer(policy["qual"])]

    assert wrapped, "no policy calls a rhythm helper: the check would prove nothing"
    assert bare == [], "wrap each call as (SELECT rhythm.f(...)) so Postgres evaluates it once per statement"


async def test_helpers_the_policies_call_are_stable(owner: asyncpg.Connection) -> None:
    expressions = await owner.fetch(
        "SELECT qual AS text FROM pg_policies WHERE qual IS NOT NULL"
        " UNION ALL SELECT with_check FROM pg_policies WHERE with_check IS NOT NULL"
    )
    called = {call["function"] for row in expressions for call in HELPER_CALL.finditer(row["text"])}

    volatile = await owner.fetch(
        """SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'rhythm' AND p.proname = ANY ($1::text[]) AND p.provolatile = 'v'""",
        sorted(called),
    )

    assert called, "no policy calls a rhythm helper"
    assert [row["proname"] for row in volatile] == []


async def test_security_definer_functions_pin_search_path_and_are_not_public(owner: asyncpg.Connection) -> None:
    definers = await owner.fetch(
        """SELECT p.oid::regprocedure::text AS name,
                  coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) AS setting
                                   WHERE setting LIKE 'search_path=%'), false) AS pinned,
                  has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.prosecdef AND n.nspname IN ('public', 'rhythm')"""
    )

    problems = [row["name"] for row in definers if not row["pinned"] or row["public_execute"]]

    assert definers, "no SECURITY DEFINER function was found"
    assert problems == []


CALENDAR_SYNC_TABLES = {
    "calendar_connections", "external_calendars", "calendar_sync_cursors", "calendar_block_links",
    "calendar_push_channels",
}  # fmt: skip


async def test_the_calendar_sync_tables_are_tenant_tables_the_checks_above_cover(owner: asyncpg.Connection) -> None:
    tables = {table["name"]: table for table in await public_tables(owner)}

    assert tables.keys() >= CALENDAR_SYNC_TABLES
    assert [problem for name in CALENDAR_SYNC_TABLES for problem in unguarded(tables[name])] == []
    assert all(tables[name]["tenant"] for name in CALENDAR_SYNC_TABLES)


SIGN_IN_TABLES = {"sign_in_identities", "sign_in_attempts"}


async def test_the_sign_in_tables_are_person_tables_the_checks_above_cover(owner: asyncpg.Connection) -> None:
    tables = {table["name"]: table for table in await public_tables(owner)}

    assert tables.keys() >= SIGN_IN_TABLES
    assert [problem for name in SIGN_IN_TABLES for problem in unguarded(tables[name])] == []
    # They belong to a person, not a company: no tenant column, and each policy names the caller.
    assert not any(tables[name]["tenant"] for name in SIGN_IN_TABLES)
    policies = await owner.fetch(
        "SELECT tablename, qual FROM pg_policies WHERE tablename = ANY ($1::text[]) AND 'rhythm_app' = ANY (roles)",
        sorted(SIGN_IN_TABLES),
    )
    assert {row["tablename"] for row in policies} == SIGN_IN_TABLES
    assert all("current_user_id()" in row["qual"] for row in policies)


ACCOUNT_TABLES = {"account_tokens", "sign_in_sessions"}


async def test_the_account_tables_are_personal_tables_the_checks_above_cover(owner: asyncpg.Connection) -> None:
    tables = {table["name"]: table for table in await public_tables(owner)}

    assert tables.keys() >= ACCOUNT_TABLES
    assert [problem for name in ACCOUNT_TABLES for problem in unguarded(tables[name])] == []
    assert not any(tables[name]["tenant"] for name in ACCOUNT_TABLES), "they belong to a person, not a company"


SECOND_FACTOR_TABLES = {"second_factors", "second_factor_recovery_codes", "second_factor_challenges"}


async def test_the_second_factor_tables_are_their_persons_alone(owner: asyncpg.Connection) -> None:
    tables = {table["name"]: table for table in await public_tables(owner)}
    policies = await owner.fetch(
        "SELECT tablename, roles::text[] AS roles, qual, with_check FROM pg_policies WHERE tablename = ANY ($1)",
        sorted(SECOND_FACTOR_TABLES),
    )

    assert tables.keys() >= SECOND_FACTOR_TABLES
    assert [problem for name in SECOND_FACTOR_TABLES for problem in unguarded(tables[name])] == []
    assert not any(tables[name]["tenant"] for name in SECOND_FACTOR_TABLES)
    assert {policy["tablename"] for policy in policies} == SECOND_FACTOR_TABLES
    for policy in policies:
        assert policy["roles"] == [APP_ROLE]
        for expression in (policy["qual"], policy["with_check"]):
            assert expression == "(user_id = ( SELECT rhythm.current_user_id() AS current_user_id))"
