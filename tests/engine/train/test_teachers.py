"""Teachers: order-aware alignment, the CLIP teacher's outputs, the teacher-file round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.model import load_model
from engine.train.data import CaptionedVideo
from engine.train.errors import TeacherFileError
from engine.train.features import extract_features, pad_batch
from engine.train.synthetic import SyntheticSpec, make_synthetic_set
from engine.train.teachers import (
    ClipTeacher,
    FileTeacher,
    TeacherBatch,
    TeacherTables,
    caption_parts,
    monotonic_alignment,
    precompute_teacher,
    read_teacher_file,
    write_teacher_file,
)


def test_caption_parts():
    assert caption_parts("a red circle moves left, then a blue square moves up") == [
        "a red circle moves left",
        "a blue square moves up",
    ]
    assert caption_parts("a man cooks and then eats; he sleeps") == ["a man cooks", "eats", "he sleeps"]
    assert caption_parts("a dog runs") == ["a dog runs"]


def test_monotonic_alignment_by_hand():
    # 4 frames, 2 parts; frames 0-1 match part A, frames 2-3 match part B.
    a_then_b = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.1, 0.7], [0.2, 0.9]])
    b_then_a = a_then_b.flip(0)
    cos = torch.stack([a_then_b, b_then_a])[:, :, None, :]  # [2 videos, 4 frames, 1 caption, 2 parts]
    got = monotonic_alignment(cos, torch.tensor([4, 4]))
    assert got[0, 0].item() == pytest.approx((0.9 + 0.8 + 0.7 + 0.9) / 4)
    # Reversed video: the best split of the frames into "A first, then B", found exhaustively.
    rows = b_then_a.tolist()
    best = max(sum(r[0] for r in rows[:k]) + sum(r[1] for r in rows[k:]) for k in range(1, 4)) / 4
    assert got[1, 0].item() == pytest.approx(best)
    assert got[0, 0] > got[1, 0]


def test_monotonic_alignment_respects_lengths_and_short_videos():
    cos = torch.tensor([[0.5, 0.1], [0.2, 0.6], [9.0, 9.0]])[None, :, None, :]  # frame 2 is padding
    got = monotonic_alignment(cos, torch.tensor([2]))
    assert got.item() == pytest.approx((0.5 + 0.6) / 2)
    one = monotonic_alignment(cos, torch.tensor([1]))  # fewer frames than parts: best part of frame 0
    assert one.item() == pytest.approx(0.5)


@pytest.fixture(scope="module")
def tiny_set():
    model = load_model("tiny", device="cpu")
    videos = make_synthetic_set(SyntheticSpec(train_videos=6, test_pairs=1, max_idle=2, seed=3))
    feats = extract_features(model, videos)
    return model, videos, feats


def test_clip_teacher_outputs(tiny_set):
    model, videos, feats = tiny_set
    batch_videos = videos[:4]
    padded, mask = pad_batch([feats[v.key] for v in batch_videos])
    out = ClipTeacher(model).teach(
        TeacherBatch(batch_videos, [v.captions[0] for v in batch_videos], padded, mask)
    )
    assert out.clip_scores.shape == (4, 4)
    assert out.frame_relevance.shape == mask.shape
    assert torch.allclose(out.frame_relevance.sum(dim=1), torch.ones(4), atol=1e-5)
    assert (out.frame_relevance[~mask] == 0).all()
    assert torch.isfinite(out.clip_scores).all()


def test_teacher_file_round_trip(tiny_set, tmp_path):
    model, videos, feats = tiny_set
    clip_teacher = ClipTeacher(model)
    tables = precompute_teacher(clip_teacher, videos, feats)
    path = write_teacher_file(tmp_path / "teacher.npz", tables)
    again = read_teacher_file(path)
    assert again.video_ids == tables.video_ids and again.captions == tables.captions
    np.testing.assert_allclose(again.clip_scores, tables.clip_scores)

    file_teacher = FileTeacher(path)
    file_teacher.check(videos)
    batch_videos = [videos[5], videos[0], videos[2]]
    padded, mask = pad_batch([feats[v.key] for v in batch_videos])
    batch = TeacherBatch(batch_videos, [v.captions[0] for v in batch_videos], padded, mask)
    live, stored = clip_teacher.teach(batch), file_teacher.teach(batch)
    torch.testing.assert_close(stored.clip_scores, live.clip_scores, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(stored.frame_relevance, live.frame_relevance, atol=1e-5, rtol=1e-4)


def test_teacher_file_refuses_what_it_does_not_cover(tiny_set, tmp_path):
    _, videos, _ = tiny_set
    tables = TeacherTables(["x"], ["a caption"], np.array([0]), np.zeros((1, 1)), np.ones((1, 3)) / 3)
    teacher = FileTeacher(write_teacher_file(tmp_path / "t.npz", tables))
    with pytest.raises(TeacherFileError, match="no scores for video"):
        teacher.check(videos)
    other = CaptionedVideo("x", ["another caption"])
    with pytest.raises(TeacherFileError, match="another caption"):
        teacher.check([other])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TeacherFileError):
        FileTeacher(bad)
    broken = TeacherTables(["x"], ["a"], np.array([0]), np.zeros((2, 1)), np.ones((1, 3)))
    with pytest.raises(TeacherFileError, match="mismatched"):
        FileTeacher(write_teacher_file(tmp_path / "b.npz", broken))
