"""Whole training and evaluation runs from paths and specs (what `glimpse train` and `glimpse eval` call)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from engine import config as app_config
from engine.model import load_model
from engine.train.data import load_dataset, split_of
from engine.train.errors import TrainingError
from engine.train.evaluate import EvalReport, Pooling, evaluate
from engine.train.loop import TrainConfig, TrainResult, train
from engine.train.teachers import ClipTeacher, FileTeacher, Teacher

log = logging.getLogger(__name__)

RUN_FILE = "train_run.json"


def _teacher(choice: str, base_spec: str, device: str | None) -> Teacher | None:
    if choice == "none":
        return None
    if choice == "clip":
        return ClipTeacher(load_model(base_spec, device=device))
    path = Path(choice)
    if not path.is_file():
        raise TrainingError(f'The teacher must be "clip", "none" or a teacher file; {choice} does not exist.')
    return FileTeacher(path)


def run_training(
    data: Path,
    out: Path,
    *,
    model_spec: str | None = None,
    device: str | None = None,
    teacher: str = "clip",
    config: TrainConfig | None = None,
    resume: bool = False,
    fmt: str | None = None,
    video_dir: Path | None = None,
    split: str = "train",
    progress: bool = True,
) -> TrainResult:
    """Train a student on a data set's split and save it to `out` (loadable with load_model(out)).

    Args:
        data: a data folder (folder format) or an MSR-VTT annotation file.
        out: the checkpoint folder.
        model_spec: the model to start from (default: GLIMPSE_MODEL or the default CLIP); when resuming,
            the checkpoint in `out` is the start and the spec recorded there rebuilds the teacher.
        device: torch device (default: the best available).
        teacher: "clip" (the starting model as a frozen fine-grained teacher), "none", or a teacher file.
        config: training settings.
        resume: continue from the checkpoint in `out`.
        fmt: "msrvtt" or "folder" (default: guessed).
        video_dir: where MSR-VTT videos are.
        split: which split trains.
        progress: show progress bars.

    Returns:
        The TrainResult.
    """
    out = Path(out)
    run_file = out / RUN_FILE
    if resume and run_file.is_file():
        recorded = json.loads(run_file.read_text(encoding="utf-8"))
        base_spec = str(recorded["base_spec"])
        teacher = str(recorded.get("teacher", teacher))
        model = load_model(str(out), device=device)
    else:
        base_spec = model_spec or app_config.default_model_spec()
        model = load_model(base_spec, device=device)
        out.mkdir(parents=True, exist_ok=True)
        run_file.write_text(
            json.dumps({"base_spec": base_spec, "teacher": teacher}, indent=2), encoding="utf-8"
        )
    videos = split_of(load_dataset(Path(data), fmt, video_dir), split)
    log.info("training on %d videos from %s", len(videos), data)
    return train(
        model,
        videos,
        out,
        teacher=_teacher(teacher, base_spec, device),
        config=config,
        resume=resume,
        progress=progress,
    )


def run_eval(
    data: Path,
    *,
    model_spec: str | None = None,
    device: str | None = None,
    split: str = "test",
    fmt: str | None = None,
    video_dir: Path | None = None,
    pooling: str = "model",
    progress: bool = True,
) -> EvalReport:
    """Evaluate a model's text-to-video and video-to-text retrieval on a data set's split.

    Args:
        data: a data folder or an MSR-VTT annotation file.
        model_spec: any model spec (zero-shot included; default: GLIMPSE_MODEL or the default CLIP).
        device: torch device.
        split: the split to evaluate ("test" by default).
        fmt: "msrvtt" or "folder" (default: guessed).
        video_dir: where MSR-VTT videos are.
        pooling: "model" or "mean" (the mean pooling baseline).
        progress: show a progress bar.

    Returns:
        The EvalReport.
    """
    model = load_model(model_spec or app_config.default_model_spec(), device=device)
    videos = split_of(load_dataset(Path(data), fmt, video_dir), split)
    return evaluate(model, videos, pooling=Pooling(pooling), progress=progress)
