"""Calendar sync: connecting Google Calendar and Microsoft Outlook accounts, their calendars and state."""
