"""How long a task will really take, learned from a person's history of estimates and actuals.

The model works on the log ratio r = log(actual / estimated), per task kind, with empirical-Bayes
shrinkage: a kind's mean ratio is pulled toward the person's overall mean, and that one toward zero
(the estimate itself), by as much as the history is thin or noisy. With no history the prediction is
the estimate, with confidence 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

# A single task that took 20 times its estimate says little about the next one.
MAX_RATIO = 8.0
# Pseudo-observations at "the estimate is right" behind the person's overall mean.
PRIOR_SAMPLES = 5.0
# Floors that keep the shrinkage sane when there are one or two samples or one kind.
MIN_NOISE = 0.02
MIN_SPREAD = 0.01
DEFAULT_NOISE = 0.25


@dataclass(frozen=True, slots=True)
class DurationSample:
    kind: str
    estimated_minutes: int
    actual_minutes: int


@dataclass(frozen=True, slots=True)
class DurationPrediction:
    minutes: int
    confidence: float  # 0: nothing learnt (the estimate as is); toward 1: plenty of history behind it
    ratio: float  # predicted actual / estimated
    samples: int  # history samples of this kind


def _log_ratio(sample: DurationSample) -> float | None:
    if sample.estimated_minutes <= 0 or sample.actual_minutes <= 0:
        return None
    ratio = sample.actual_minutes / sample.estimated_minutes
    return math.log(min(MAX_RATIO, max(1 / MAX_RATIO, ratio)))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _within_variance(by_kind: dict[str, list[float]]) -> float:
    """Pooled variance of the log ratios around their kind's mean (the noise of one task)."""
    squares, freedom = 0.0, 0
    for values in by_kind.values():
        m = _mean(values)
        squares += sum((v - m) ** 2 for v in values)
        freedom += len(values) - 1
    return max(MIN_NOISE, squares / freedom) if freedom > 0 else DEFAULT_NOISE


def _between_variance(by_kind: dict[str, list[float]], noise: float, centre: float) -> float:
    """How much kinds really differ: spread of kind means beyond what sampling noise explains."""
    if len(by_kind) < 2:
        return max(MIN_SPREAD, noise / PRIOR_SAMPLES)
    excess = [(_mean(v) - centre) ** 2 - noise / len(v) for v in by_kind.values()]
    return max(MIN_SPREAD, _mean(excess))


@dataclass(frozen=True, slots=True)
class DurationModel:
    overall: float = 0.0
    noise: float = DEFAULT_NOISE
    spread: float = DEFAULT_NOISE / PRIOR_SAMPLES
    kinds: dict[str, tuple[int, float]] = field(default_factory=dict)  # kind -> (samples, mean log ratio)
    total: int = 0

    @classmethod
    def fit(cls, history: Iterable[DurationSample]) -> DurationModel:
        by_kind: dict[str, list[float]] = defaultdict(list)
        for sample in history:
            r = _log_ratio(sample)
            if r is not None:
                by_kind[sample.kind].append(r)
        if not by_kind:
            return cls()
        every = [r for values in by_kind.values() for r in values]
        overall = sum(every) / (len(every) + PRIOR_SAMPLES)  # shrunk toward 0, the estimate
        noise = _within_variance(by_kind)
        spread = _between_variance(by_kind, noise, overall)
        kinds = {kind: (len(v), _mean(v)) for kind, v in by_kind.items()}
        return cls(overall, noise, spread, kinds, len(every))

    def weight(self, samples: int) -> float:
        """The share of a kind's own mean in its estimate: n / (n + noise / spread)."""
        return samples / (samples + self.noise / self.spread)

    def predict(self, estimated_minutes: int, kind: str) -> DurationPrediction:
        samples, own = self.kinds.get(kind, (0, 0.0))
        if estimated_minutes <= 0:
            return DurationPrediction(max(0, estimated_minutes), 0.0, 1.0, samples)
        weight = self.weight(samples)
        log_ratio = weight * own + (1 - weight) * self.overall
        ratio = math.exp(log_ratio)
        # The kind's own evidence, plus what the rest of the history says through the overall mean.
        confidence = weight + (1 - weight) * self.total / (self.total + PRIOR_SAMPLES)
        return DurationPrediction(max(1, round(estimated_minutes * ratio)), confidence, ratio, samples)


def predict_minutes(history: Iterable[DurationSample], estimated_minutes: int, kind: str) -> DurationPrediction:
    """One-shot helper: fit on `history`, predict one task."""
    return DurationModel.fit(history).predict(estimated_minutes, kind)
