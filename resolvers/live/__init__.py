"""Subscriptions: committed changes, read under the row-level policies (once for all who see them alike)."""
