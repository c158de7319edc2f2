"""A throwaway RabbitMQ vhost for the tests that need a RabbitMQ broker (skipped where none answers)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator

import pytest


def _rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A fresh vhost on the machine's RabbitMQ (guest/guest), so runs never share queues; dropped afterwards."""
    given = os.environ.get("RHYTHM_TEST_AMQP_URL")
    if given:
        yield given
        return
    if not _rabbitmq_answers():
        pytest.skip("No RabbitMQ answers on 127.0.0.1:5672 (set RHYTHM_TEST_AMQP_URL to use another one).")
    control = shutil.which("rabbitmqctl")
    if control is None:
        pytest.skip(
            "RabbitMQ answers, but without rabbitmqctl no throwaway vhost can be made (or set RHYTHM_TEST_AMQP_URL)."
        )
    vhost = f"rhythm-chaos-{uuid.uuid4().hex[:10]}"

    def run(*arguments: str) -> None:
        subprocess.run([control, *arguments], check=True, capture_output=True, timeout=120)

    try:
        run("add_vhost", vhost)
        run("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"rabbitmqctl could not make a throwaway vhost: {error}")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        subprocess.run([control, "delete_vhost", vhost], capture_output=True, timeout=120)
