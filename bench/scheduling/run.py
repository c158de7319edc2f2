"""Every scheduling benchmark in one go (takes a while: CP-SAT proves the S-tier optima).

    .venv/bin/python -m bench.scheduling.run [--quick]

Each part also runs on its own:
    .venv/bin/python -m bench.scheduling.quality     # S tier against CP-SAT's optimum
    .venv/bin/python -m bench.scheduling.scale       # L tier: time, violations, polish
    .venv/bin/python -m bench.scheduling.stability   # a meeting on a planned block
    .venv/bin/python -m bench.scheduling.replan      # replanning latency on the M tier
`--quick` runs fewer instances with shorter CP-SAT limits, to check that everything works.
"""

from __future__ import annotations

import argparse

from bench.scheduling import quality, replan, scale, stability


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    print("== S tier: engine and baseline against CP-SAT's optimum ==")
    quality.run(instances=8 if quick else 40, limit=10 if quick else 120, workers=2, cache_path=None)
    print("\n== L tier: 18 people x 20 working days ==")
    scale.run(seed=0, polish_seconds=1 if quick else 5, workers=2)
    print("\n== Stability: a one-hour meeting on a planned block ==")
    stability.run(trials=8 if quick else 40)
    print("\n== Replanning one person's M-tier plan after one change ==")
    replan.run(trials=10 if quick else 60)


if __name__ == "__main__":
    main()
