"""What every layer may import: settings, logging and the clock. It imports nothing of Rhythm's."""
