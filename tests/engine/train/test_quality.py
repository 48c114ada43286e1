"""The shortened quality run: the distilled student beats chance by far and beats mean pooling."""

from __future__ import annotations

import pytest
import torch

from engine.train.quality import QUICK, run_quality


@pytest.fixture()
def one_thread():
    """One torch thread: several times faster than two on shared cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_quick_quality_run_beats_chance_and_mean_pooling(tmp_path, one_thread):
    result = run_quality(tmp_path, QUICK)
    assert result.test_videos == 2 * QUICK.data.test_pairs  # every test file was decoded
    assert result.chance_r1 == pytest.approx(100 / result.test_videos)
    assert result.meanp_r1 > 3 * result.chance_r1  # the pre-trained backbone means something
    assert result.student_r1 > 10 * result.chance_r1
    # Order-swapped pairs cap mean pooling; the temporal head must do clearly better.
    assert result.student_r1 >= result.meanp_r1 + 8
    # The re-rank, with the settings the validation rule picks in this run (rerank_eval.choose), lifts
    # the short-event test set for the zero-shot model and the student and keeps the standard set
    # (one video of slack: CPUs differ in the last bits). Measured here: zero-shot 16.7 -> 20.0 and
    # 0 -> 17.5, student 45.0 -> 45.0 and 2.5 -> 10.0.
    one_video = 100 / result.test_videos
    for name in ("zero_shot", "student"):
        chosen = result.rerank[f"{name}_chosen"]
        short, standard = chosen["short_event"], chosen["standard"]
        assert short["reranked"]["r1"] > short["clip_only"]["r1"], name
        assert standard["reranked"]["r1"] >= standard["clip_only"]["r1"] - one_video, name
