"""English dates and times in a task's text, relative to now in the person's zone.

The spans are found here (a small vocabulary of date and time words, so that "call May" or "4 reports" are not
taken for dates); what a span means is left to `dateparser`, apart from the parts of a day ("morning", "end of
day"), which it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)"
DAY_PART = r"(?:morning|afternoon|evening|night|noon|midday|midnight|eod|cob|(?:the )?end of (?:the )?day)"
DAY = (
    rf"(?:today|tonight|tomorrow|tmrw|day after tomorrow|(?:next|this|coming) (?:{WEEKDAY}|week|month)"
    rf"|{WEEKDAY}|(?:in|within) (?:\d+|a|an|one|two|three|four|five|six) {UNIT}|(?:{MONTH}\.? {ORDINAL})"
    rf"|(?:(?:the )?{ORDINAL} (?:of )?{MONTH})"
    rf"|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|\d{{4}}-\d{{2}}-\d{{2}}|(?:the )?end of (?:the )?(?:week|month)"
    rf"|(?:this )?weekend|eow|eom|{DAY_PART})"
)
CLOCK = r"(?:\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|noon|midnight)"
PART = rf"(?:{DAY}|(?:at |@ ?)?{CLOCK}|(?:in the |this )?{DAY_PART})"
SPAN = re.compile(
    # Not "every Friday" (a repetition, not a due date), nor "Monday's retro".
    rf"(?<!every )(?:\b(?:by|before|due|on|at|until|till|for|from|no later than)\s+)?"
    rf"\b(?<!every ){PART}(?:(?:\s*,\s*|\s+)(?:at\s+)?{PART})*\b(?!['\u2019]s)",
    re.IGNORECASE,
)
WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
PARTS = {
    "morning": time(9), "afternoon": time(14), "evening": time(18), "night": time(20), "tonight": time(20),
    "noon": time(12), "midday": time(12), "midnight": time(23, 59),
}  # fmt: skip
END_OF_DAY = time(17)
PREFIX = re.compile(r"^(?:by|before|due|on|at|until|till|for|from|no later than)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FoundDate:
    at: datetime
    start: int
    end: int
    # "before Friday", "by Friday": a deadline; "on Friday", "Friday": the day it is for. Both become the due time.
    deadline: bool


def find_date(text: str, now: datetime) -> FoundDate | None:
    """The first date or time in `text`, as an aware datetime in now's zone; None if there is none."""
    for match in SPAN.finditer(text):
        at = _meaning(match.group(0), now)
        if at is not None:
            prefix = PREFIX.match(match.group(0))
            deadline = prefix is not None and prefix.group(0).strip().lower() in {"by", "before", "due", "until"}
            return FoundDate(at=at, start=match.start(), end=match.end(), deadline=deadline)
    return None


def _meaning(span: str, now: datetime) -> datetime | None:
    words = PREFIX.sub("", span.strip().lower()).replace(",", " ")
    words = re.sub(r"\s+", " ", words)
    if re.fullmatch(r"\d{1,2}", words):
        return None
    clock: time | None = None
    if re.search(r"\b(?:end of (?:the )?day|eod|cob)\b", words):
        words, clock = re.sub(r"\b(?:(?:the )?end of (?:the )?day|eod|cob)\b", "", words), END_OF_DAY
    words = re.sub(r"\beow\b|\b(?:the )?end of (?:the )?week\b", "friday", words)
    words = re.sub(r"\beom\b|\b(?:the )?end of (?:the )?month\b", _last_of_month(now), words)
    # Due "next week" or "this weekend": by its end.
    words = re.sub(r"\bnext week\b", "next friday", words)
    words = re.sub(r"\b(?:this )?weekend\b", "sunday", words)
    words = re.sub(r"\bwithin\b", "in", words)
    words = words.replace("tmrw", "tomorrow").replace("day after tomorrow", "in 2 days")
    words = re.sub(r"\b(a|an|one|two|three|four|five|six) (?=" + UNIT + ")", lambda m: f"{WORDS[m.group(1)]} ", words)
    for name, value in PARTS.items():
        pattern = rf"\b(?:in the |this )?{name}\b"
        if re.search(pattern, words) and not re.search(CLOCK.replace("|noon|midnight", ""), words):
            words, clock = re.sub(pattern, "", words), value
            if name == "tonight":
                words = f"{words} today"
    words = re.sub(r"\s+", " ", words).strip()
    return _resolve(words, clock, now)


def _resolve(words: str, clock: time | None, now: datetime) -> datetime | None:
    if not words:
        day = now
        clock = clock or END_OF_DAY
    else:
        settings = {
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        parsed = dateparser.parse(words, languages=["en"], settings=settings)
        if parsed is None:
            return None
        day = parsed.replace(tzinfo=now.tzinfo)
        if re.match(rf"next {WEEKDAY}\b", words) and day.date() < _next_monday(now):
            # "next Friday" said on a Wednesday is the Friday of next week; "Friday" or "this Friday" is this one.
            day += timedelta(days=7)
        has_clock = re.search(CLOCK, words) is not None
        relative = re.search(r"\bin \d+ (?:minutes?|mins?|hours?|hrs?)\b", words) is not None
        if has_clock or relative:
            return _future(day, now, bumped=not re.search(DAY.replace(f"|{DAY_PART}", ""), words))
        if clock is None:
            clock = END_OF_DAY
    return _future(day.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0), now, bumped=False)


def _future(at: datetime, now: datetime, *, bumped: bool) -> datetime:
    # "at 9am" said at 10am means tomorrow's; a day that was named keeps its date.
    if bumped and at < now:
        return at + timedelta(days=1)
    return at


def _last_of_month(now: datetime) -> str:
    following = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = following - timedelta(days=1)
    return last.strftime("%B %d %Y").lower()


def _next_monday(now: datetime) -> date:
    return (now + timedelta(days=7 - now.weekday())).date()
