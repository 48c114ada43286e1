"""The distillation loop: the temporal head and AFA trained on cached frame features by a teacher.

The visual backbone stays frozen (its features are cached); the text tower may be fine-tuned at a
lower learning rate. AdamW, linear warm-up then cosine decay, a checkpoint in the project's format
after every epoch (model.save) plus `train_state.pt` for resuming at the exact step.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from engine.config import SamplingSettings
from engine.model.clip import encode_text_tokens
from engine.model.head import StudentHead
from engine.model.spec import HeadConfig
from engine.train.data import CaptionedVideo
from engine.train.errors import DatasetError, TrainingError
from engine.train.features import FeatureCache, backbone_id, extract_features, pad_batch
from engine.train.losses import LossWeights, teachclip_loss
from engine.train.schedule import warmup_cosine
from engine.train.teachers import MAX_LOGIT_SCALE, Teacher, TeacherBatch

log = logging.getLogger(__name__)

STATE_FILE = "train_state.pt"
#: The text tower's parameter names in open_clip's CLIP (the parts fine-tuned with Finetune.TEXT).
TEXT_PARAMS = ("token_embedding", "positional_embedding", "transformer.", "ln_final", "text_projection")


class Finetune(StrEnum):
    """Which backbone parts train besides the head."""

    FROZEN = "frozen"  # head only (default)
    TEXT = "text"  # head + the text tower at lr × backbone_lr_scale


@dataclass
class TrainConfig:
    """Training settings; the defaults follow TeachCLIP where they apply."""

    epochs: int = 5
    batch_size: int = 32
    lr: float = 1e-4
    backbone_lr_scale: float = 1e-3  # TeachCLIP's coef_lr
    weight_decay: float = 0.2
    warmup: float = 0.1  # fraction of all steps
    grad_clip: float | None = 1.0
    finetune: Finetune = Finetune.FROZEN
    loss: LossWeights = field(default_factory=LossWeights)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    seed: int = 42

    def __post_init__(self) -> None:
        try:
            self.finetune = Finetune(self.finetune)
        except ValueError as exc:
            raise TrainingError(f'Unknown fine-tuning "{self.finetune}": use "frozen" or "text".') from exc
        _check_settings(self)

    def to_dict(self) -> dict[str, object]:
        """A plain dict (stored with checkpoints)."""
        data = asdict(self)
        data["finetune"] = str(self.finetune)
        return data


def _finite(value: object, what: str, *, positive: bool) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):  # type: ignore[operator]
        kind = "a positive" if positive else "a non-negative"
        raise TrainingError(f"The {what} must be {kind} finite number, not {value!r}.")


def _check_settings(config: TrainConfig) -> None:
    """Refuse settings that would train a model of NaNs (before any work starts)."""
    _finite(config.lr, "learning rate", positive=True)
    _finite(config.backbone_lr_scale, "backbone learning-rate scale", positive=False)
    _finite(config.weight_decay, "weight decay", positive=False)
    _finite(config.warmup, "warm-up fraction", positive=False)
    if config.grad_clip is not None:
        _finite(config.grad_clip, "gradient clip", positive=True)
    weights = config.loss
    for name in ("alpha", "beta", "gamma"):
        _finite(getattr(weights, name), f"loss weight {name}", positive=False)
    if weights.alpha + weights.beta + weights.gamma <= 0:
        raise TrainingError("At least one loss weight (alpha, beta, gamma) must be above 0.")


@dataclass
class TrainResult:
    """What a training run did."""

    out: Path
    start_step: int
    steps: int
    epochs: int
    fingerprint: str
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def last(self) -> dict[str, float]:
        """The last logged step's losses (empty when no step ran)."""
        return self.history[-1] if self.history else {}


def ensure_head(model) -> StudentHead:
    """The model's student head, attaching a fresh one (TeachCLIP's layout) to a zero-shot model."""
    if model.head is None:
        head_config = HeadConfig()
        model.head = StudentHead(model.dim, head_config).to(model.device)
        model.config = model.config.with_head(head_config)
        log.info("attached a new student head to %s", model.spec)
    return model.head


def _text_parameters(model) -> list[torch.nn.Parameter]:
    return [p for name, p in model.clip.named_parameters() if name.startswith(TEXT_PARAMS)]


def _param_groups(model, config: TrainConfig) -> list[dict[str, object]]:
    def split(params: Sequence[torch.nn.Parameter], lr: float) -> list[dict[str, object]]:
        # CLIP's convention: no weight decay on gains, biases and embeddings' 1-D tensors.
        decay = [p for p in params if p.ndim >= 2]
        rest = [p for p in params if p.ndim < 2]
        return [
            {"params": decay, "lr": lr, "weight_decay": config.weight_decay},
            {"params": rest, "lr": lr, "weight_decay": 0.0},
        ]

    groups = split(list(model.head.parameters()), config.lr)
    if config.finetune is Finetune.TEXT:
        groups += split(_text_parameters(model), config.lr * config.backbone_lr_scale)
    return [g for g in groups if g["params"]]


def _trainable_state(model, config: TrainConfig) -> dict[str, torch.Tensor]:
    state = {f"head.{k}": v for k, v in model.head.state_dict().items()}
    if config.finetune is Finetune.TEXT:
        state.update(
            {f"clip.{k}": v for k, v in model.clip.state_dict().items() if k.startswith(TEXT_PARAMS)}
        )
    return state


def _load_trainable_state(model, state: dict[str, torch.Tensor]) -> None:
    head = {k[5:]: v for k, v in state.items() if k.startswith("head.")}
    clip = {k[5:]: v for k, v in state.items() if k.startswith("clip.")}
    model.head.load_state_dict(head)
    if clip:
        model.clip.load_state_dict(clip, strict=False)


class _TextEncoder:
    """Caption vectors: computed once when the text tower is frozen, with gradients when it trains."""

    def __init__(self, model, config: TrainConfig, captions: Sequence[str]) -> None:
        self.model = model
        self.trainable = config.finetune is Finetune.TEXT
        self.frozen: dict[str, torch.Tensor] = {}
        if not self.trainable:
            unique = list(dict.fromkeys(captions))
            vecs = model.encode_text(unique, use_cache=False)
            self.frozen = dict(zip(unique, vecs, strict=True))

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        if not self.trainable:
            return torch.stack([self.frozen[t] for t in texts]).to(self.model.device)
        tokens = self.model.tokenizer(list(texts)).to(self.model.device)
        return F.normalize(encode_text_tokens(self.model.clip, tokens).float(), dim=-1)


def _epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1009 + epoch)).tolist()
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    return [b for b in batches if len(b) >= 2]  # a contrastive batch needs a negative


def train(
    model,
    videos: Sequence[CaptionedVideo],
    out: Path,
    *,
    teacher: Teacher | None = None,
    config: TrainConfig | None = None,
    resume: bool = False,
    cache_root: Path | None = None,
    progress: bool = True,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Distill a TeachCLIP student: train the model's head (and optionally its text tower) in place.

    Args:
        model: the GlimpseModel to train (a head is attached to a zero-shot model).
        videos: the training videos (one caption per video is drawn each epoch).
        out: the checkpoint folder: model.safetensors + config.json (load_model(out) works) and
            train_state.pt (optimizer, schedule, step) for resuming.
        teacher: y_c / y_f source for coarse and fine teaching; None trains with InfoNCE alone.
        config: epochs, batch size, learning rates, loss weights, sampling.
        resume: continue from out/train_state.pt at the step it recorded.
        cache_root: the frame-feature cache folder (default: the user cache folder).
        progress: show tqdm bars.
        on_step: called with (global step, {loss name: value}) after every step.

    Returns:
        A TrainResult (steps run, the saved model's fingerprint, the loss history).
    """
    config = config or TrainConfig()
    out = Path(out)
    if config.batch_size < 2:
        raise TrainingError("The batch size must be at least 2 (contrastive training needs negatives).")
    torch.manual_seed(config.seed)
    head = ensure_head(model)
    cache = FeatureCache(cache_root, backbone_id(model), config.sampling)
    feats = extract_features(model, videos, config.sampling, cache, progress=progress)
    items = [v for v in videos if v.key in feats]
    if len(items) < 2:
        raise DatasetError("Training needs at least two readable captioned videos.")
    if teacher is not None:
        teacher.check(items)

    steps_per_epoch = len(_epoch_batches(len(items), config.batch_size, config.seed, 0))
    total = steps_per_epoch * config.epochs
    warmup = int(round(config.warmup * total))
    if config.finetune is Finetune.TEXT:
        for p in _text_parameters(model):
            p.requires_grad_(True)
    optimizer = torch.optim.AdamW(_param_groups(model, config), betas=(0.9, 0.98), eps=1e-6)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, total, warmup))
    step, start_epoch, history = 0, 0, []
    state_path = out / STATE_FILE
    if resume and state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        _load_trainable_state(model, state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, start_epoch, history = int(state["step"]), int(state["epoch"]), list(state["history"])
        log.info("resuming at epoch %d, step %d", start_epoch, step)
    elif resume:
        log.warning("nothing to resume in %s; starting afresh", out)
    start_step = step

    texts = _TextEncoder(model, config, [c for v in items for c in v.captions])
    scale = min(float(model.clip.logit_scale.exp().item()), MAX_LOGIT_SCALE)
    bar = tqdm(total=total, initial=step, desc="train", unit="step", disable=not progress)
    head.train()
    try:
        for epoch in range(start_epoch, config.epochs):
            pick = random.Random(config.seed * 7919 + epoch)
            for batch_ids in _epoch_batches(len(items), config.batch_size, config.seed, epoch):
                batch = [items[i] for i in batch_ids]
                captions = [pick.choice(v.captions) for v in batch]
                padded, mask = pad_batch([feats[v.key] for v in batch])
                taught = teacher.teach(TeacherBatch(batch, captions, padded, mask)) if teacher else None
                phi, w = head(padded.to(model.device), mask.to(model.device))
                sim = scale * phi.float() @ texts(captions).t()
                losses = teachclip_loss(
                    sim,
                    w.float(),
                    taught.clip_scores.to(sim.device) if taught else None,
                    taught.frame_relevance.to(sim.device) if taught else None,
                    mask.to(sim.device),
                    config.loss,
                )
                optimizer.zero_grad(set_to_none=True)
                if not torch.isfinite(losses["total"]):
                    raise TrainingError(
                        f"The training loss became {float(losses['total'].detach())} at step {step + 1}; "
                        "try a lower --lr. Nothing of this run was saved after its last checkpoint."
                    )
                losses["total"].backward()
                if config.grad_clip:
                    params = [p for g in optimizer.param_groups for p in g["params"]]
                    torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
                optimizer.step()
                scheduler.step()
                step += 1
                logged = {k: float(v.detach()) for k, v in losses.items()}
                history.append({"step": float(step), **logged})
                bar.update(1)
                bar.set_postfix(loss=f"{logged['total']:.3f}", epoch=epoch + 1)
                if on_step is not None:
                    on_step(step, logged)
            _save(model, out, optimizer, scheduler, step, epoch + 1, history, config)
    finally:
        bar.close()
        head.eval()
        for p in _text_parameters(model):
            p.requires_grad_(False)
    if step == start_step and not (out / "model.safetensors").is_file():
        model.save(out)
    return TrainResult(out, start_step, step, config.epochs, model.fingerprint, history)


def _save(
    model, out: Path, optimizer, scheduler, step: int, epoch: int, history, config: TrainConfig
) -> None:
    """The model in the project format plus the state needed to resume at this step."""
    model.save(out)
    state = {
        "model": {k: v.detach().cpu().clone() for k, v in _trainable_state(model, config).items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "step": step,
        "epoch": epoch,
        "history": history,
        "config": config.to_dict(),
    }
    tmp = out / (STATE_FILE + ".tmp")
    torch.save(state, tmp)
    tmp.replace(out / STATE_FILE)
    log.info("checkpoint: epoch %d, step %d, %s", epoch, step, out)
