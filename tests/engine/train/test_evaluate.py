"""Retrieval metrics on hand-made similarity matrices."""

from __future__ import annotations

import numpy as np
import pytest

from engine.train.errors import DatasetError
from engine.train.evaluate import rank_metrics, retrieval_ranks


def test_ranks_on_a_hand_made_matrix():
    # 4 texts (rows) over 3 videos (columns); text 0,1 -> video 0; text 2 -> video 1; text 3 -> video 2.
    sim = np.array(
        [
            [0.9, 0.1, 0.2],  # own video first: rank 1
            [0.3, 0.5, 0.4],  # own video third: rank 3
            [0.2, 0.7, 0.1],  # rank 1
            [0.6, 0.5, 0.55],  # own (0.55) beaten by 0.6: rank 2
        ]
    )
    t2v, v2t = retrieval_ranks(sim, [0, 0, 1, 2])
    assert t2v.tolist() == [1, 3, 1, 2]
    # video 0 column [0.9,0.3,0.2,0.6]: its texts 0 (rank 1) and 1 (rank 3) -> best 1
    # video 1 column [0.1,0.5,0.7,0.5]: its text 2 is the top -> 1
    # video 2 column [0.2,0.4,0.1,0.55]: its text 3 is the top -> 1
    assert v2t.tolist() == [1, 1, 1]
    m = rank_metrics(t2v)
    assert m.r1 == pytest.approx(50.0)
    assert m.r5 == pytest.approx(100.0)
    assert m.median_rank == pytest.approx(1.5)
    assert m.mean_rank == pytest.approx(7 / 4)
    assert m.count == 4


def test_video_to_text_takes_the_best_of_its_captions():
    sim = np.array([[0.1, 0.9], [0.8, 0.2], [0.7, 0.3]])  # texts 0,1 -> video 0; text 2 -> video 1
    _, v2t = retrieval_ranks(sim, [0, 0, 1])
    # column 0 = [0.1, 0.8, 0.7]: text 1 (0.8) is first -> 1, though text 0 alone would rank 3
    # column 1 = [0.9, 0.2, 0.3]: text 2 (0.3) is beaten only by text 0 -> 2
    assert v2t.tolist() == [1, 2]


def test_metrics_recall_at_ten_and_bad_input():
    m = rank_metrics([1, 6, 11, 10])
    assert (m.r1, m.r5, m.r10) == (25.0, 25.0, 75.0)
    with pytest.raises(DatasetError):
        rank_metrics([])
    with pytest.raises(DatasetError):
        retrieval_ranks(np.zeros((2, 2)), [0])
