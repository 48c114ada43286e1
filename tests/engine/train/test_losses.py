"""Each TeachCLIP loss against a hand computation on a small example."""

from __future__ import annotations

import math

import pytest
import torch

from engine.train.losses import (
    LossWeights,
    coarse_teaching,
    fine_teaching,
    info_nce,
    pearson_distance,
    teachclip_loss,
)


def _ce(row: list[float], target: int) -> float:
    return -row[target] + math.log(sum(math.exp(x) for x in row))


def _softmax(row: list[float]) -> list[float]:
    e = [math.exp(x) for x in row]
    return [x / sum(e) for x in e]


def _pearson_d(p: list[float], q: list[float]) -> float:
    mp, mq = sum(p) / len(p), sum(q) / len(q)
    num = sum((a - mp) * (b - mq) for a, b in zip(p, q, strict=True))
    den = math.sqrt(sum((a - mp) ** 2 for a in p)) * math.sqrt(sum((b - mq) ** 2 for b in q))
    return 1 - num / den


SIM = [[2.0, 0.5, -1.0], [0.3, 1.5, 0.2], [-0.4, 0.9, 3.0]]
TEACH = [[1.0, 0.2, 0.1], [0.0, 2.0, 1.0], [0.5, -0.5, 1.5]]


def test_info_nce_matches_hand_computation():
    rows = sum(_ce(SIM[i], i) for i in range(3)) / 3
    cols_m = [[SIM[r][c] for r in range(3)] for c in range(3)]
    cols = sum(_ce(cols_m[j], j) for j in range(3)) / 3
    got = info_nce(torch.tensor(SIM)).item()
    assert got == pytest.approx((rows + cols) / 2, rel=1e-5)


def test_info_nce_prefers_a_matching_diagonal():
    good = torch.eye(4) * 10
    bad = torch.ones(4, 4) * 10 - torch.eye(4) * 10
    assert info_nce(good) < 0.01 < info_nce(bad)


def test_pearson_distance_hand_and_bounds():
    p, q = [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]
    got = pearson_distance(torch.tensor([p]), torch.tensor([q])).item()
    assert got == pytest.approx(_pearson_d(p, q), rel=1e-5)
    same = pearson_distance(torch.tensor([p]), torch.tensor([p])).item()
    assert same == pytest.approx(0.0, abs=1e-6)
    flipped = pearson_distance(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[3.0, 2.0, 1.0]])).item()
    assert flipped == pytest.approx(2.0, abs=1e-6)


def test_coarse_teaching_matches_hand_computation():
    rows = sum(_pearson_d(_softmax(SIM[i]), _softmax(TEACH[i])) for i in range(3)) / 3
    col = lambda m, j: [m[r][j] for r in range(3)]  # noqa: E731
    cols = sum(_pearson_d(_softmax(col(SIM, j)), _softmax(col(TEACH, j))) for j in range(3)) / 3
    got = coarse_teaching(torch.tensor(SIM), torch.tensor(TEACH)).item()
    assert got == pytest.approx(rows + cols, rel=1e-5)
    assert coarse_teaching(torch.tensor(SIM), torch.tensor(SIM)).item() == pytest.approx(0.0, abs=1e-6)


def test_fine_teaching_matches_hand_computation_and_ignores_padding():
    w = [[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]]
    y = [[0.2, 0.2, 0.6], [0.9, 0.1, 0.0]]
    mask = torch.tensor([[True, True, True], [True, True, False]])
    hand = (
        -(
            (0.2 * math.log(0.5) + 0.2 * math.log(0.3) + 0.6 * math.log(0.2))
            + (0.9 * math.log(0.6) + 0.1 * math.log(0.4))
        )
        / 2
    )
    got = fine_teaching(torch.tensor(w), torch.tensor(y), mask).item()
    assert got == pytest.approx(hand, rel=1e-5)
    assert math.isfinite(got)


def test_total_is_the_weighted_sum_and_terms_are_named():
    sim, teach = torch.tensor(SIM), torch.tensor(TEACH)
    w = torch.full((3, 2), 0.5)
    y = torch.tensor([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    out = teachclip_loss(sim, w, teach, y, loss_weights=LossWeights(alpha=2.0, beta=0.5, gamma=3.0))
    assert set(out) == {"contrastive", "coarse", "fine", "total"}
    expected = 2.0 * out["contrastive"] + 0.5 * out["coarse"] + 3.0 * out["fine"]
    assert out["total"].item() == pytest.approx(expected.item(), rel=1e-6)
    assert out["fine"].item() == pytest.approx(math.log(2), rel=1e-5)
    plain = teachclip_loss(sim, w, None, None)
    assert plain["coarse"].item() == 0.0 and plain["total"].item() == pytest.approx(out["contrastive"].item())


def test_losses_give_gradients_to_the_student():
    sim = torch.tensor(SIM, requires_grad=True)
    logits = torch.zeros(3, 2, requires_grad=True)
    out = teachclip_loss(sim, logits.softmax(dim=1), torch.tensor(TEACH), torch.tensor([[1.0, 0.0]] * 3))
    out["total"].backward()
    assert sim.grad is not None and sim.grad.abs().sum() > 0
    assert logits.grad is not None and logits.grad[:, 0].lt(0).all()  # pushing weight toward frame 0
