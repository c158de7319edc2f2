"""AI in GraphQL: plain language to tasks and plans, usage and budgets."""
