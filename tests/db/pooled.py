"""A pooled connection as the driver-level transactions (db.tenant.read_as, write_as) leave it, and a probe table
they write to."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

SEEN = (
    "SELECT json_build_object('role', current_user, 'user', current_setting('rhythm.user_id', true),"
    " 'company', current_setting('rhythm.company_id', true), 'scopes', current_setting('rhythm.api_scopes', true),"
    " 'api_company', current_setting('rhythm.api_company_id', true),"
    " 'second_factor', current_setting('rhythm.second_factor', true), 'jit', current_setting('jit'),"
    " 'pid', pg_backend_pid())::text"
)


async def left_behind(engine: AsyncEngine) -> dict[str, object]:
    """What the pooled connection carries into the next use: its role and Rhythm's settings, outside any
    transaction of a caller."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        assert not driver.is_in_transaction()
        record = await driver.fetchrow(
            "SELECT current_user AS role, coalesce(current_setting('rhythm.user_id', true), '') AS user_id,"
            " coalesce(current_setting('rhythm.company_id', true), '') AS company_id,"
            " coalesce(current_setting('rhythm.api_scopes', true), '') AS scopes,"
            " coalesce(current_setting('rhythm.second_factor', true), '') AS second_factor,"
            " current_setting('jit') AS jit, pg_backend_pid() AS pid"
        )
        assert record is not None
        return dict(record)


def clean(left: dict[str, object], owner: str) -> None:
    assert left["role"] == owner
    assert (left["user_id"], left["company_id"], left["scopes"], left["second_factor"]) == ("", "", "", "")


async def owner_of(engine: AsyncEngine) -> tuple[str, int]:
    left = await left_behind(engine)
    return str(left["role"]), int(str(left["pid"]))


# A table of its own, outside `public` (the `notes` fixture): rhythm_app may insert and read it; a negative number
# passes the statement and fails at COMMIT (a deferred constraint trigger).
PROBE = """
CREATE SCHEMA write_as_probe;
CREATE TABLE write_as_probe.notes (n integer NOT NULL, written_by text NOT NULL);
CREATE FUNCTION write_as_probe.refuse_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.n < 0 THEN RAISE EXCEPTION 'negative at commit' USING ERRCODE = 'check_violation'; END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER refuse_negative AFTER INSERT ON write_as_probe.notes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION write_as_probe.refuse_negative();
GRANT USAGE ON SCHEMA write_as_probe TO rhythm_app;
GRANT SELECT, INSERT ON write_as_probe.notes TO rhythm_app;
"""
DROP_PROBE = "DROP SCHEMA write_as_probe CASCADE"
NOTE = "INSERT INTO write_as_probe.notes VALUES ($1, current_setting('rhythm.user_id') || current_user)"


async def written(owner: asyncpg.Connection) -> list[tuple[int, str]]:
    return [(row["n"], row["written_by"]) for row in await owner.fetch("SELECT * FROM write_as_probe.notes")]
