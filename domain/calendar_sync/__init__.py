"""Calendar sync with Google Calendar and Microsoft Outlook: connections, reads into the calendar mirror, writes
of Rhythm's blocks, and the provider clients (their base URLs come from the settings)."""
