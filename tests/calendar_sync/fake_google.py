"""A fake Google Calendar v3 (and its OAuth endpoints) for the tests, over real HTTP on loopback.

It keeps the documented behaviour the sync depends on: authorization code with PKCE (S256), expiring access
tokens, `invalid_grant`; calendarList; events.list with sync tokens (only on the last page), page tokens,
maxResults, the parameters a sync token refuses (400) and 410 fullSyncRequired; insert with a client id (409 on a
duplicate), patch/put/delete with ETags and If-Match (412), 410 on a deleted event; watch channels that call
back with header-only notifications; channels/stop. `/_admin` injects failures. The person's own edits in
Google are the `user_*` methods, called straight from the test.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.calendar_sync.asgi import Request, Response, Router
from tests.loopback import Loopback, ServerThread

BASE32HEX = re.compile(r"^[a-v0-9]{5,1024}$")
FORBIDDEN_WITH_SYNC_TOKEN = (
    "timeMin", "timeMax", "q", "orderBy", "updatedMin", "iCalUID", "privateExtendedProperty",
    "sharedExtendedProperty",
)  # fmt: skip


def error(status: int, reason: str, message: str = "", headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": status, "message": message or reason, "errors": [{"reason": reason}]}}
    return Response(status, body, headers or {})


@dataclass
class Channel:
    id: str
    calendar_id: str
    address: str
    token: str
    resource_id: str
    expiration_ms: int
    message_number: int = 0


@dataclass
class FakeCalendar:
    id: str
    summary: str
    primary: bool = False
    time_zone: str = "UTC"
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The sequence number each event last changed at; sync tokens name one of these.
    changed_at: dict[str, int] = field(default_factory=dict)
    # Tokens older than this get 410 fullSyncRequired.
    oldest_valid_token: int = 0


class FakeGoogle(Loopback):
    def __init__(self, *, account: str = "person@gmail.test", access_ttl_seconds: int = 3600) -> None:
        self.account = account
        self.access_ttl_seconds = access_ttl_seconds
        self.lock = threading.RLock()
        self.sequence = itertools.count(1)
        self.calendars: dict[str, FakeCalendar] = {account: FakeCalendar(account, account, primary=True)}
        self.codes: dict[str, dict[str, str]] = {}
        self.access_tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.invalid_grant = False
        self.failures: list[tuple[int, str, str | None]] = []
        self.channels: dict[str, Channel] = {}
        self.requests: list[tuple[str, str]] = []
        self.list_queries: list[dict[str, str]] = []
        self.notifications_sent = 0
        self.router = self._routes()
        self.server = ServerThread(self.router)

    # Running -----------------------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"{self.url}/calendar/v3"

    # Test-side controls --------------------------------------------------------------------------------------------

    def add_calendar(self, calendar_id: str, summary: str) -> None:
        with self.lock:
            self.calendars[calendar_id] = FakeCalendar(calendar_id, summary)

    def fail_next(self, count: int, status: int, *, reason: str = "rateLimitExceeded", retry_after: str | None = None):
        with self.lock:
            self.failures.extend([(status, reason, retry_after)] * count)

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)

    def invalidate_sync_tokens(self, calendar_id: str) -> None:
        with self.lock:
            calendar = self.calendars[calendar_id]
            calendar.oldest_valid_token = next(self.sequence)

    def authorize(self, query: dict[str, str]) -> str:
        """The person consents: the redirect URL with a code, as the browser would follow it."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "challenge": query["code_challenge"],
                "method": query.get("code_challenge_method", ""),
                "redirect_uri": query["redirect_uri"],
                "client_id": query["client_id"],
            }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def user_put(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """The person creates or replaces an event in Google."""
        with self.lock:
            return self._store(calendar_id, {"status": "confirmed", **event})

    def user_patch(self, calendar_id: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """The person edits an event; None when it was deleted meanwhile (there is nothing to edit)."""
        with self.lock:
            current = self.calendars[calendar_id].events[event_id]
            if current.get("status") == "cancelled":
                return None
            return self._store(calendar_id, {**current, **changes})

    def user_delete(self, calendar_id: str, event_id: str) -> bool:
        with self.lock:
            current = self.calendars[calendar_id].events[event_id]
            if current.get("status") == "cancelled":
                return False
            self._store(calendar_id, {**current, "status": "cancelled"})
            return True

    def live_events(self, calendar_id: str) -> dict[str, dict[str, Any]]:
        with self.lock:
            events = self.calendars[calendar_id].events
            return {key: dict(value) for key, value in events.items() if value.get("status") != "cancelled"}

    # Internals ---------------------------------------------------------------------------------------------------

    def _store(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        calendar = self.calendars[calendar_id]
        number = next(self.sequence)
        stored = {**event, "etag": f'"{number}"', "updated": f"2026-01-01T00:00:00.{number:06d}Z"}
        stored.setdefault("iCalUID", f"{event['id']}@google.com")
        calendar.events[event["id"]] = stored
        calendar.changed_at[event["id"]] = number
        self._notify(calendar_id)
        return dict(stored)

    def _notify(self, calendar_id: str) -> None:
        for channel in [c for c in self.channels.values() if c.calendar_id == calendar_id]:
            self._deliver(channel, "exists")

    def _deliver(self, channel: Channel, state: str) -> None:
        channel.message_number += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Token": channel.token,
            "X-Goog-Channel-Expiration": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": f"{self.api_url}/calendars/{channel.calendar_id}/events",
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.message_number),
        }
        self.notifications_sent += 1

        def post() -> None:
            # Google drops a notification the receiver did not take; the periodic sync catches up.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(channel.address, headers=headers, timeout=10)

        threading.Thread(target=post, daemon=True).start()

    def _issue(self, response: dict[str, Any]) -> dict[str, Any]:
        access = secrets.token_urlsafe(16)
        self.access_tokens[access] = time.time() + self.access_ttl_seconds
        return {"access_token": access, "expires_in": self.access_ttl_seconds, "token_type": "Bearer", **response}

    def _before(self, request: Request) -> Response | None:
        with self.lock:
            self.requests.append((request.method, request.path))
            if request.path in ("/token", "/revoke"):
                return None
            authorization = request.headers.get("authorization", "")
            token = authorization.removeprefix("Bearer ")
            if self.access_tokens.get(token, 0.0) < time.time():
                return error(401, "authError", "Invalid Credentials")
            if self.failures:
                status, reason, retry_after = self.failures.pop(0)
                return error(status, reason, headers={"Retry-After": retry_after} if retry_after else {})
        return None

    def _routes(self) -> Router:
        router = Router()
        router.before = self._before
        router.route("POST", "/token")(self._token)
        router.route("POST", "/revoke")(self._revoke)
        router.route("GET", "/calendar/v3/users/me/calendarList")(self._calendar_list)
        router.route("GET", "/calendar/v3/calendars/{cid}/events")(self._list)
        router.route("POST", "/calendar/v3/calendars/{cid}/events")(self._insert)
        router.route("POST", "/calendar/v3/calendars/{cid}/events/watch")(self._watch)
        router.route("GET", "/calendar/v3/calendars/{cid}/events/{eid}")(self._get)
        router.route("PATCH", "/calendar/v3/calendars/{cid}/events/{eid}")(self._patch)
        router.route("PUT", "/calendar/v3/calendars/{cid}/events/{eid}")(self._patch)
        router.route("DELETE", "/calendar/v3/calendars/{cid}/events/{eid}")(self._delete)
        router.route("POST", "/calendar/v3/channels/stop")(self._stop)
        router.route("POST", "/_admin/fail")(self._admin_fail)
        router.route("POST", "/_admin/expire_tokens")(lambda _: (self.expire_access_tokens(), Response(204))[1])
        router.route("POST", "/_admin/invalid_grant")(self._admin_invalid_grant)
        router.route("POST", "/_admin/invalidate_sync_tokens")(self._admin_invalidate)
        return router

    def _token(self, request: Request) -> Response:
        form = request.form()
        with self.lock:
            if self.invalid_grant:
                return Response(400, {"error": "invalid_grant", "error_description": "Token has been revoked."})
            if form.get("grant_type") == "authorization_code":
                issued = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if issued is None or issued["method"] != "S256" or issued["challenge"] != challenge:
                    return Response(400, {"error": "invalid_grant", "error_description": "Bad code or verifier."})
                if issued["redirect_uri"] != form.get("redirect_uri"):
                    return Response(400, {"error": "redirect_uri_mismatch"})
                refresh = secrets.token_urlsafe(16)
                self.refresh_tokens.add(refresh)
                return Response(200, self._issue({"refresh_token": refresh, "scope": "calendar.events"}))
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return Response(400, {"error": "invalid_grant", "error_description": "Unknown refresh token."})
                return Response(200, self._issue({}))
        return Response(400, {"error": "unsupported_grant_type"})

    def _revoke(self, request: Request) -> Response:
        token = request.form().get("token") or request.query.get("token", "")
        with self.lock:
            self.revoked.append(token)
            self.refresh_tokens.discard(token)
            self.access_tokens.pop(token, None)
        return Response(200, {})

    def _calendar_list(self, request: Request) -> Response:
        with self.lock:
            items = [
                {"id": c.id, "summary": c.summary, "primary": c.primary, "timeZone": c.time_zone,
                 "accessRole": "owner"}
                for c in self.calendars.values()
            ]  # fmt: skip
        return Response(200, {"kind": "calendar#calendarList", "items": items})

    def _list(self, request: Request) -> Response:
        query = request.query
        with self.lock:
            self.list_queries.append(dict(query))
            calendar = self.calendars.get(request.params["cid"])
            if calendar is None:
                return error(404, "notFound")
            single = query.get("singleEvents", "false")
            since = 0
            if "syncToken" in query:
                bad = [name for name in FORBIDDEN_WITH_SYNC_TOKEN if name in query]
                if bad or query.get("showDeleted") == "false":
                    return error(400, "invalid", f"syncToken cannot be combined with {bad or 'showDeleted=false'}")
                token_calendar, _, rest = base64.urlsafe_b64decode(query["syncToken"]).decode().partition("|")
                number, token_single = rest.split("|")
                since = int(number)
                if token_calendar != calendar.id or since < calendar.oldest_valid_token:
                    return error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
                if token_single != single:
                    return error(400, "invalid", "singleEvents must match the request that made the syncToken")
            elif single == "true":
                return error(400, "invalid", "this fake expands no recurrences: ask with singleEvents=false")
            page_size = min(int(query.get("maxResults", "250")), 2500)
            # A page token names the round's snapshot and the last change it returned, so events that change
            # while the pages are read neither shift the pages nor go missing (the next sync brings them).
            if "pageToken" in query:
                after, upto = (int(part) for part in query["pageToken"].split("-"))
            else:
                after, upto = since, next(self.sequence)
            chosen = sorted(
                (number, event_id) for event_id, number in calendar.changed_at.items() if after < number <= upto
            )
            # A full sync leaves deleted events out, but not the cancelled occurrences of a series (Google lists
            # them while singleEvents and showDeleted are false); an incremental one reports every deletion.
            listed = [(number, calendar.events[event_id]) for number, event_id in chosen]
            wanted = [
                (number, event) for number, event in listed
                if since or event.get("status") != "cancelled" or event.get("recurringEventId")
            ]  # fmt: skip
            page = wanted[:page_size]
            body: dict[str, Any] = {
                "kind": "calendar#events", "timeZone": calendar.time_zone, "items": [dict(e) for _, e in page],
            }  # fmt: skip
            if len(wanted) > page_size:
                body["nextPageToken"] = f"{page[-1][0]}-{upto}"
            else:
                token = f"{calendar.id}|{upto}|{single}".encode()
                body["nextSyncToken"] = base64.urlsafe_b64encode(token).decode()
        return Response(200, body)

    def _insert(self, request: Request) -> Response:
        event = request.json()
        with self.lock:
            calendar = self.calendars.get(request.params["cid"])
            if calendar is None:
                return error(404, "notFound")
            event_id = event.get("id") or uuid.uuid4().hex
            if not BASE32HEX.match(event_id):
                return error(400, "invalid", "Invalid resource id value.")
            if event_id in calendar.events:
                return error(409, "duplicate", "The requested identifier already exists.")
            return Response(200, self._store(calendar.id, {"status": "confirmed", **event, "id": event_id}))

    def _existing(self, request: Request) -> tuple[FakeCalendar | None, dict[str, Any] | None]:
        calendar = self.calendars.get(request.params["cid"])
        event = None if calendar is None else calendar.events.get(request.params["eid"])
        return calendar, event

    def _get(self, request: Request) -> Response:
        with self.lock:
            _, event = self._existing(request)
            return Response(200, dict(event)) if event is not None else error(404, "notFound")

    def _patch(self, request: Request) -> Response:
        with self.lock:
            calendar, event = self._existing(request)
            if calendar is None or event is None:
                return error(404, "notFound")
            if event.get("status") == "cancelled":
                return error(410, "deleted", "Resource has been deleted")
            expected = request.headers.get("if-match")
            if expected is not None and expected != event["etag"]:
                return error(412, "conditionNotMet", "Precondition Failed")
            changes = request.json()
            merged = {**event, **changes} if request.method == "PATCH" else {"id": event["id"], **changes}
            return Response(200, self._store(calendar.id, merged))

    def _delete(self, request: Request) -> Response:
        with self.lock:
            calendar, event = self._existing(request)
            if calendar is None or event is None:
                return error(404, "notFound")
            if event.get("status") == "cancelled":
                return error(410, "deleted", "Resource has been deleted")
            expected = request.headers.get("if-match")
            if expected is not None and expected != event["etag"]:
                return error(412, "conditionNotMet", "Precondition Failed")
            self._store(calendar.id, {**event, "status": "cancelled"})
        return Response(204)

    def _watch(self, request: Request) -> Response:
        body = request.json()
        with self.lock:
            if body.get("type") != "web_hook" or not body.get("address") or not body.get("id"):
                return error(400, "invalid", "id, type web_hook and address are required")
            ttl = int((body.get("params") or {}).get("ttl", 604800))
            channel = Channel(
                id=body["id"], calendar_id=request.params["cid"], address=body["address"], token=body.get("token", ""),
                resource_id=secrets.token_hex(8), expiration_ms=int((time.time() + ttl) * 1000),
            )  # fmt: skip
            self.channels[channel.id] = channel
            self._deliver(channel, "sync")
        return Response(200, {
            "kind": "api#channel", "id": channel.id, "resourceId": channel.resource_id,
            "resourceUri": f"{self.api_url}/calendars/{channel.calendar_id}/events", "token": channel.token,
            "expiration": str(channel.expiration_ms),
        })  # fmt: skip

    def _stop(self, request: Request) -> Response:
        body = request.json()
        with self.lock:
            channel = self.channels.get(body.get("id", ""))
            if channel is None or channel.resource_id != body.get("resourceId"):
                return error(404, "notFound", "Channel not found")
            del self.channels[channel.id]
        return Response(204)

    def _admin_fail(self, request: Request) -> Response:
        body = request.json()
        self.fail_next(
            int(body.get("count", 1)), int(body["status"]), reason=body.get("reason", "rateLimitExceeded"),
            retry_after=body.get("retry_after"),
        )  # fmt: skip
        return Response(204)

    def _admin_invalid_grant(self, request: Request) -> Response:
        with self.lock:
            self.invalid_grant = bool(request.json().get("on", True))
        return Response(204)

    def _admin_invalidate(self, request: Request) -> Response:
        self.invalidate_sync_tokens(request.json()["calendar"])
        return Response(204)
