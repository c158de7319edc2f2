"""The closed list of what the audit log records.

The database holds the same list in the `audit_log_action` constraint (tests/audit/test_actions.py compares
them). To audit something new: add a member here, a migration that replaces the constraint, and one `record` call
where the change happens.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_REMOVED = "membership.removed"
    MEMBERSHIP_LEFT = "membership.left"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"
    WEBHOOK_ENDPOINT_SECRET_ROTATED = "webhook_endpoint.secret_rotated"  # noqa: S105 (an action, not a secret)
    CALENDAR_CONNECTION_CONNECTED = "calendar_connection.connected"
    CALENDAR_CONNECTION_DISCONNECTED = "calendar_connection.disconnected"
    FEATURE_FLAG_CHANGED = "feature_flag.changed"
    COMPANY_SECOND_FACTOR_REQUIREMENT_CHANGED = "company.second_factor_requirement_changed"
    # A member's own changes, entered in the log of each company they reach (record.record_for_member).
    SECOND_FACTOR_ENABLED = "second_factor.enabled"
    SECOND_FACTOR_DISABLED = "second_factor.disabled"
    DATA_EXPORT_REQUESTED = "data_export.requested"


class SignInMethod(enum.StrEnum):
    """How a person signed in; the `sign_in_events_method` constraint holds the same list."""

    PASSWORD = "password"  # noqa: S105 (a method, not a secret)
    GOOGLE = "google"  # Sign in with Google (domain/sign_in)
    MICROSOFT = "microsoft"
