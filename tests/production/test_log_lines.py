"""Rhythm's own log lines are written straight to the stream: one JSON object a line, in the format library lines
get, at the configured level even for loggers created before, and a stream that fails never fails the caller."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import structlog

from base.logs import configure_logging
from base.settings import Settings

log = structlog.get_logger("rhythm.test_lines")


@pytest.fixture(autouse=True)
def restored(settings: Settings) -> Iterator[None]:
    yield
    configure_logging(settings.log_level, json=settings.log_json)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    """This module's lines (and the library line it writes): the app's background work may log meanwhile."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") in ("rhythm.test_lines", "uvicorn.error")]


def test_a_line_carries_its_level_logger_time_and_the_bound_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    with structlog.contextvars.bound_contextvars(request_id="r-1"):
        log.info("request", status=200)
    [line] = _lines(capsys)
    assert line["event"] == "request"
    assert line["status"] == 200
    assert line["request_id"] == "r-1"
    assert (line["level"], line["logger"]) == ("info", "rhythm.test_lines")
    assert str(line["timestamp"]).endswith("Z")


def test_configuring_again_changes_the_level_of_loggers_already_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    log.debug("hidden")
    log.info("shown")
    configure_logging("DEBUG")
    log.debug("now shown")
    configure_logging("WARNING")
    log.info("hidden again")
    log.warning("warned")
    assert [line["event"] for line in _lines(capsys)] == ["shown", "now shown", "warned"]


def test_an_exception_is_logged_with_its_traceback_at_error_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    try:
        raise ValueError("broken on purpose")
    except ValueError:
        log.exception("unexpected_error")
    [line] = _lines(capsys)
    assert line["level"] == "error"
    assert "ValueError: broken on purpose" in str(line["exception"])


def test_library_lines_share_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    configure_logging("INFO")
    log.warning("ours")
    logging.getLogger("uvicorn.error").warning("theirs")  # a library's line
    ours, theirs = _lines(capsys)
    assert list(ours) == list(theirs)  # the same keys in the same order
    assert (theirs["event"], theirs["logger"]) == ("theirs", "uvicorn.error")


def test_a_stream_that_cannot_be_written_does_not_fail_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stdout", closed)
    configure_logging("INFO")
    log.info("into a closed stream")  # no exception


def test_a_line_is_ascii_whatever_it_carries(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stream that takes ASCII alone (a service manager's pipe under the C locale) still gets every line: text
    # beyond ASCII is escaped as JSON escapes it, and values JSON has no spelling of are written as text.
    ascii_only = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr("sys.stdout", ascii_only)
    configure_logging("INFO")
    person = uuid.UUID("8f14e45f-ceea-467f-a0e6-1e3b0b2a6a5d")
    log.info("renamed", title="Café 北京 🎉", person=person, at=datetime(2026, 12, 7, tzinfo=UTC))
    log.info("plain", person=person, big=2**70)
    ascii_only.flush()
    written = ascii_only.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    renamed, plain = [json.loads(line) for line in written.splitlines()]
    assert renamed["title"] == "Café 北京 🎉"
    assert renamed["person"] == plain["person"] == str(person)
    assert renamed["at"] == repr(datetime(2026, 12, 7, tzinfo=UTC))
    assert plain["big"] == 2**70
