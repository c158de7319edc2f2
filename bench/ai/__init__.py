"""The AI heuristic parser scored on labelled phrases (`python -m bench.ai`)."""
