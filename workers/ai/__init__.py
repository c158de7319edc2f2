"""AI: the reaction that classifies new tasks of companies that turned it on."""
