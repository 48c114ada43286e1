"""Whole training and evaluation runs from paths and specs (what `glimpse train` and `glimpse eval` call)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from engine import config as app_config
from engine.model import load_model
from engine.train.data import load_dataset, split_of
from engine.train.errors import TrainingError
from engine.train.evaluate import EvalReport, Pooling, evaluate
from engine.train.loop import STATE_FILE as CHECKPOINT_STATE
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
    resuming = resume and run_file.is_file()
    if resuming:
        recorded = json.loads(run_file.read_text(encoding="utf-8"))
        base_spec = str(recorded["base_spec"])
        teacher = str(recorded.get("teacher", teacher))
        model = load_model(str(out), device=device)
    else:
        base_spec = app_config.canonical_model_spec(model_spec or app_config.default_model_spec())
        model = load_model(base_spec, device=device)
    # Everything that can be refused is checked before the first file is written.
    videos = split_of(load_dataset(Path(data), fmt, video_dir), split)
    chosen = _teacher(teacher, base_spec, device)
    log.info("training on %d videos from %s", len(videos), data)
    created = _prepare_out(out) if not resuming else []
    before = run_file.read_bytes() if run_file.is_file() else None
    if not resuming:
        run_file.write_text(
            json.dumps({"base_spec": base_spec, "teacher": teacher}, indent=2), encoding="utf-8"
        )
    try:
        return train(model, videos, out, teacher=chosen, config=config, resume=resume, progress=progress)
    except BaseException:
        if not resuming and not (out / CHECKPOINT_STATE).is_file():
            # No checkpoint of this run to resume from: leave the folder as it was.
            if before is not None:
                run_file.write_bytes(before)
            else:
                _remove([*created, run_file])
        raise


def _prepare_out(out: Path) -> list[Path]:
    """Create the output folder; returns the folders made (to remove if the run fails at once)."""
    made = [p for p in (out, *out.parents) if not p.exists()]
    out.mkdir(parents=True, exist_ok=True)
    return list(reversed(made))


def _remove(paths: list[Path]) -> None:
    for path in reversed(paths):
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s after the failed run: %s", path, exc)


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
