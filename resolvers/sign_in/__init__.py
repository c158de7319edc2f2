"""Sign in with Google and Microsoft: starting, completing, linking and unlinking provider identities."""
