"""Notifications: in-app notices for people, the email that may follow each, and due-date reminders."""
