"""Live updates: committed events published to the live channels."""
