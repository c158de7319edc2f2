"""AI: plain language to tasks and plans, classification, the coach and the weekly summary, with metering and
budgets. The pure parts (prompts, output schemas, the heuristic) have no I/O; `client` reaches the model."""
