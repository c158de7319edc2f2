"""A pooled connection as the driver-level transactions (db.tenant.read_as, write_as) leave it."""

from __future__ import annotations

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
