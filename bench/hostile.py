"""`python -m bench.hostile [--url http://127.0.0.1:8000]`: what hostile clients cost Rhythm.

In process (no database): the milliseconds to refuse documents that would select millions of fields once their
fragments are expanded, against what validating smaller ones of the same shape costs. With `--url` of a running
`rhythm serve` that holds the demo (`make run`): a normal client's latency alone, beside 200 clients trickling
their headers, and beside four clients posting fan-out documents without pause (and, as the yardstick, normal
requests: four clients that never pause keep one process busy whatever they send).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import urlparse

import httpx
from graphql import parse, specified_rules, validate

from resolvers.field_count import selected_fields
from resolvers.schema import build_schema
from tests.errors.documents import (
    fan_out,
    inline_fan_out,
    nested_fan_out,
    repeated,
    repeated_through_fragments,
    repeated_through_inline_fragments,
)

HOSTILE = {
    "fan-out, 24 levels x 2 (the issue's)": fan_out(),
    "wider, 8 levels x 8": fan_out(levels=8, width=8),
    "deeper, 40 levels x 2": fan_out(levels=40, leaf="viewer { user { id } }"),
    "inside fields, 20 levels x 2": nested_fan_out(),
    "through inline fragments": inline_fan_out(),
    "one field 280 times in one place": repeated(),
    "the same through 120 fragments": repeated_through_fragments(),
    "the same through 150 inline fragments": repeated_through_inline_fragments(),
}
NORMAL = "{ viewer { user { displayName } } }"
LOG_IN = """mutation { logIn(input: {email: "ada@rhythm.example", password: "rhythm-demo-password"}) {
  ... on AuthPayload { accessToken } } }"""


def _count(document: str) -> int:
    return selected_fields(parse(document))


def _median_ms(run: Callable[[], object], times: int = 30) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def in_process() -> None:
    schema = build_schema()
    print(f"{'document':40} {'bytes':>6} {'fields':>22} {'count ms':>9} {'refused ms':>11}")
    for name, document in HOSTILE.items():
        count_ms = _median_ms(partial(_count, document))
        samples = []
        for _ in range(30):
            started = time.perf_counter()
            result = await schema.execute(document)
            samples.append((time.perf_counter() - started) * 1000)
            assert result.errors
            assert (result.errors[0].extensions or {})["code"] == "QUERY_TOO_COMPLEX"
        fields = selected_fields(parse(document))
        shown = f"{fields:,}" if fields < 10**15 else f"~10^{len(str(fields)) - 1}"
        print(f"{name:40} {len(document):>6} {shown:>22} {count_ms:>9.2f} {statistics.median(samples):>11.2f}")
    print("\nwhat validation alone would cost (it expands fragments; each level doubles it):")
    rules = (*specified_rules, *schema.limit_rules)
    for levels in (10, 12, 14):
        parsed = parse(fan_out(levels=levels))
        ms = _median_ms(partial(validate, schema._schema, parsed, rules), times=3)
        print(f"  fan-out, {levels} levels x 2: {selected_fields(parsed):>10,} fields, validated in {ms:8.1f} ms")
    print("and for one field repeated in one place (each pair of copies is compared):")
    for times in (30, 100, 280):
        parsed = parse(repeated(times))
        ms = _median_ms(partial(validate, schema._schema, parsed, rules), times=3)
        print(f"  viewer {{ user {{ id }} }} {times:>3} times: validated in {ms:8.1f} ms")


async def _latencies(client: httpx.AsyncClient, token: str, requests: int = 100) -> tuple[float, float]:
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": NORMAL}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


async def _trickle(host: str, port: int, stop: asyncio.Event) -> None:
    with contextlib.suppress(OSError):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /graphql HTTP/1.1\r\nHost: rhythm\r\n")
        while not stop.is_set() and not reader.at_eof():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader.read(1024), 0.5)
            writer.write(b"X-Slow: 1\r\n")
            await writer.drain()
        writer.close()


async def _spam(client: httpx.AsyncClient, token: str, document: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await client.post("/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"})


async def over_http(url: str) -> None:
    target = urlparse(url)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        token = (await client.post("/graphql", json={"query": LOG_IN})).json()["data"]["logIn"]["accessToken"]
        await _latencies(client, token, 20)  # warm up
        print(f"\n{'a normal request (viewer)':48} {'p50 ms':>7} {'p99 ms':>7}")

        async def beside(name: str, start: Callable[[asyncio.Event], list[Awaitable[None]]]) -> None:
            stop = asyncio.Event()
            running = [asyncio.ensure_future(task) for task in start(stop)]
            await asyncio.sleep(1.0)
            p50, p99 = await _latencies(client, token)
            stop.set()
            await asyncio.gather(*running)
            print(f"{name:48} {p50:>7.1f} {p99:>7.1f}")

        await beside("alone", lambda stop: [])
        host, port = target.hostname or "127.0.0.1", target.port or 80
        await beside(
            "beside 200 clients trickling their headers", lambda stop: [_trickle(host, port, stop) for _ in range(200)]
        )
        async with httpx.AsyncClient(base_url=url, timeout=60) as spammer:
            # The yardstick for the next row: any four clients without pause share the process's core.
            await beside(
                "beside 4 clients posting normal requests",
                lambda stop: [_spam(spammer, token, NORMAL, stop) for _ in range(4)],
            )
            await beside(
                "beside 4 clients posting fan-out documents",
                lambda stop: [_spam(spammer, token, fan_out(), stop) for _ in range(4)],
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--url", help="a running `rhythm serve` with the demo data, for the HTTP figures")
    arguments = parser.parse_args()
    asyncio.run(in_process())
    if arguments.url:
        asyncio.run(over_http(arguments.url))


if __name__ == "__main__":
    main()
