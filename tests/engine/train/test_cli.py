"""`glimpse train` and `glimpse eval` on real video files in the folder format."""

from __future__ import annotations

import json

import pytest

from engine.model import load_model
from tests.engine.train.cli_run import run_cli as _run


@pytest.mark.slow
def test_train_then_eval(data, tmp_path, capsys):
    out = tmp_path / "student"
    code, stdout, err = _run(
        [
            "--model",
            "tiny",
            "--device",
            "cpu",
            "train",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "2",
            "--batch-size",
            "2",
            "--lr",
            "1e-3",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["steps"] == 4 and summary["start_step"] == 0
    assert not load_model(str(out), device="cpu").is_zero_shot

    code, stdout, err = _run(
        [
            "--model",
            str(out),
            "--device",
            "cpu",
            "train",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "3",
            "--batch-size",
            "2",
            "--lr",
            "1e-3",
            "--resume",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    assert (json.loads(stdout)["start_step"], json.loads(stdout)["steps"]) == (4, 6)

    code, stdout, err = _run(["--model", str(out), "--device", "cpu", "eval", str(data), "--json"], capsys)
    assert code == 0, err
    report = json.loads(stdout)
    assert report["videos"] == 4 and report["captions"] == 4 and report["zero_shot"] is False
    assert 1 <= report["t2v"]["mean_rank"] <= 4 and 0 <= report["t2v"]["r1"] <= 100

    code, stdout, _ = _run(
        ["--model", "tiny", "--device", "cpu", "eval", str(data), "--pooling", "mean"], capsys
    )
    assert code == 0
    assert "R@1" in stdout and "t2v" in stdout and "v2t" in stdout


def test_errors_are_one_sentence(data, tmp_path, capsys):
    code, _, err = _run(["--model", "tiny", "eval", str(data), "--split", "val"], capsys)
    assert code == 1
    assert err.strip() == 'Error: The data set has no videos in the "val" split.'
    code, _, err = _run(
        [
            "--model",
            "tiny",
            "train",
            str(data),
            "--out",
            str(tmp_path / "x"),
            "--teacher",
            str(tmp_path / "no.npz"),
        ],
        capsys,
    )
    assert code == 1 and "teacher" in err and "Traceback" not in err
