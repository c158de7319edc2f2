"""Microsoft Graph v1.0, the calls the sync makes: at most four at a time per mailbox (Outlook's limit), the
access token refreshed once on a 401, throttling (429 TooManyRequests, 503) waited out with Retry-After or
jittered backoff a few times before the error goes up to the job."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from domain.calendar_sync.backoff import delay_seconds, retry_after_seconds
from domain.calendar_sync.errors import (
    CursorExpired,
    NotFound,
    PreconditionFailed,
    ProviderError,
    Throttled,
    Unauthorized,
)
from domain.calendar_sync.google import AccessToken

log = structlog.get_logger("rhythm.calendar_sync")
ATTEMPTS = 4
MAILBOX_CONCURRENCY = 4
RESYNC_CODES = ("syncStateNotFound", "resyncRequired", "syncStateInvalid")


def error_of(response: httpx.Response) -> ProviderError:
    try:
        code = str((response.json().get("error") or {}).get("code") or f"HTTP {response.status_code}")
    except (ValueError, AttributeError):
        code = f"HTTP {response.status_code}"
    status = response.status_code
    if status in (429, 503, 504) or status >= 500:
        return Throttled(code, status=status, retry_after=retry_after_seconds(response.headers.get("retry-after")))
    if status == 410 or code in RESYNC_CODES:
        return CursorExpired(code, status=status)
    kinds: dict[int, type[ProviderError]] = {401: Unauthorized, 404: NotFound, 412: PreconditionFailed}
    return kinds.get(status, ProviderError)(code, status=status)


class GraphCalendar:
    def __init__(self, http: httpx.AsyncClient, base_url: str, access_token: AccessToken) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.calls = 0
        # One client serves one mailbox for one sync: its calls never exceed Outlook's per-mailbox concurrency.
        self.slots = asyncio.Semaphore(MAILBOX_CONCURRENCY)

    async def _call(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        refreshed, attempt = False, 0
        target = url if url.startswith("http") else self.base_url + url
        while True:
            token = await self.access_token(refreshed)
            async with self.slots:
                self.calls += 1
                response = await self.http.request(
                    method, target, headers={"Authorization": f"Bearer {token}", **(headers or {})}, **kwargs
                )
            if response.status_code < 400:
                return response
            problem = error_of(response)
            if isinstance(problem, Unauthorized) and not refreshed:
                refreshed = True
                continue
            if isinstance(problem, Throttled) and attempt + 1 < ATTEMPTS:
                wait = delay_seconds(attempt, problem.retry_after)
                log.info("provider_throttled", provider="microsoft", status=problem.status, wait_seconds=round(wait, 2))
                await asyncio.sleep(wait)
                attempt += 1
                continue
            raise problem

    async def me(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self._call("GET", "/me")).json()
        return body

    async def calendars(self) -> list[dict[str, Any]]:
        body = (await self._call("GET", "/me/calendars")).json()
        return list(body.get("value", []))

    async def calendar_view_delta(
        self, link: str | None, *, start: datetime, end: datetime, page_size: int = 100
    ) -> dict[str, Any]:
        """One page of a delta round: the first from the window, the others from the nextLink or deltaLink given
        (followed verbatim). Times come back in UTC."""
        headers = {"Prefer": f'odata.maxpagesize={page_size}, outlook.timezone="UTC"'}
        if link is not None:
            response = await self._call("GET", link, headers=headers)
        else:
            params = {"startDateTime": start.isoformat(), "endDateTime": end.isoformat()}
            response = await self._call("GET", "/me/calendarView/delta", headers=headers, params=params)
        body: dict[str, Any] = response.json()
        return body

    async def create_event(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = (
            await self._call("POST", f"/me/calendars/{quote(calendar_id, safe='')}/events", json=event)
        ).json()
        return body

    async def get_event(self, event_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self._call("GET", f"/me/events/{quote(event_id, safe='')}")).json()
        return body

    async def patch_event(self, event_id: str, changes: dict[str, Any], *, etag: str | None) -> dict[str, Any]:
        headers = {"If-Match": etag} if etag else None
        path = f"/me/events/{quote(event_id, safe='')}"
        body: dict[str, Any] = (await self._call("PATCH", path, json=changes, headers=headers)).json()
        return body

    async def delete_event(self, event_id: str, *, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else None
        await self._call("DELETE", f"/me/events/{quote(event_id, safe='')}", headers=headers)

    async def create_subscription(self, request: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = (await self._call("POST", "/subscriptions", json=request)).json()
        return body

    async def renew_subscription(self, subscription_id: str, expires: str) -> dict[str, Any]:
        path = f"/subscriptions/{quote(subscription_id, safe='')}"
        body: dict[str, Any] = (await self._call("PATCH", path, json={"expirationDateTime": expires})).json()
        return body

    async def delete_subscription(self, subscription_id: str) -> None:
        await self._call("DELETE", f"/subscriptions/{quote(subscription_id, safe='')}")
