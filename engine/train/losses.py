"""TeachCLIP's losses: contrastive InfoNCE plus coarse- and fine-grained teaching by a teacher."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

#: Keeps log(w) finite where the student gives a frame (almost) no weight.
_EPS = 1e-8


@dataclass(frozen=True)
class LossWeights:
    """total = alpha·l_IN + beta·l_CgT + gamma·l_FgT; TeachCLIP weighs all three terms 1.0."""

    alpha: float = 1.0
    beta: float = 1.0
    gamma: float = 1.0


def info_nce(sim: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over a b×b logit matrix whose diagonal holds the matching pairs.

    Args:
        sim: [b, b] student logits, rows videos, columns captions (already times the logit scale).

    Returns:
        The mean of the video-to-text and text-to-video cross-entropies (a scalar).
    """
    target = torch.arange(sim.shape[0], device=sim.device)
    return (F.cross_entropy(sim, target) + F.cross_entropy(sim.t(), target)) / 2


def pearson_distance(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Row-wise 1 − Pearson correlation between two [n, k] tensors; returns [n]."""
    pc = p - p.mean(dim=-1, keepdim=True)
    qc = q - q.mean(dim=-1, keepdim=True)
    num = (pc * qc).sum(dim=-1)
    den = pc.norm(dim=-1) * qc.norm(dim=-1)
    return 1.0 - num / den.clamp_min(_EPS)


def coarse_teaching(sim: torch.Tensor, teacher_sim: torch.Tensor) -> torch.Tensor:
    """l_CgT: Pearson distance between softmaxed student and teacher rows, plus the same for columns.

    Args:
        sim: [b, b] student logits (videos × captions).
        teacher_sim: [b, b] teacher logits y_c for the same videos and captions.

    Returns:
        mean_i d_p(σ(B_i·), σ(y_c(v_i,·))) + mean_j d_p(σ(B_·j), σ(y_c(·,t_j))) (a scalar).
    """
    teacher_sim = teacher_sim.to(sim)
    rows = pearson_distance(sim.softmax(dim=1), teacher_sim.softmax(dim=1)).mean()
    cols = pearson_distance(sim.t().softmax(dim=1), teacher_sim.t().softmax(dim=1)).mean()
    return rows + cols


def fine_teaching(
    weights: torch.Tensor, relevance: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """l_FgT: cross-entropy −(1/b) Σ_i Σ_k y_f(f_ik, t_i) log w_ik between teacher relevance and AFA weights.

    Args:
        weights: [b, m] the student's AFA weights (a distribution over each clip's valid frames).
        relevance: [b, m] the teacher's frame relevance y_f for each clip's own caption.
        mask: [b, m] True on real frames; padded frames add nothing.

    Returns:
        The batch-mean cross-entropy (a scalar).
    """
    relevance = relevance.to(weights)
    terms = relevance * torch.log(weights.clamp_min(_EPS))
    if mask is not None:
        terms = terms.masked_fill(~mask.to(torch.bool), 0.0)
    return -terms.sum(dim=1).mean()


def teachclip_loss(
    sim: torch.Tensor,
    weights: torch.Tensor,
    teacher_sim: torch.Tensor | None,
    relevance: torch.Tensor | None,
    mask: torch.Tensor | None = None,
    loss_weights: LossWeights | None = None,
) -> dict[str, torch.Tensor]:
    """All of TeachCLIP's terms, open_clip style: a dict of named terms plus their weighted "total".

    Args:
        sim: [b, b] student logits (videos × captions, diagonal = pairs).
        weights: [b, m] student AFA weights.
        teacher_sim: [b, b] teacher y_c, or None to train without coarse teaching.
        relevance: [b, m] teacher y_f, or None to train without fine teaching.
        mask: [b, m] valid-frame mask.
        loss_weights: alpha, beta, gamma (TeachCLIP's 1, 1, 1 by default).

    Returns:
        {"contrastive": l_IN, "coarse": l_CgT, "fine": l_FgT, "total": weighted sum}; absent teacher
        outputs give a zero term.
    """
    lw = loss_weights or LossWeights()
    zero = sim.new_zeros(())
    l_in = info_nce(sim)
    l_cgt = coarse_teaching(sim, teacher_sim) if teacher_sim is not None else zero
    l_fgt = fine_teaching(weights, relevance, mask) if relevance is not None else zero
    total = lw.alpha * l_in + lw.beta * l_cgt + lw.gamma * l_fgt
    return {"contrastive": l_in, "coarse": l_cgt, "fine": l_fgt, "total": total}
