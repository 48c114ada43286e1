"""The synthetic quality check: pre-train a tiny CLIP, measure mean pooling, distill the student, measure it.

Used by tests/bench/quality.py (full and --quick) and by the test suite (a shortened run).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from engine.config import SamplingSettings
from engine.model import load_model
from engine.train.data import CaptionedVideo, load_folder, split_of
from engine.train.evaluate import Pooling, evaluate, rank_metrics, retrieval_ranks
from engine.train.features import FeatureCache, backbone_id, extract_features
from engine.train.loop import Finetune, TrainConfig, train
from engine.train.pretrain import pretrain_clip
from engine.train.rerank_eval import choose, grid, metrics, report, score_tables
from engine.train.synthetic import (
    ShortEventSpec,
    SyntheticSpec,
    frame_phrase_pairs,
    make_short_event_set,
    make_synthetic_set,
    write_folder_dataset,
)
from engine.train.teachers import ClipTeacher, precompute_teacher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityPlan:
    """How much work a quality run does."""

    pretrain_steps: int = 1500
    pretrain_pairs: int = 48 * 20
    data: SyntheticSpec = field(default_factory=lambda: SyntheticSpec(train_videos=2000, test_pairs=50))
    epochs: int = 30
    batch_size: int = 32
    lr: float = 3e-3
    finetune: Finetune = Finetune.FROZEN
    seed: int = 0
    test_as_files: bool = True  # write the test split as real videos, read back through sample_clips
    ablate: bool = False  # also train a student without the teacher (InfoNCE alone)


FULL = QualityPlan()
QUICK = QualityPlan(pretrain_steps=300, data=SyntheticSpec(train_videos=600, test_pairs=30), epochs=20)


@dataclass
class QualityResult:
    """Text-to-video R@1 (percent) on the held-out split for chance, mean pooling, teacher and student."""

    chance_r1: float
    meanp_r1: float
    student_r1: float
    meanp_v2t_r1: float
    student_v2t_r1: float
    student_r5: float
    student_median_rank: float
    test_videos: int
    train_videos: int
    teacher_r1: float | None = None  # the CLIP teacher itself used for retrieval (slow: not an index)
    no_teacher_r1: float | None = None  # a student trained with InfoNCE alone (plan.ablate)
    # The frame re-rank: clip-only vs re-ranked R@1/R@5 per model and set, and the validation grid.
    rerank: dict[str, object] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dict."""
        return asdict(self)


def run_quality(
    work: Path, plan: QualityPlan = FULL, *, device: str | None = "cpu", progress: bool = False
) -> QualityResult:
    """Pre-train a tiny CLIP on frames and phrases, then distill and evaluate the student on held-out videos.

    Args:
        work: a folder for the pre-trained base model, the student checkpoint and the feature cache.
        plan: sizes (FULL or QUICK, or your own).
        device: torch device for every model (the CPU by default, so figures compare across machines).
        progress: show progress bars.

    Returns:
        Chance, mean-pooling and student R@1 on the test split (which holds order-swapped pairs).
    """
    work = Path(work)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    model = load_model("tiny", device=device)
    pairs = frame_phrase_pairs(plan.pretrain_pairs, plan.data.size, plan.seed)
    pretrain_clip(model, pairs, steps=plan.pretrain_steps, seed=plan.seed, progress=progress)
    # The pre-trained backbone without a head is the zero-shot (mean pooling) model and the teacher.
    model.head = None
    model.config = model.config.with_head(None)
    model.save(work / "base")
    times["pretrain"] = time.perf_counter() - t0

    videos = make_synthetic_set(plan.data)
    train_set, test_set = split_of(videos, "train"), split_of(videos, "test")
    if plan.test_as_files:
        write_folder_dataset(test_set, work / "test-videos")
        test_set = split_of(load_folder(work / "test-videos"), "test")
    cache = work / "features"
    t1 = time.perf_counter()
    meanp = evaluate(model, test_set, cache_root=cache, pooling=Pooling.MEAN)
    teacher = ClipTeacher(load_model(str(work / "base"), device=device))
    config = TrainConfig(
        epochs=plan.epochs, batch_size=plan.batch_size, lr=plan.lr, finetune=plan.finetune, seed=plan.seed
    )
    train(
        model,
        train_set,
        work / "student",
        teacher=teacher,
        config=config,
        cache_root=cache,
        progress=progress,
    )
    times["distill"] = time.perf_counter() - t1
    student_model = load_model(str(work / "student"), device=device)
    student = evaluate(student_model, test_set, cache_root=cache)
    teacher_r1 = _teacher_r1(teacher, test_set, cache)
    no_teacher_r1 = None
    if plan.ablate:
        plain = load_model(str(work / "base"), device=device)
        train(
            plain, train_set, work / "student-no-teacher", config=config, cache_root=cache, progress=progress
        )
        no_teacher_r1 = evaluate(plain, test_set, cache_root=cache).t2v.r1
    t2 = time.perf_counter()
    zero_shot = load_model(str(work / "base"), device=device)  # `model` itself was trained in place
    rerank = _rerank_figures(zero_shot, student_model, test_set, plan, cache)
    times["rerank"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    return QualityResult(
        chance_r1=100.0 / student.videos,
        meanp_r1=meanp.t2v.r1,
        student_r1=student.t2v.r1,
        meanp_v2t_r1=meanp.v2t.r1,
        student_v2t_r1=student.v2t.r1,
        student_r5=student.t2v.r5,
        student_median_rank=student.t2v.median_rank,
        test_videos=student.videos,
        train_videos=len(train_set),
        teacher_r1=teacher_r1,
        no_teacher_r1=no_teacher_r1,
        rerank=rerank,
        seconds={k: round(v, 1) for k, v in times.items()},
    )


def _teacher_r1(teacher: ClipTeacher, videos: list[CaptionedVideo], cache: Path) -> float:
    """Text-to-video R@1 of the teacher's own scores (every test caption against every test video)."""
    sampling = SamplingSettings()
    store = FeatureCache(cache, backbone_id(teacher.model), sampling)
    feats = extract_features(teacher.model, videos, sampling, store)
    tables = precompute_teacher(teacher, videos, feats)
    t2v, _ = retrieval_ranks(tables.clip_scores.T, tables.caption_video)
    return rank_metrics(t2v).r1


def _rerank_figures(
    zero_shot, student, test_set: list[CaptionedVideo], plan: QualityPlan, cache: Path
) -> dict:
    """Clip-only vs re-ranked on the standard and short-event test sets; the grid on validation sets.

    The validation sets are made with the next seed (the standard one's test pairs, the short-event
    one's targets), so the settings are chosen on other videos than the ones reported. The test
    figures use the product's settings (RerankSettings.for_model); `validation_choice` is what the
    rule (rerank_eval.choose) picks from this run's grid, and `chosen` its test figures.
    """
    from engine.rerank import RerankMode, RerankSettings

    seed = plan.seed + 1
    val_standard = split_of(make_synthetic_set(replace(plan.data, seed=seed, train_videos=0)), "test")
    val_short = make_short_event_set(ShortEventSpec(seed=seed, size=plan.data.size))
    test_short = make_short_event_set(ShortEventSpec(seed=plan.seed, size=plan.data.size))
    models = {"zero_shot": zero_shot, "student": student}
    out: dict[str, object] = {}
    validation, clip_only, tests = {}, {}, {}
    for name, m in models.items():
        settings = RerankSettings.for_model(m.is_zero_shot)
        out[f"{name}_settings"] = _settings_dict(settings)
        tests[name] = {
            "standard": score_tables(m, test_set, cache),
            "short_event": score_tables(m, test_short, cache),
        }
        out[name] = {k: report(t, settings) for k, t in tests[name].items()}
        for kind, videos in (("standard", val_standard), ("short_event", val_short)):
            tables = score_tables(m, videos, cache)
            validation[f"{name}_{kind}"] = tables
            clip_only[f"{name}_{kind}"] = metrics(tables.clip, tables.owner)["r1"]
    rows = grid(validation)
    out["validation_clip_only"] = clip_only
    out["validation_grid"] = rows
    for name in models:
        picked = choose(rows, name, clip_only)
        out[f"{name}_validation_choice"] = picked
        if picked:
            s = RerankSettings(
                alpha=float(picked["alpha"]),  # type: ignore[arg-type]
                temperature=float(picked["temperature"]),  # type: ignore[arg-type]
                mode=RerankMode(str(picked["mode"])),
                margin=float(picked["margin"]),  # type: ignore[arg-type]
            )
            out[f"{name}_chosen"] = {k: report(t, s) for k, t in tests[name].items()}
    return out


def _settings_dict(settings) -> dict[str, object]:
    return {
        "mode": str(settings.mode),
        "alpha": settings.alpha,
        "temperature": settings.temperature,
        "margin": settings.margin,
    }
