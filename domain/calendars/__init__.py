"""Calendars and their events: internal ones made in Rhythm and the mirrors of external ones."""
