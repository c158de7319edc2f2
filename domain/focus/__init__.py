"""Focus sessions: started, paused, resumed, completed with ratings (recording the focused time) or abandoned."""
