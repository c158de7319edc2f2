"""The RabbitMQ broker as Rhythm sets it up: picked by RHYTHM_BROKER_URL, publisher confirms on, and the parts
of the jobs machinery written for Redis (queue figures, dead letters, maintenance) answer instead of failing."""

from __future__ import annotations

from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from workers.broker import QUEUES, BrokerUrlError, broker_kind, setup_broker
from workers.dead_letters import remove_dead
from workers.maintenance import requeue_dead_workers
from workers.queues import reader


@pytest.fixture
def rabbitmq(amqp_url: str) -> Iterator[RabbitmqBroker]:
    previous = dramatiq.broker.global_broker
    broker = setup_broker(None, broker_url=amqp_url)
    assert isinstance(broker, RabbitmqBroker)
    yield broker
    broker.close()
    dramatiq.set_broker(previous)  # type: ignore[arg-type]


def test_the_broker_url_picks_the_broker_and_a_wrong_one_is_refused() -> None:
    assert broker_kind("redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1:5672/") == "rabbitmq"
    assert broker_kind("redis://127.0.0.1:6379/0") == "redis"
    assert broker_kind(None, "redis://127.0.0.1:6379/1") == "redis"
    assert broker_kind(None) == "stub"
    with pytest.raises(BrokerUrlError, match="amqp://"):
        broker_kind(None, "kafka://127.0.0.1:9092")


def test_rabbitmq_confirms_each_message_and_the_queue_figures_count_it(rabbitmq: RabbitmqBroker, amqp_url: str) -> None:
    assert rabbitmq.confirm_delivery
    rabbitmq.enqueue(
        dramatiq.Message(queue_name="events", actor_name="events.dispatch", args=("x", "y"), kwargs={}, options={})
    )

    figures = {figure.queue: figure for figure in reader(None, amqp_url)()}

    assert set(figures) == set(QUEUES)
    assert figures["events"].ready == 1
    assert figures["events"].in_flight == 0
    assert figures["webhooks"].ready == 0


def test_dead_letters_and_maintenance_leave_rabbitmq_alone_without_failing(rabbitmq: RabbitmqBroker) -> None:
    remove_dead(rabbitmq, "events", "some-message", None)
    assert requeue_dead_workers(rabbitmq) == 0
