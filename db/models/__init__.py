"""Every table, importable from one place (Alembic and the tests read `SQLModel.metadata`)."""

from db.models.accounts import Consent, ConsentKind, DataExport, DataExportState
from db.models.ai import (
    AiBudgetMonth,
    AiBudgetReservation,
    AiCoachMessage,
    AiCompanySettings,
    AiFeature,
    AiReason,
    AiSource,
    AiTaskClassification,
    AiUsage,
)
from db.models.audit import AuditEntry, CompanyFeatureFlag, FeatureFlag, SignInEvent
from db.models.calendars import Calendar, CalendarEvent, CalendarSource
from db.models.companies import Company, Membership, MembershipRole
from db.models.credentials import ApiKey, ApiScope, RefreshToken, SignInSession
from db.models.events import JobRun, OutboxEvent
from db.models.focus import FocusKind, FocusSession, FocusState
from db.models.jobs import DeadLetter, DeadLetterState
from db.models.notifications import Notification, NotificationPreferences, NotificationType
from db.models.scheduling import (
    Habit,
    MembershipWorkHours,
    ReplanRequest,
    ScheduleRun,
    SchedulingProfile,
    TaskDependency,
    TaskScheduling,
    TimeBlock,
)
from db.models.second_factor import RecoveryCode, SecondFactor, SecondFactorChallenge
from db.models.sign_in import SignInIdentity, SignInProvider
from db.models.time_tracking import TimeEntry
from db.models.users import User, UserCredentials
from db.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from db.models.work import Project, Subtask, Task, TaskPriority, TaskStatus

__all__ = [
    "AiBudgetMonth",
    "AiBudgetReservation",
    "AiCoachMessage",
    "AiCompanySettings",
    "AiFeature",
    "AiReason",
    "AiSource",
    "AiTaskClassification",
    "AiUsage",
    "ApiKey",
    "ApiScope",
    "AuditEntry",
    "Calendar",
    "CalendarEvent",
    "CalendarSource",
    "Company",
    "CompanyFeatureFlag",
    "Consent",
    "ConsentKind",
    "DataExport",
    "DataExportState",
    "DeadLetter",
    "DeadLetterState",
    "DeliveryStatus",
    "FeatureFlag",
    "FocusKind",
    "FocusSession",
    "FocusState",
    "Habit",
    "JobRun",
    "Membership",
    "MembershipRole",
    "MembershipWorkHours",
    "Notification",
    "NotificationPreferences",
    "NotificationType",
    "OutboxEvent",
    "Project",
    "RecoveryCode",
    "RefreshToken",
    "ReplanRequest",
    "ScheduleRun",
    "SchedulingProfile",
    "SecondFactor",
    "SecondFactorChallenge",
    "SignInEvent",
    "SignInIdentity",
    "SignInProvider",
    "SignInSession",
    "Subtask",
    "Task",
    "TaskDependency",
    "TaskPriority",
    "TaskScheduling",
    "TaskStatus",
    "TimeBlock",
    "TimeEntry",
    "User",
    "UserCredentials",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookSecret",
]
