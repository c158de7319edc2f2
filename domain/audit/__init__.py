"""The audit log of each company and the sign-in history of each person.

Every audited change calls `record(session, AuditAction..., company_id=..., target=...)` once, at the place of the
change and in its transaction, so a change that rolls back leaves no entry.
"""

from domain.audit.actions import AuditAction, SignInMethod
from domain.audit.origin import Origin, origin_of, with_origin
from domain.audit.record import Target, record, record_for_member

__all__ = ["AuditAction", "Origin", "SignInMethod", "Target", "origin_of", "record", "record_for_member", "with_origin"]
