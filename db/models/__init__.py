"""Every table, importable from one place (Alembic and the tests read `SQLModel.metadata`)."""

from db.models.companies import Company, Membership, MembershipRole
from db.models.credentials import ApiKey, ApiScope, RefreshToken
from db.models.events import JobRun, OutboxEvent
from db.models.notifications import Notification, NotificationPreferences, NotificationType
from db.models.time_tracking import TimeEntry
from db.models.users import User, UserCredentials
from db.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from db.models.work import Project, Subtask, Task, TaskPriority, TaskStatus

__all__ = [
    "ApiKey",
    "ApiScope",
    "Company",
    "DeliveryStatus",
    "JobRun",
    "Membership",
    "MembershipRole",
    "Notification",
    "NotificationPreferences",
    "NotificationType",
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
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookSecret",
]
