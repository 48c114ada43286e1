"""`glimpse train` refuses numbers that would train a model of NaNs, before writing anything (issue 14)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from engine.errors import GlimpseError
from engine.train.loop import TrainConfig
from engine.train.losses import LossWeights
from tests.engine.train.cli_run import run_cli as _run


def _train(data, out, *extra):
    return ["--model", "tiny", "--device", "cpu", "train", str(data), "--out", str(out), "--epochs", "1",
            "--batch-size", "2", *extra]  # fmt: skip


@pytest.mark.parametrize(
    "extra",
    [
        ["--lr", "nan"],
        ["--lr", "-1e-3"],
        ["--lr", "inf"],
        ["--lr", "0"],
        ["--alpha", "nan"],
        ["--beta", "-1"],
        ["--gamma", "inf"],
        ["--backbone-lr-scale", "nan"],
        ["--fps", "0"],
        ["--alpha", "0", "--beta", "0", "--gamma", "0"],
    ],
)
def test_bad_numbers_are_usage_errors_and_write_nothing(data, tmp_path, capsys, extra) -> None:
    out = tmp_path / "run"
    code, _, err = _run(_train(data, out, *extra), capsys)
    assert code == 2 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "settings",
    [{"lr": float("nan")}, {"lr": -1.0}, {"loss": LossWeights(1.0, float("inf"), 1.0)}, {"warmup": -0.5}],
)
def test_the_training_api_refuses_them_too(settings) -> None:
    with pytest.raises(GlimpseError):
        TrainConfig(**settings)


def test_a_failed_train_leaves_no_half_written_run_files(data, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    not_teacher = tmp_path / "teacher.npz"
    not_teacher.write_bytes(pickle.dumps({"a": 1}))
    code, _, err = _run(_train(data, out, "--teacher", str(not_teacher)), capsys)
    assert code == 1 and "not a teacher file" in err and "unsafe" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_an_object_array_teacher_file_gets_a_sentence_not_numpys_advice(data, tmp_path, capsys) -> None:
    teacher = tmp_path / "objects.npz"
    np.savez(teacher, version=np.array([1], dtype=object), video_ids=np.array(["a"], dtype=object))
    existing = tmp_path / "run"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    code, _, err = _run(_train(data, existing, "--teacher", str(teacher)), capsys)
    assert code == 1 and "not a teacher file" in err and "allow_pickle" not in err and "unsafe" not in err
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"]


def test_a_diverging_run_stops_with_a_sentence_and_leaves_nothing(data, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    code, _, err = _run(_train(data, out, "--lr", "1e30", "--teacher", "none", "--json"), capsys)
    assert code == 1 and "lower --lr" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()
