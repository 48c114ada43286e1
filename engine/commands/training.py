"""Training commands: `glimpse train` (distill a TeachCLIP student) and `glimpse eval` (retrieval metrics)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import click

from engine.config import DEFAULT_MAX_FRAMES, DEFAULT_SAMPLE_FPS


class FiniteFloat(click.FloatRange):
    """A float in range that is also finite: click's FloatRange lets nan and inf through."""

    name = "finite float"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


POSITIVE = FiniteFloat(min=0.0, min_open=True)
NON_NEGATIVE = FiniteFloat(min=0.0)


def _data_options(command: Callable[..., None]) -> Callable[..., None]:
    """--format and --videos, shared by `train` and `eval`."""
    command = click.option(
        "--videos",
        "video_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the MSR-VTT videos (default: videos/ beside the annotations).",
    )(command)
    return click.option(
        "--format", "fmt", type=click.Choice(["msrvtt", "folder"]), help="Data layout (default: guessed)."
    )(command)


@click.command("train")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkpoint folder (load it later with --model FOLDER).",
)
@_data_options
@click.option("--split", default="train", show_default=True, help="Split to train on.")
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=2))
@click.option("--lr", default=1e-4, show_default=True, type=POSITIVE, help="Peak learning rate of the head.")
@click.option(
    "--teacher",
    default="clip",
    show_default=True,
    help='"clip" (the starting model as a frozen teacher), "none", or a teacher .npz file.',
)
@click.option(
    "--finetune",
    type=click.Choice(["frozen", "text"]),
    default="frozen",
    show_default=True,
    help="Train only the head, or the text tower too (at lr x --backbone-lr-scale).",
)
@click.option("--backbone-lr-scale", default=1e-3, show_default=True, type=NON_NEGATIVE)
@click.option(
    "--alpha", default=1.0, show_default=True, type=NON_NEGATIVE, help="Weight of the InfoNCE term."
)
@click.option(
    "--beta", default=1.0, show_default=True, type=NON_NEGATIVE, help="Weight of coarse-grained teaching."
)
@click.option(
    "--gamma", default=1.0, show_default=True, type=NON_NEGATIVE, help="Weight of fine-grained teaching."
)
@click.option("--fps", default=DEFAULT_SAMPLE_FPS, show_default=True, type=POSITIVE)
@click.option("--max-frames", default=DEFAULT_MAX_FRAMES, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--resume", is_flag=True, help="Continue the run saved in --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON line.")
@click.pass_context
def train_cmd(
    ctx: click.Context,
    data: Path,
    out: Path,
    fmt: str | None,
    video_dir: Path | None,
    split: str,
    epochs: int,
    batch_size: int,
    lr: float,
    teacher: str,
    finetune: str,
    backbone_lr_scale: float,
    alpha: float,
    beta: float,
    gamma: float,
    fps: float,
    max_frames: int,
    seed: int,
    resume: bool,
    as_json: bool,
) -> None:
    """Distill a TeachCLIP student from DATA (a captioned folder or MSR-VTT annotations) into --out."""
    from engine.config import SamplingSettings
    from engine.train.loop import Finetune, TrainConfig
    from engine.train.losses import LossWeights
    from engine.train.run import run_training

    if alpha + beta + gamma <= 0:
        raise click.UsageError("At least one of --alpha, --beta and --gamma must be above 0.")
    config = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        backbone_lr_scale=backbone_lr_scale,
        finetune=Finetune(finetune),
        loss=LossWeights(alpha, beta, gamma),
        sampling=SamplingSettings(fps=fps, max_frames=max_frames),
        seed=seed,
    )
    obj = ctx.obj
    result = run_training(
        data,
        out,
        model_spec=obj.model if obj else None,
        device=obj.device if obj else None,
        teacher=teacher,
        config=config,
        resume=resume,
        fmt=fmt,
        video_dir=video_dir,
        split=split,
        progress=not as_json,
    )
    summary = {
        "out": str(result.out),
        "steps": result.steps,
        "start_step": result.start_step,
        "fingerprint": result.fingerprint,
        "last": result.last,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        loss = result.last.get("total")
        tail = f", last loss {loss:.4f}" if loss is not None else ""
        click.echo(f"Trained {result.steps - result.start_step} steps (step {result.steps}){tail}.")
        click.echo(f"Saved to {result.out}; use it with: glimpse --model {result.out} ...")


@click.command("eval")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--split", default="test", show_default=True, help="Split to evaluate.")
@_data_options
@click.option(
    "--pooling",
    type=click.Choice(["model", "mean"]),
    default="model",
    show_default=True,
    help='"mean" scores the mean-pooling baseline with the same backbone.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    data: Path,
    split: str,
    fmt: str | None,
    video_dir: Path | None,
    pooling: str,
    as_json: bool,
) -> None:
    """Text-to-video and video-to-text R@1/5/10 and ranks of the --model on DATA's split."""
    from engine.train.run import run_eval

    obj = ctx.obj
    report = run_eval(
        data,
        model_spec=obj.model if obj else None,
        device=obj.device if obj else None,
        split=split,
        fmt=fmt,
        video_dir=video_dir,
        pooling=pooling,
        progress=not as_json,
    )
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    kind = "zero-shot" if report.zero_shot else "trained head"
    click.echo(
        f"{report.model} ({kind}, {report.pooling} pooling): {report.videos} videos, "
        f"{report.captions} captions"
    )
    click.echo(f"{'':6}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MdR':>8}{'MnR':>8}")
    for name, m in (("t2v", report.t2v), ("v2t", report.v2t)):
        click.echo(f"{name:6}{m.r1:8.1f}{m.r5:8.1f}{m.r10:8.1f}{m.median_rank:8.1f}{m.mean_rank:8.1f}")


def register(group: click.Group) -> None:
    """Add `train` and `eval` to the CLI group."""
    group.add_command(train_cmd)
    group.add_command(eval_cmd)
