"""A fake Microsoft Graph (v1.0) and Microsoft identity platform for the tests, over real HTTP on loopback.

The subset the sync reads with: authorization code with PKCE and refresh tokens that rotate (a used one is
refused with `invalid_grant`), `/me`, `/me/calendars`, and `/me/calendarView/delta` over a fixed window with
`Prefer: odata.maxpagesize`, `@odata.nextLink` until `@odata.deltaLink`, deletions as `@removed`, and 410
`syncStateNotFound` once tokens are invalidated. `fail_next` injects 429/503 with Retry-After.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.calendar_sync.asgi import Request, Response, Router
from tests.loopback import Loopback, ServerThread

TENANT = "common"


def error(status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"error": {"code": code, "message": code}}, headers or {})


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


_STAMP = "%Y-%m-%dT%H:%M:%S.0000000"


def span(start: datetime, minutes: int) -> dict[str, Any]:
    """An event's start and end as Graph writes them: seven fractional digits, no offset, the zone beside."""
    end = start + timedelta(minutes=minutes)
    return {
        "start": {"dateTime": start.strftime(_STAMP), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime(_STAMP), "timeZone": "UTC"},
    }


class FakeGraph(Loopback):
    def __init__(self, *, account: str = "person@outlook.test", access_ttl_seconds: int = 3600) -> None:
        self.account = account
        self.access_ttl_seconds = access_ttl_seconds
        self.lock = threading.RLock()
        self.sequence = itertools.count(1)
        self.calendar_id = "AAMkADefault"
        self.events: dict[str, dict[str, Any]] = {}
        self.changed_at: dict[str, int] = {}
        self.oldest_valid_token = 0
        self.codes: dict[str, dict[str, str]] = {}
        self.access_tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.used_refresh_tokens: list[str] = []
        self.failures: list[tuple[int, str | None]] = []
        self.transactions: dict[str, str] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.notifications_posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        router = Router()
        router.before = self._before
        router.route("POST", f"/{TENANT}/oauth2/v2.0/token")(self._token)
        router.route("GET", "/v1.0/me")(
            lambda _: Response(200, {"mail": self.account, "userPrincipalName": self.account})
        )
        router.route("GET", "/v1.0/me/calendars")(self._calendars)
        router.route("GET", "/v1.0/me/calendarView/delta")(self._delta)
        router.route("POST", "/v1.0/me/calendars/{cid}/events")(self._create)
        router.route("GET", "/v1.0/me/events/{eid}")(self._get)
        router.route("PATCH", "/v1.0/me/events/{eid}")(self._patch)
        router.route("DELETE", "/v1.0/me/events/{eid}")(self._delete)
        router.route("POST", "/v1.0/subscriptions")(self._subscribe)
        router.route("PATCH", "/v1.0/subscriptions/{sid}")(self._renew)
        router.route("DELETE", "/v1.0/subscriptions/{sid}")(self._unsubscribe)
        self.server = ServerThread(router)

    @property
    def authority_url(self) -> str:
        return f"{self.url}/{TENANT}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1.0"

    # Test-side controls --------------------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"]}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def user_put(self, event: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            number = next(self.sequence)
            stored = {"type": "singleInstance", "showAs": "busy", "isCancelled": False, "isAllDay": False, **event,
                      "@odata.etag": f'W/"{number}"', "changeKey": str(number)}  # fmt: skip
            created = event["id"] not in self.events
            self.events[event["id"]] = stored
            self.changed_at[event["id"]] = number
            self._notify("created" if created else "updated", event["id"])
            return dict(stored)

    def user_delete(self, event_id: str) -> None:
        with self.lock:
            self.events[event_id] = {"id": event_id, "deleted": True}
            self.changed_at[event_id] = next(self.sequence)
            self._notify("deleted", event_id)

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)

    def invalidate_delta_tokens(self) -> None:
        with self.lock:
            self.oldest_valid_token = next(self.sequence)

    def fail_next(self, count: int, status: int, retry_after: str | None = None) -> None:
        with self.lock:
            self.failures.extend([(status, retry_after)] * count)

    # Internals ---------------------------------------------------------------------------------------------------

    def _before(self, request: Request) -> Response | None:
        with self.lock:
            self.requests.append((request.method, request.path))
            if request.path.endswith("/token"):
                return None
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if self.access_tokens.get(token, 0.0) < time.time():
                return error(401, "InvalidAuthenticationToken")
            if self.failures:
                status, retry_after = self.failures.pop(0)
                code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
                return error(status, code, {"Retry-After": retry_after} if retry_after else {})
        return None

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens[access] = time.time() + self.access_ttl_seconds
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "expires_in": self.access_ttl_seconds,
                "token_type": "Bearer", "scope": "Calendars.ReadWrite offline_access"}  # fmt: skip

    def _token(self, request: Request) -> Response:
        form = request.form()
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                issued = self.codes.pop(form.get("code", ""), None)
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if issued is None or issued["challenge"] != challenge:
                    return Response(400, {"error": "invalid_grant", "error_description": "AADSTS70008"})
                return Response(200, self._issue())
            if form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token", "")
                self.used_refresh_tokens.append(token)
                if token not in self.refresh_tokens:
                    return Response(400, {"error": "invalid_grant", "error_description": "AADSTS70000"})
                # Rotation: the refresh token just used is spent.
                self.refresh_tokens.discard(token)
                return Response(200, self._issue())
        return Response(400, {"error": "unsupported_grant_type"})

    def _calendars(self, request: Request) -> Response:
        return Response(200, {"value": [
            {"id": self.calendar_id, "name": "Calendar", "isDefaultCalendar": True, "canEdit": True},
            {"id": "AAMkBirthdays", "name": "Birthdays", "isDefaultCalendar": False, "canEdit": False},
        ]})  # fmt: skip

    def _in_window(self, event: dict[str, Any], start: datetime, end: datetime) -> bool:
        return _instant(event["start"]["dateTime"] + "Z") < end and _instant(event["end"]["dateTime"] + "Z") > start

    def _delta(self, request: Request) -> Response:
        query = request.query
        prefer = request.headers.get("prefer", "")
        size = int(prefer.split("odata.maxpagesize=")[1].split(",")[0]) if "odata.maxpagesize=" in prefer else 100
        with self.lock:
            if "$deltatoken" in query or "$skiptoken" in query:
                token = query.get("$deltatoken") or query["$skiptoken"]
                since, after, upto, start_text, end_text = base64.urlsafe_b64decode(token).decode().split("|")
                if int(upto) < self.oldest_valid_token:
                    return error(410, "syncStateNotFound")
                since_number, after_number = int(since), int(after)
                if "$deltatoken" in query:
                    since_number = after_number = int(upto)
                    upto = str(next(self.sequence))
            else:
                start_text, end_text = query["startDateTime"], query["endDateTime"]
                since_number = after_number = 0
                upto = str(next(self.sequence))
            start, end = _instant(start_text), _instant(end_text)
            chosen = sorted((n, key) for key, n in self.changed_at.items() if after_number < n <= int(upto))
            items: list[tuple[int, dict[str, Any]]] = []
            for number, key in chosen:
                event = self.events[key]
                if event.get("deleted"):
                    if since_number:
                        items.append((number, {"id": key, "@removed": {"reason": "deleted"}}))
                elif self._in_window(event, start, end):
                    # Delta cannot $expand: extended properties never come with it.
                    items.append((number, {k: v for k, v in event.items() if k != "singleValueExtendedProperties"}))
            page = items[:size]
            body: dict[str, Any] = {"value": [item for _, item in page]}
            base = f"{self.api_url}/me/calendarView/delta"
            if len(items) > size:
                token = f"{since_number}|{page[-1][0]}|{upto}|{start_text}|{end_text}"
                body["@odata.nextLink"] = f"{base}?$skiptoken={base64.urlsafe_b64encode(token.encode()).decode()}"
            else:
                token = f"{upto}|{upto}|{upto}|{start_text}|{end_text}"
                body["@odata.deltaLink"] = f"{base}?$deltatoken={base64.urlsafe_b64encode(token.encode()).decode()}"
        return Response(200, body)

    def _live(self, request: Request) -> dict[str, Any] | None:
        event = self.events.get(request.params["eid"])
        return None if event is None or event.get("deleted") else event

    def _create(self, request: Request) -> Response:
        body = request.json()
        with self.lock:
            known = self.transactions.get(str(body.get("transactionId") or ""))
            if known is not None:
                # A retried POST with the same transactionId: the event it already made.
                return Response(201, dict(self.events[known]))
            event_id = f"AAMk{secrets.token_hex(12)}"
            if body.get("transactionId"):
                self.transactions[str(body["transactionId"])] = event_id
            return Response(201, self.user_put({**body, "id": event_id}))

    def _get(self, request: Request) -> Response:
        with self.lock:
            event = self._live(request)
            return Response(200, dict(event)) if event is not None else error(404, "ErrorItemNotFound")

    def _patch(self, request: Request) -> Response:
        with self.lock:
            event = self._live(request)
            if event is None:
                return error(404, "ErrorItemNotFound")
            if request.headers.get("if-match") not in (None, event["@odata.etag"]):
                return error(412, "ErrorIrresolvableConflict")
            return Response(200, self.user_put({**event, **request.json()}))

    def _delete(self, request: Request) -> Response:
        with self.lock:
            event = self._live(request)
            if event is None:
                return error(404, "ErrorItemNotFound")
            if request.headers.get("if-match") not in (None, event["@odata.etag"]):
                return error(412, "ErrorIrresolvableConflict")
            self.user_delete(event["id"])
        return Response(204)

    def rhythm_events(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {
                key: dict(event) for key, event in self.events.items()
                if not event.get("deleted") and event.get("singleValueExtendedProperties")
            }  # fmt: skip

    # Subscriptions -----------------------------------------------------------------------------------------------

    def _post(self, url: str, body: dict[str, Any]) -> None:
        def send() -> None:
            # Graph retries for hours; this fake does not: the periodic sync covers a lost one.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(url, json=body, timeout=10)

        self.notifications_posted.append(body)
        threading.Thread(target=send, daemon=True).start()

    def _notify(self, change: str, event_id: str) -> None:
        for subscription in self.subscriptions.values():
            self._post(subscription["notificationUrl"], {"value": [{
                "subscriptionId": subscription["id"], "clientState": subscription["clientState"], "changeType": change,
                "resource": f"Users/me/Events/{event_id}", "resourceData": {"id": event_id}, "tenantId": "t",
            }]})  # fmt: skip

    def send_lifecycle(self, event: str) -> None:
        """`reauthorizationRequired`, `subscriptionRemoved` or `missed`, to each subscription's lifecycle URL."""
        with self.lock:
            for subscription in list(self.subscriptions.values()):
                if event == "subscriptionRemoved":
                    del self.subscriptions[subscription["id"]]
                self._post(subscription["lifecycleNotificationUrl"], {"value": [{
                    "subscriptionId": subscription["id"], "clientState": subscription["clientState"],
                    "lifecycleEvent": event, "resource": "me/events",
                }]})  # fmt: skip

    def _validated(self, url: str) -> bool:
        """Graph's handshake: the URL must answer 200 with the validation token as text, within 10 s."""
        token = secrets.token_urlsafe(12)
        try:
            answer = httpx.post(url, params={"validationToken": token}, timeout=10)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and answer.text == token

    def _subscribe(self, request: Request) -> Response:
        body = request.json()
        for url in (body.get("notificationUrl"), body.get("lifecycleNotificationUrl")):
            # Outside the lock: the handshake is an HTTP round trip.
            if url and not self._validated(url):
                return error(400, "ValidationError")
        with self.lock:
            subscription = {**body, "id": secrets.token_hex(8)}
            self.subscriptions[subscription["id"]] = subscription
        return Response(201, subscription)

    def _renew(self, request: Request) -> Response:
        with self.lock:
            subscription = self.subscriptions.get(request.params["sid"])
            if subscription is None:
                return error(404, "ResourceNotFound")
            subscription["expirationDateTime"] = request.json()["expirationDateTime"]
            return Response(200, dict(subscription))

    def _unsubscribe(self, request: Request) -> Response:
        with self.lock:
            if self.subscriptions.pop(request.params["sid"], None) is None:
                return error(404, "ResourceNotFound")
        return Response(204)
