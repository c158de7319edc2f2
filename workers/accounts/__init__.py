"""Account emails: the reaction to `account.*` events and the `accounts.email` job that sends their links."""
