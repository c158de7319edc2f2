"""How long a test waits for work that happens after a commit (a worker's job, a relay's hand-off, a live event).

A cap, never a speed target: a condition is polled until it holds, so a quiet machine answers in moments and a busy
one (both cores taken by another test run) still passes. Speed belongs in bench/.
"""

PATIENCE_SECONDS = 180.0
# A subscription is known to listen once a probe change arrives: one probe a second, until the cap.
PROBE_SECONDS = 1.0
PROBES = int(PATIENCE_SECONDS / PROBE_SECONDS)
