"""Scheduling against the database: profiles, task fields, plan runs, time blocks and the week view. The engine
itself is `domain.planner` (pure, no I/O); this package feeds it one person's rows and stores what it returns."""
