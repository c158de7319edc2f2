"""The heuristic: plain language to tasks and plans without a model, so every AI feature answers offline.

Splits the text into tasks at separators (new lines, ";", "then", "and then"), reads each task's due time
(`heuristic_dates`), duration and priority, and keeps the rest as the title. "then" makes the next task depend on
the one before it.
"""

from __future__ import annotations

import re
from datetime import datetime

from db.models import TaskPriority
from domain.ai.heuristic_dates import find_date
from domain.ai.schemas import PlanRequest, ProposedTask

# A full stop ends a task only before a capital letter, and not after a list number ("1. outline").
SEPARATOR = re.compile(
    r"(\n+|;\s*|,?\s+and then\s+|,?\s+then\s+|(?<!\d)\.\s+(?=(?-i:[A-Z]))|,\s+(?:also|plus)\s+)", re.IGNORECASE
)
LEADING_THEN = re.compile(r"^(?:and\s+)?then\s+", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
NUMBER = r"(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|eight|ten|a couple of|a few)"
NUMBERS = {"a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0,
           "eight": 8.0, "ten": 10.0, "a couple of": 2.0, "a few": 3.0}  # fmt: skip
APPROX = r"(?:(?:for |takes |taking )?(?:about|around|roughly|approx\.?|approximately|~|maybe|some)\s*)?(?:for\s+)?"
DURATIONS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(rf"\b{APPROX}half an? (?:hour|hr)\b", re.I), 30),
    (re.compile(rf"\b{APPROX}(?:half a day|half-day|half day)\b", re.I), 240),
    (re.compile(rf"\b{APPROX}(?:a |one )?(?:full|whole) day\b", re.I), 480),
    (re.compile(rf"\b{APPROX}an? hour and a half\b", re.I), 90),
    (re.compile(rf"\b{APPROX}(\d+)\s*h(?:ours?|rs?)?\s*(?:and\s*)?(\d+)\s*m(?:in(?:ute)?s?)?\b", re.I), "hm"),
    (re.compile(rf"\b{APPROX}{NUMBER}[\s-]*(?:hours?|hrs?|h)\b", re.I), 60),
    (re.compile(rf"\b{APPROX}{NUMBER}[\s-]*(?:minutes?|mins?|m)\b", re.I), 1),
]
PRIORITIES: list[tuple[re.Pattern[str], TaskPriority]] = [
    # Low first: "not urgent" is low.
    (re.compile(r"\b(?:low[- ]priority|low prio|whenever|someday|no rush|not urgent|if time permits)\b", re.I),
     TaskPriority.LOW),
    (re.compile(r"\b(?:urgent(?:ly)?|asap|as soon as possible|critical|top priority|immediately)\b|!{2,}", re.I),
     TaskPriority.URGENT),
    (re.compile(r"\b(?:high[- ]priority|important|high prio|priority)\b|!", re.I), TaskPriority.HIGH),
]  # fmt: skip
FILLER = re.compile(
    r"^(?:(?:i need to|need to|i have to|have to|remember to|don't forget to|please|todo:?|and|also)\s+)+", re.I
)
DANGLING = re.compile(r"(?:\s+(?:by|before|due|on|at|for|until|and|it's|it is|is|-|—))+\s*$", re.I)


def split_tasks(text: str) -> list[tuple[str, bool]]:
    """Each task's text, with whether it follows the one before it ("then")."""
    parts = SEPARATOR.split(text)
    tasks: list[tuple[str, bool]] = []
    after_then = False
    for index, part in enumerate(parts):
        if index % 2 == 1:
            after_then = "then" in part.lower()
            continue
        cleaned = BULLET.sub("", part).strip(" \t,.")
        if LEADING_THEN.match(cleaned):
            cleaned, after_then = LEADING_THEN.sub("", cleaned), True
        if cleaned:
            tasks.append((cleaned, after_then and bool(tasks)))
        after_then = False
    return tasks


def parse_tasks(text: str, now: datetime, projects: dict[str, str] | None = None) -> list[ProposedTask]:
    """Tasks proposed from `text`; `now` is aware, in the person's zone; `projects` maps ids to names."""
    proposed: list[ProposedTask] = []
    for index, (segment, follows) in enumerate(split_tasks(text)):
        task = parse_one(segment, now, projects or {})
        if follows:
            task.depends_on = [index - 1]
        proposed.append(task)
    return proposed[:20]


def parse_one(segment: str, now: datetime, projects: dict[str, str]) -> ProposedTask:
    rest, minutes = take_duration(segment)
    rest, priority = take_priority(rest)
    found = find_date(rest, now)
    due = None
    if found is not None:
        due = found.at
        rest = f"{rest[: found.start]} {rest[found.end :]}"
    return ProposedTask(
        title=tidy_title(rest) or segment.strip()[:500],
        due_at=due,
        duration_minutes=minutes,
        priority=priority,
        project_id=guess_project(segment, projects),
    )


def take_duration(text: str) -> tuple[str, int | None]:
    for pattern, scale in DURATIONS:
        match = pattern.search(text)
        if match is None:
            continue
        if scale == "hm":
            minutes = int(match.group(1)) * 60 + int(match.group(2))
        elif isinstance(scale, int) and match.groups():
            minutes = round(_number(match.group(1)) * scale)
        else:
            minutes = int(scale)  # type: ignore[call-overload]
        # "in 2 hours", "within 30 minutes": when, not how long (the dates read it).
        if re.search(r"\b(?:in|within)\s*$", text[: match.start()], re.IGNORECASE):
            continue
        if 0 < minutes <= 100_000:
            return f"{text[: match.start()]} {text[match.end() :]}", minutes
    return text, None


def _number(word: str) -> float:
    return NUMBERS.get(word.lower(), 0.0) if not word[0].isdigit() else float(word)


def take_priority(text: str) -> tuple[str, TaskPriority]:
    for pattern, priority in PRIORITIES:
        if pattern.search(text) is not None:
            return pattern.sub(" ", text), priority
    return text, TaskPriority.MEDIUM


def tidy_title(text: str) -> str:
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"\s*,\s*(?=,|$)", "", re.sub(r"\s+", " ", text)).strip(" ,.;:-—")
    for _ in range(3):
        text = DANGLING.sub("", FILLER.sub("", text)).strip(" ,.;:-—")
    text = re.sub(r"\s+,", ",", text)
    return (text[:1].upper() + text[1:])[:500]


def guess_project(text: str, projects: dict[str, str]) -> str | None:
    """The project whose name the text mentions (the longest when several do)."""
    lowered = text.lower()
    named = [(len(name), pid) for pid, name in projects.items() if name and _mentions(lowered, name.lower())]
    return max(named)[1] if named else None


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?:^|\W)#?{re.escape(name)}(?:$|\W)", text) is not None


PREFERRED = {
    "morning": (8 * 60, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 21 * 60),
}  # fmt: skip


def parse_plan(text: str, now: datetime) -> PlanRequest:
    """ "find 3 hours for the report before Friday, mornings only": duration, deadline and preferred hours."""
    rest, minutes = take_duration(text)
    preferred = None
    for word, hours in PREFERRED.items():
        pattern = re.compile(
            rf"[,;]?\s*(?:only\s+(?:in\s+the\s+)?{word}s?|(?:in\s+the\s+)?{word}s?(?:\s+only)?)\b", re.I
        )
        match = pattern.search(rest)
        if match is not None:
            preferred = hours
            rest = f"{rest[: match.start()]} {rest[match.end() :]}"
            break
    found = find_date(rest, now)
    deadline = None
    if found is not None:
        deadline = found.at
        rest = f"{rest[: found.start]} {rest[found.end :]}"
    rest = re.sub(
        r"^\s*(?:please\s+)?(?:find|block|book|schedule|make|plan|reserve)\s+(?:time\s+)?", "", rest, flags=re.I
    )
    rest = re.sub(r"^\s*(?:for|to)\s+", "", rest.strip(), flags=re.I)
    return PlanRequest(
        title=tidy_title(rest) or "Focus time",
        duration_minutes=minutes or 60,
        deadline=deadline,
        earliest_start=now,
        preferred_start_minute=preferred[0] if preferred else None,
        preferred_end_minute=preferred[1] if preferred else None,
    )
