"""A realistic, seeded data set, generated as rows ready for COPY (pure: no I/O here).

Companies differ in size (a power law: the largest has ~20x the tasks of the smallest); people belong to one
to three companies; tasks have realistic statuses, priorities, due dates, tags, assignees who are members, and
a checklist of zero to five subtasks. Everyone also has the empty personal company that signup makes.
Two bench viewers exist besides: a typical person in three companies (a large, a middling and a small one)
and a wide one, a member of every company.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

BENCH_EMAIL = "bench@bench.rhythm.example"
WIDE_EMAIL = "bench-wide@bench.rhythm.example"
PASSWORD = "rhythm-bench-password"
TYPICAL_COMPANIES = 3
TASK_BATCH = 20_000

Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "display_name", "time_zone", "created_at", "updated_at"),
    "user_credentials": ("user_id", "password_hash"),
    "companies": ("id", "name", "is_personal", "created_by", "created_at"),
    "memberships": ("company_id", "user_id", "role", "created_at"),
    "projects": ("id", "company_id", "name", "description", "archived", "created_at", "updated_at"),
    "tasks": (
        "id",
        "company_id",
        "project_id",
        "title",
        "description",
        "status",
        "priority",
        "effort",
        "estimated_minutes",
        "due_at",
        "start_after",
        "assignee_id",
        "tags",
        "completed_at",
        "created_by",
        "created_at",
        "updated_at",
    ),
    "subtasks": ("id", "company_id", "task_id", "title", "done", "position", "created_at"),
}

FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Ken", "Frances", "Edsger", "Radia", "Donald"]
LAST = ["Lovelace", "Hopper", "Hamilton", "Turing", "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Knuth"]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC"]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne"]
KINDS = ["Labs", "Studio", "Systems", "Works", "Partners"]
AREAS = ["Website", "Billing", "Onboarding", "Mobile app", "Data platform", "Hiring", "Security", "Support"]
VERBS = ["Review", "Draft", "Fix", "Plan", "Ship", "Test", "Refactor", "Document", "Migrate", "Design"]
THINGS = ["the export", "login flow", "invoice PDF", "search page", "release notes", "API limits", "dashboard"]
STEPS = ["Outline", "Ask for input", "Do it", "Write tests", "Review", "Deploy", "Tell the team"]
TAGS = ["bug", "feature", "chore", "customer", "urgent", "q1", "q2", "backend", "frontend", "design"]


@dataclass(frozen=True, slots=True)
class Shape:
    companies: int
    people: int
    projects_per_company: int
    tasks: int

    def fingerprint(self, seed: int) -> str:
        return f"rhythm-bench v1 {self.companies}c {self.people}p {self.projects_per_company}pp {self.tasks}t s{seed}"


@dataclass(slots=True)
class _Company:
    id: uuid.UUID
    weight: float
    created_at: datetime
    members: list[uuid.UUID] = field(default_factory=list)
    projects: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)


class Generator:
    """Rows in load order: people, companies, memberships, projects, then tasks with their subtasks."""

    def __init__(self, shape: Shape, seed: int, password_hash: str, now: datetime | None = None) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.password_hash = password_hash
        self.now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        self.people: list[tuple[uuid.UUID, datetime]] = []
        self.companies: list[_Company] = []

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _ago(self, days: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(0, days * 86_400))

    def users(self) -> tuple[list[Row], list[Row]]:
        users: list[Row] = []
        emails = [BENCH_EMAIL, WIDE_EMAIL] + [f"person{n}@bench.rhythm.example" for n in range(self.shape.people)]
        for number, email in enumerate(emails):
            user_id, created = self._id(), self._ago(900)
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} {number}"
            users.append((user_id, email, name, self.rng.choice(ZONES), created, created))
            self.people.append((user_id, created))
        return users, [(user_id, self.password_hash) for user_id, *_ in users]

    def companies_and_memberships(self) -> tuple[list[Row], list[Row]]:
        """Shared companies (their owner membership comes from the companies trigger) and personal ones."""
        companies: list[Row] = []
        memberships: list[Row] = []
        staff = self.people[2:]
        for rank in range(self.shape.companies):
            company = _Company(id=self._id(), weight=1 / (rank + 1) ** 0.8, created_at=self._ago(800))
            owner = staff[rank % len(staff)][0]
            company.members.append(owner)
            name = f"{BRANDS[rank % len(BRANDS)]} {KINDS[rank // len(BRANDS) % len(KINDS)]} {rank}"
            companies.append((company.id, name, False, owner, company.created_at))
            self.companies.append(company)
        for user_id, created in self.people:
            personal = self._id()
            companies.append((personal, "Personal", True, user_id, created))
            memberships.append((personal, user_id, "owner", created))
        memberships.extend(self._joins(staff))
        return companies, memberships

    def _joins(self, staff: list[tuple[uuid.UUID, datetime]]) -> Iterator[Row]:
        weights = [company.weight**0.5 for company in self.companies]
        for user_id, _ in staff:
            wanted = self.rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
            for company in self.rng.choices(self.companies, weights=weights, k=wanted):
                if user_id not in company.members:
                    company.members.append(user_id)
                    role = "admin" if self.rng.random() < 0.1 else "member"
                    yield (company.id, user_id, role, company.created_at)
        count = len(self.companies)
        typical = {0, count // 5, count // 2} if count >= 3 else set(range(count))
        for rank, company in enumerate(self.companies):
            for user_id, _ in self.people[:2] if rank in typical else self.people[1:2]:
                company.members.append(user_id)
                yield (company.id, user_id, "member", company.created_at)

    def projects(self) -> list[Row]:
        rows: list[Row] = []
        for company in self.companies:
            for number in range(self.shape.projects_per_company):
                project_id = self._id()
                created = company.created_at + (self.now - company.created_at) * self.rng.random() * 0.8
                area = AREAS[number % len(AREAS)]
                name = f"{area} {number // len(AREAS) + 1}" if number >= len(AREAS) else area
                archived = self.rng.random() < 0.1
                about = f"Everything about {area.lower()}."
                rows.append((project_id, company.id, name, about, archived, created, created))
                company.projects.append((project_id, created))
        return rows

    def task_batches(self) -> Iterator[tuple[list[Row], list[Row]]]:
        """Tasks and their subtasks, a batch at a time; subtasks refer to tasks of the same batch only."""
        total_weight = sum(company.weight for company in self.companies)
        counts = [int(self.shape.tasks * company.weight / total_weight) for company in self.companies]
        counts[0] += self.shape.tasks - sum(counts)
        tasks: list[Row] = []
        subtasks: list[Row] = []
        for company, count in zip(self.companies, counts, strict=True):
            project_weights = [self.rng.lognormvariate(0, 0.8) for _ in company.projects]
            homes = self.rng.choices(company.projects, weights=project_weights, k=count) if company.projects else []
            for number in range(count):
                home = homes[number] if homes and self.rng.random() >= 0.05 else None
                task = self._task(company, home)
                tasks.append(task)
                subtasks.extend(self._subtasks(task))
                if len(tasks) >= TASK_BATCH:
                    yield tasks, subtasks
                    tasks, subtasks = [], []
        if tasks:
            yield tasks, subtasks

    def _task(self, company: _Company, home: tuple[uuid.UUID, datetime] | None) -> Row:
        rng = self.rng
        since = home[1] if home else company.created_at
        created = since + (self.now - since) * rng.random()
        age = (self.now - created) / (self.now - since) if self.now > since else 0.0
        status = self._status(age)
        completed = created + (self.now - created) * rng.random() if status == "done" else None
        due = created + timedelta(days=rng.uniform(1, 45)) if rng.random() < 0.65 else None
        start_after = created + timedelta(days=rng.uniform(0, 5)) if rng.random() < 0.1 else None
        assignee = rng.choice(company.members) if rng.random() < 0.85 else None
        description = " ".join(rng.choices(THINGS, k=rng.randint(5, 30))) if rng.random() < 0.4 else ""
        return (
            self._id(), company.id, home[0] if home else None,
            f"{rng.choice(VERBS)} {rng.choice(THINGS)} {rng.randint(1, 9999)}", description, status,
            rng.choices([1, 2, 3, 4], weights=[20, 45, 25, 10])[0],
            rng.randint(1, 5) if rng.random() < 0.6 else None,
            rng.choice([15, 30, 60, 120, 240, 480]) if rng.random() < 0.5 else None,
            due, start_after, assignee, sorted(set(rng.choices(TAGS, k=rng.randint(0, 3)))), completed,
            rng.choice(company.members), created, completed or created,
        )  # fmt: skip

    def _status(self, age: float) -> str:
        """Older tasks are more often done; a few are cancelled; a quarter of open ones are in progress."""
        roll = self.rng.random()
        if roll < 0.1 + 0.7 * age:
            return "done"
        if roll > 0.96:
            return "cancelled"
        return "in_progress" if self.rng.random() < 0.25 else "todo"

    def _subtasks(self, task: Row) -> Iterator[Row]:
        task_id, company_id, status, created = task[0], task[1], task[5], task[15]
        count = self.rng.choices(range(6), weights=[30, 15, 15, 15, 15, 10])[0]
        for position in range(count):
            done = status == "done" or self.rng.random() < 0.3
            yield (self._id(), company_id, task_id, self.rng.choice(STEPS), done, position, created)
