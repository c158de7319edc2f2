"""How hard a delivery is tried: the retry schedule, the timeouts and leases, and when an endpoint is disabled.

Pure: every function takes the time it works at, so tests drive the clock instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

#: The waits after each failed attempt: eleven attempts over about three days (71.6 hours).
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=14),
    timedelta(hours=16),
)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    schedule: tuple[timedelta, ...] = RETRY_SCHEDULE
    timeout: timedelta = timedelta(seconds=15)
    # A delivery whose worker died mid-attempt is tried again once its lease lapses: longer than the timeout.
    lease: timedelta = timedelta(seconds=60)
    # A delivery handed to the broker is not handed again before this, unless it is still due then.
    redispatch_after: timedelta = timedelta(seconds=60)
    # A Retry-After longer than the schedule's wait is honoured up to this.
    max_retry_after: timedelta = timedelta(days=1)
    # An endpoint is disabled after this many failed attempts in a row spanning at least `disable_after`: more
    # than one delivery's whole schedule, so a single unlucky event never disables an endpoint by itself.
    disable_after_failures: int = 15
    disable_after: timedelta = timedelta(hours=24)
    allow_private_targets: bool = False

    def retry_delay(self, failures: int, retry_after: timedelta | None = None) -> timedelta | None:
        """The wait before the next attempt after `failures` failed ones; None once the schedule is spent."""
        if not 1 <= failures <= len(self.schedule):
            return None
        delay = self.schedule[failures - 1]
        if retry_after is not None and retry_after > delay:
            return min(retry_after, self.max_retry_after)
        return delay

    def should_disable(self, failure_streak: int, failing_since: datetime | None, now: datetime) -> bool:
        return (
            failure_streak >= self.disable_after_failures
            and failing_since is not None
            and now - failing_since >= self.disable_after
        )


def honours_retry_after(status: int | None) -> bool:
    return status is not None and (status == 429 or 500 <= status <= 599)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait from `now`; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
