"""Live updates: what a committed event tells subscribers, and on which channels it travels."""
