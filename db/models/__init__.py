"""Every table, importable from one place (Alembic and the tests read `SQLModel.metadata`)."""

from db.models.companies import Company, Membership, MembershipRole
from db.models.credentials import ApiKey, ApiScope, RefreshToken
from db.models.events import JobRun, OutboxEvent
from db.models.time_tracking import TimeEntry
from db.models.users import User, UserCredentials
from db.models.work import Project, Subtask, Task, TaskPriority, TaskStatus

__all__ = [
    "ApiKey",
    "ApiScope",
    "Company",
    "JobRun",
    "Membership",
    "MembershipRole",
    "OutboxEvent",
    "Project",
    "RefreshToken",
    "Subtask",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TimeEntry",
    "User",
    "UserCredentials",
]
