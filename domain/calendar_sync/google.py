"""Google Calendar v3, the calls the sync makes. The base URL comes from the settings; every call carries the
connection's access token, refreshed once on a 401, and a throttled call waits (Retry-After, else backoff with
jitter) a few times before the error goes up to the job, whose retries take over."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from domain.calendar_sync.backoff import delay_seconds, retry_after_seconds
from domain.calendar_sync.errors import (
    Conflict,
    CursorExpired,
    Gone,
    NotFound,
    PreconditionFailed,
    ProviderError,
    Throttled,
    Unauthorized,
)

log = structlog.get_logger("rhythm.calendar_sync")

AccessToken = Callable[[bool], Awaitable[str]]
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
ATTEMPTS = 4


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    details = (body.get("error") or {}) if isinstance(body, dict) else {}
    if isinstance(details, dict):
        errors = details.get("errors") or [{}]
        return str(errors[0].get("reason") or details.get("status") or f"HTTP {response.status_code}")
    return str(details)


def error_of(response: httpx.Response) -> ProviderError:
    status, reason = response.status_code, _reason(response)
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return Throttled(reason, status=status, retry_after=retry_after)
    kinds: dict[int, type[ProviderError]] = {401: Unauthorized, 404: NotFound, 409: Conflict, 412: PreconditionFailed}
    if status == 410:
        return CursorExpired(reason, status=status) if reason != "deleted" else Gone(reason, status=status)
    return kinds.get(status, ProviderError)(reason, status=status)


class GoogleCalendar:
    def __init__(self, http: httpx.AsyncClient, base_url: str, access_token: AccessToken) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.calls = 0

    async def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:  # fmt: skip
        refreshed = False
        attempt = 0
        while True:
            token = await self.access_token(refreshed)
            self.calls += 1
            response = await self.http.request(
                method, self.base_url + path, params=params, json=json,
                headers={"Authorization": f"Bearer {token}", **(headers or {})},
            )  # fmt: skip
            if response.status_code < 400:
                return response
            problem = error_of(response)
            if isinstance(problem, Unauthorized) and not refreshed:
                refreshed = True
                continue
            if isinstance(problem, Throttled) and attempt + 1 < ATTEMPTS:
                wait = delay_seconds(attempt, problem.retry_after)
                log.info("provider_throttled", provider="google", status=problem.status, wait_seconds=round(wait, 2))
                await asyncio.sleep(wait)
                attempt += 1
                continue
            raise problem

    async def calendar_list(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"maxResults": 250}
        while True:
            body = (await self._call("GET", "/users/me/calendarList", params=params)).json()
            items.extend(body.get("items", []))
            if not body.get("nextPageToken"):
                return items
            params["pageToken"] = body["nextPageToken"]

    async def list_events(
        self, calendar_id: str, *, sync_token: str | None, page_token: str | None, max_results: int = 250
    ) -> dict[str, Any]:
        # Unbounded and unexpanded (singleEvents=false): only such a list may be continued with its sync token.
        params: dict[str, Any] = {"maxResults": max_results, "singleEvents": "false"}
        if sync_token is not None:
            params["syncToken"] = sync_token
        if page_token is not None:
            params["pageToken"] = page_token
        body: dict[str, Any] = (await self._call("GET", f"/calendars/{_id(calendar_id)}/events", params=params)).json()
        return body

    async def insert_event(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = (await self._call("POST", f"/calendars/{_id(calendar_id)}/events", json=event)).json()
        return body

    async def get_event(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        path = f"/calendars/{_id(calendar_id)}/events/{_id(event_id)}"
        body: dict[str, Any] = (await self._call("GET", path)).json()
        return body

    async def patch_event(
        self, calendar_id: str, event_id: str, changes: dict[str, Any], *, etag: str | None
    ) -> dict[str, Any]:
        headers = {"If-Match": etag} if etag else None
        path = f"/calendars/{_id(calendar_id)}/events/{_id(event_id)}"
        body: dict[str, Any] = (await self._call("PATCH", path, json=changes, headers=headers)).json()
        return body

    async def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else None
        await self._call("DELETE", f"/calendars/{_id(calendar_id)}/events/{_id(event_id)}", headers=headers)

    async def watch(
        self, calendar_id: str, *, channel_id: str, address: str, token: str, ttl_seconds: int
    ) -> dict[str, Any]:
        request = {"id": channel_id, "type": "web_hook", "address": address, "token": token,
                   "params": {"ttl": str(ttl_seconds)}}  # fmt: skip
        body: dict[str, Any] = (
            await self._call("POST", f"/calendars/{_id(calendar_id)}/events/watch", json=request)
        ).json()
        return body

    async def stop_channel(self, channel_id: str, resource_id: str) -> None:
        await self._call("POST", "/channels/stop", json={"id": channel_id, "resourceId": resource_id})


def _id(value: str) -> str:
    return quote(value, safe="")
