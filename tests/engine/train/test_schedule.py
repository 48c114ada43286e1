"""Warm-up then cosine: the learning-rate multiplier by hand."""

from __future__ import annotations

import math

import pytest

from engine.train.schedule import warmup_cosine


def test_warmup_then_cosine_by_hand():
    total, warmup = 10, 2
    got = [warmup_cosine(s, total, warmup) for s in range(total)]
    assert got[0] == pytest.approx(0.5) and got[1] == pytest.approx(1.0)  # linear warm-up
    assert got[2] == pytest.approx(1.0)  # the cosine starts at the peak
    assert got[6] == pytest.approx(0.5 * (1 + math.cos(math.pi * 4 / 8)))  # halfway: 0.5
    assert all(a >= b for a, b in zip(got[2:], got[3:], strict=False))  # decays monotonically
    assert warmup_cosine(total, total, warmup) == pytest.approx(0.0)


def test_no_warmup_and_empty_runs():
    assert warmup_cosine(0, 4, 0) == pytest.approx(1.0)
    assert warmup_cosine(2, 4, 0) == pytest.approx(0.5)
    assert warmup_cosine(0, 0, 0) == 1.0
