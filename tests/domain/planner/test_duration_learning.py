"""Learning real durations from estimates and actuals, with shrinkage when history is thin."""

from __future__ import annotations

import pytest

from domain.planner.durations import DurationModel, DurationSample, predict_minutes


def history(kind: str, ratio: float, count: int, estimate: int = 60) -> list[DurationSample]:
    return [DurationSample(kind, estimate, round(estimate * ratio)) for _ in range(count)]


def test_without_history_the_estimate_stands() -> None:
    prediction = predict_minutes([], 90, "deep")
    assert prediction.minutes == 90
    assert prediction.confidence == 0.0


def test_a_long_consistent_history_is_believed() -> None:
    prediction = predict_minutes(history("deep", 1.5, 200), 60, "deep")
    assert prediction.minutes == pytest.approx(90, abs=2)
    assert prediction.confidence > 0.9


def test_a_single_sample_moves_the_prediction_only_a_little() -> None:
    prediction = predict_minutes(history("deep", 2.0, 1), 60, "deep")
    assert 60 < prediction.minutes < 90
    assert prediction.confidence < 0.5


def test_more_history_means_more_confidence_and_a_bolder_prediction() -> None:
    predictions = [predict_minutes(history("deep", 1.5, n), 60, "deep") for n in (1, 3, 10, 50)]
    assert [p.confidence for p in predictions] == sorted(p.confidence for p in predictions)
    assert [p.minutes for p in predictions] == sorted(p.minutes for p in predictions)


def test_kinds_learn_separately_but_share_the_overall_tendency() -> None:
    model = DurationModel.fit(history("deep", 1.6, 40) + history("shallow", 0.8, 40))
    assert model.predict(100, "deep").minutes > 140
    assert model.predict(100, "shallow").minutes < 90
    unknown = model.predict(100, "meeting-prep")
    assert unknown.samples == 0
    assert 90 < unknown.minutes < 130  # the person's overall mean, pulled toward the estimate


def test_wild_outliers_are_capped() -> None:
    samples = [*history("deep", 1.0, 30), DurationSample("deep", 10, 10000)]
    assert predict_minutes(samples, 60, "deep").minutes < 75


def test_broken_samples_are_ignored() -> None:
    samples = [DurationSample("deep", 0, 50), DurationSample("deep", 50, 0), DurationSample("deep", -5, 20)]
    assert predict_minutes(samples, 60, "deep").minutes == 60


def test_confidence_stays_within_zero_and_one() -> None:
    model = DurationModel.fit(history("a", 3.0, 1000) + history("b", 0.3, 1000))
    for kind in ("a", "b", "c"):
        assert 0.0 <= model.predict(30, kind).confidence <= 1.0
