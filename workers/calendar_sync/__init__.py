"""Calendar sync: the actors that sync connections with Google Calendar and Microsoft Graph, fed by the outbox and
by the providers' push routes."""
