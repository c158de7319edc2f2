"""Rate limits, each just under and just over, through aliases, batches and a websocket: HTTP 429 with
Retry-After and the IETF RateLimit headers, RATE_LIMITED inside a websocket."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import Response
from limits.errors import StorageError
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from app.client_address import client_address, networks
from app.main import create_app
from base.settings import Settings
from resolvers.outages import is_outage
from resolvers.rate_limiter import Attempts, Policies, RateLimiter, storage_for
from tests.factories import PASSWORD, SIGN_UP, sign_up, unique_email
from tests.graphql import GraphQL

LOG_IN = """mutation($input: LogInInput!) { logIn(input: $input) { __typename ... on AuthPayload { accessToken } } }"""
VIEWER = "{ viewer { user { id } } }"


@asynccontextmanager
async def limited_api(settings: Settings, **limits: str) -> AsyncIterator[GraphQL]:
    """A fresh app (fresh counts, in memory) with rate limits on."""
    app: Litestar = create_app(
        settings.model_copy(update={"rate_limits_enabled": True, "run_workers_in_process": False, **limits})
    )
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        yield GraphQL(client)


def rate_limited(response: Response) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-policy"]
    assert ";r=0;t=" in response.headers["ratelimit"]
    return dict(error)


async def log_in(api: GraphQL, email: str, password: str) -> Response:
    return await api.post(LOG_IN, {"input": {"email": email, "password": password}})


async def test_a_caller_may_send_the_limit_of_operations_and_no_more(settings: Settings) -> None:
    async with limited_api(settings, rate_limit_requests="6/15 minutes") as api:
        # signUp counts for the address (nobody signed in yet); then one query as Ada.
        ada = await sign_up(api, name="Ada Requests")
        responses = [await api.post(VIEWER, caller=ada) for _ in range(5)]
        over = await api.post(VIEWER, caller=ada)
        # A compiled read and a mutation count alike; another caller has a count of its own.
        other = await sign_up(api, name="Bob Requests")

    assert [response.status_code for response in responses] == [200] * 5
    error = rate_limited(over)
    assert over.headers["ratelimit-policy"] == '"requests";q=6;w=900'
    assert "requests: 6 per 900 seconds" in error["message"]
    assert other.token


async def test_five_failed_sign_ins_are_allowed_and_the_sixth_attempt_is_refused(settings: Settings) -> None:
    async with limited_api(settings) as api:
        ada = await sign_up(api, name="Ada Failures")
        failures = [await log_in(api, ada.email, f"wrong {n}") for n in range(5)]
        refused = await log_in(api, ada.email, PASSWORD)  # even the right password, until the window ends

    assert all(r.json()["data"]["logIn"]["__typename"] != "AuthPayload" for r in failures)
    error = rate_limited(refused)
    assert "sign-in-failures" in error["message"]


async def test_four_failures_leave_room_for_a_right_password(settings: Settings) -> None:
    async with limited_api(settings) as api:
        ada = await sign_up(api, name="Ada Four")
        for n in range(4):
            await log_in(api, ada.email, f"wrong {n}")
        right = await log_in(api, ada.email, PASSWORD)

    assert right.json()["data"]["logIn"]["__typename"] == "AuthPayload"


def aliased_log_ins(email: str, count: int) -> str:
    return (
        "mutation { "
        + " ".join(
            f'a{n}: logIn(input: {{email: "{email}", password: "guess {n}"}}) {{ __typename }}' for n in range(count)
        )
        + " }"
    )


async def test_aliased_guesses_count_one_by_one(settings: Settings) -> None:
    async with limited_api(settings) as api:
        ada = await sign_up(api, name="Ada Aliased")
        six = await api.post(aliased_log_ins(ada.email, 6))
        five = await api.post(aliased_log_ins(ada.email, 5))
        after = await log_in(api, ada.email, PASSWORD)

    rate_limited(six)  # refused whole: none of the six ran
    assert len(five.json()["data"]) == 5  # five ran, and failed
    rate_limited(after)


async def test_guesses_hidden_in_a_fragment_at_the_root_count_too(settings: Settings) -> None:
    async with limited_api(settings) as api:
        ada = await sign_up(api, name="Ada Fragment Guesses")
        guesses = " ".join(
            f'g{n}: logIn(input: {{email: "{ada.email}", password: "x{n}"}}) {{ __typename }}' for n in range(6)
        )
        response = await api.post("mutation { ...Guesses } fragment Guesses on Mutation { " + guesses + " }")

    rate_limited(response)


async def test_failures_are_counted_per_address_across_accounts(settings: Settings) -> None:
    async with limited_api(settings) as api:
        people = [await sign_up(api, name=f"Person{n} Address") for n in range(6)]
        for person in people[:5]:
            await log_in(api, person.email, "wrong")
        sixth = await log_in(api, people[5].email, PASSWORD)

    error = rate_limited(sixth)
    assert "sign-in-failures-per-address" in error["message"]


async def test_auth_fields_per_address_are_bounded(settings: Settings) -> None:
    async with limited_api(settings, rate_limit_auth_attempts="3/15 minutes") as api:
        people = [await sign_up(api, name=f"Sign{n} Up") for n in range(3)]
        fourth = await api.post(
            "mutation($i: SignUpInput!) { signUp(input: $i) { __typename } }",
            {"i": {"email": "late@rhythm.test", "password": PASSWORD, "displayName": "Late", "timeZone": "UTC"}},
        )

    assert len(people) == 3
    error = rate_limited(fourth)
    assert fourth.headers["ratelimit-policy"] == '"auth";q=3;w=900'
    assert error["extensions"]["retryAfter"] >= 1


async def test_password_guesses_through_delete_account_count_as_auth_attempts(settings: Settings) -> None:
    guess = "mutation($i: DeleteAccountInput!) { deleteAccount(input: $i) { __typename } }"
    async with limited_api(settings, rate_limit_auth_attempts="3/15 minutes") as api:
        person = await sign_up(api, name="Guarded Account")
        answers = [await api.post(guess, {"i": {"password": f"guess {n}"}}, caller=person) for n in range(3)]

    assert [answer.json()["data"]["deleteAccount"]["__typename"] for answer in answers[:2]] == [
        "AuthenticationFailed"
    ] * 2
    rate_limited(answers[2])


async def test_a_batch_cannot_multiply_attempts(settings: Settings) -> None:
    async with limited_api(settings) as api:
        ada = await sign_up(api, name="Ada Batch")
        batch = [{"query": LOG_IN, "variables": {"input": {"email": ada.email, "password": "x"}}}] * 10
        response = await api.client.post("/graphql", json=batch)
        right = await log_in(api, ada.email, PASSWORD)

    assert response.status_code == 400  # batches are not taken at all
    assert right.json()["data"]["logIn"]["__typename"] == "AuthPayload"


def scope(peer: str, forwarded: str | None = None) -> Any:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    return {"type": "http", "client": (peer, 50000), "headers": headers}


def test_x_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    trusted = networks(["10.0.0.0/8", "192.0.2.1"])

    assert client_address(scope("203.0.113.9", "1.2.3.4"), trusted) == "203.0.113.9"  # not a proxy: ignored
    assert client_address(scope("10.1.2.3", "198.51.100.7"), trusted) == "198.51.100.7"
    # A client's own forged entry sits left of the address the proxy saw.
    assert client_address(scope("10.1.2.3", "1.2.3.4, 198.51.100.7"), trusted) == "198.51.100.7"
    assert client_address(scope("192.0.2.1", "1.2.3.4, 198.51.100.7, 10.9.9.9"), trusted) == "198.51.100.7"
    assert client_address(scope("10.1.2.3", "not-an-address"), trusted) == "10.1.2.3"
    assert client_address(scope("10.1.2.3"), trusted) == "10.1.2.3"
    assert client_address(scope("10.1.2.3", "198.51.100.7"), networks([])) == "10.1.2.3"


def test_an_operation_over_a_websocket_hears_rate_limited(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(
            update={
                "rate_limits_enabled": True,
                "run_workers_in_process": False,
                "rate_limit_requests": "3/15 minutes",
            }
        )
    )
    with TestClient(app=app) as client:
        signed_up = client.post(
            "/graphql",
            json={
                "query": SIGN_UP,
                "variables": {
                    "input": {"email": unique_email("ws"), "password": PASSWORD, "displayName": "Ada Socket"}
                },
            },
        )
        token = signed_up.json()["data"]["signUp"]["accessToken"]
        payloads = _over_a_socket(client, token)

    assert [p["payload"].get("data") for p in payloads[:3]] == [{"__typename": "Query"}] * 3
    [error] = payloads[3]["payload"]["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"


def _over_a_socket(client: TestClient[Litestar], token: str) -> list[dict[str, Any]]:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert socket.receive_json()["type"] == "connection_ack"
        payloads = []
        for n in range(4):
            socket.send_json({"id": str(n), "type": "subscribe", "payload": {"query": "{ __typename }"}})
            payloads.append(socket.receive_json())
            assert socket.receive_json() == {"id": str(n), "type": "complete"}
    return payloads


async def test_counts_in_redis_are_shared_by_every_api_process(settings: Settings, redis_url: str) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    async with (
        limited_api(shared, rate_limit_requests="4/15 minutes") as first,
        limited_api(shared, rate_limit_requests="4/15 minutes") as second,
    ):
        ada = await sign_up(first, name="Ada Shared")  # one query as Ada
        answered = [await api.post(VIEWER, caller=ada) for api in (first, second, first)]
        over = await second.post(VIEWER, caller=ada)

    assert [response.status_code for response in answered] == [200] * 3
    rate_limited(over)


async def test_counters_out_of_reach_let_requests_through_and_refuse_sign_ins_as_an_outage() -> None:
    """Redis down (here: nothing listens on its port) must not stop an API that can still serve; sign-in attempts,
    whose limit guards against guessing, are refused meanwhile as a named outage instead of going uncounted."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the limiter tries it
    limiter = RateLimiter(storage_for(f"redis://127.0.0.1:{port}/0"), Policies())

    admitted = await limiter.admit_request("user:someone", "127.0.0.1")
    with pytest.raises(StorageError) as refused:
        await limiter.admit_attempts(Attempts(fields=Counter({"logIn": 1})), "127.0.0.1")

    assert admitted is None
    assert is_outage(refused.value)
