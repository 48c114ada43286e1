"""The student head against the equations computed independently; masking; zero-shot pooling."""

from __future__ import annotations

import torch

from engine.model import GlimpseModel
from engine.model.head import StudentHead, mean_pool
from engine.model.spec import HeadConfig
from tests.engine.model.reference import head_reference, randomize_, teachclip_head_params


def _head(dim: int = 128, layers: int = 2, seed: int = 7) -> StudentHead:
    head = StudentHead(dim, HeadConfig(layers=layers))
    randomize_(head, seed)
    return head.eval()


def test_head_matches_hand_computed_equations() -> None:
    head = _head(dim=128, layers=2)  # 2 attention heads: checks the head split too
    assert head.heads == 2
    gen = torch.Generator().manual_seed(1)
    feats = torch.randn(2, 5, 128, generator=gen) * 3.0
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    with torch.no_grad():
        phi, w = head(feats, mask)
    params = teachclip_head_params(head)
    for b in range(2):
        exp_phi, exp_w = head_reference(params, feats[b], mask[b], heads=2, tau=0.1)
        assert torch.allclose(phi[b], exp_phi, atol=1e-5), (phi[b] - exp_phi).abs().max()
        assert torch.allclose(w[b], exp_w, atol=1e-5), (w[b] - exp_w).abs().max()
    assert torch.allclose(w.sum(dim=-1), torch.ones(2), atol=1e-6)
    assert torch.all(w[1, 3:] == 0)
    # The weights are not trivially uniform: the AFA actually discriminates frames.
    assert (w[0].max() - w[0].min()) > 1e-3


def test_head_stays_differentiable() -> None:
    head = _head(dim=64, layers=1)
    head.train()
    feats = torch.randn(3, 4, 64, requires_grad=True)
    phi, w = head(feats, torch.ones(3, 4, dtype=torch.bool))
    (phi.sum() + (w * torch.arange(4.0)).sum()).backward()
    assert feats.grad is not None and feats.grad.abs().sum() > 0
    assert head.afa_score.weight.grad is not None and head.afa_score.weight.grad.abs().sum() > 0


def test_padding_changes_nothing() -> None:
    head = _head(dim=64, layers=4, seed=11)
    gen = torch.Generator().manual_seed(2)
    real = torch.randn(1, 4, 64, generator=gen)
    garbage = torch.randn(1, 6, 64, generator=gen) * 100.0
    garbage[0, 2] = float("nan")  # even NaN in a padded slot must not leak
    padded = torch.cat([real, garbage], dim=1)
    mask = torch.tensor([[True] * 4 + [False] * 6])
    with torch.no_grad():
        phi_a, w_a = head(real)
        phi_b, w_b = head(padded, mask)
    assert torch.allclose(phi_a, phi_b, atol=1e-6)
    assert torch.allclose(w_a, w_b[:, :4], atol=1e-6)
    assert torch.all(w_b[:, 4:] == 0)
    assert torch.isfinite(phi_b).all()


def test_model_encode_clip_masks_padding(tiny: GlimpseModel) -> None:
    feats = torch.randn(2, 12, 64)
    mask = torch.zeros(2, 12, dtype=torch.bool)
    mask[0, :12] = True
    mask[1, :3] = True
    phi, w = tiny.encode_clip(feats, mask)
    alone, w_alone = tiny.encode_clip(feats[1:, :3])
    assert torch.allclose(phi[1], alone[0], atol=1e-6)
    assert torch.allclose(w[1, :3], w_alone[0], atol=1e-6)
    assert torch.all(w[1, 3:] == 0)


def test_zero_shot_mean_pooling() -> None:
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(2, 4, 16, generator=gen) * torch.tensor([1.0, 5.0, 0.2, 9.0])[None, :, None]
    mask = torch.tensor([[True, True, True, True], [True, False, True, False]])
    phi, w = mean_pool(feats, mask)
    for b in range(2):
        valid = feats[b][mask[b]]
        expected = (valid / valid.norm(dim=-1, keepdim=True)).mean(dim=0)
        expected = expected / expected.norm()
        assert torch.allclose(phi[b], expected, atol=1e-6)
    assert torch.allclose(w[0], torch.full((4,), 0.25))
    assert torch.allclose(w[1], torch.tensor([0.5, 0.0, 0.5, 0.0]))
