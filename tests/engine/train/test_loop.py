"""The training loop: resume at the right step, checkpoints that load in the app, zero-shot models."""

from __future__ import annotations

import pytest
import torch

from engine.model import load_model
from engine.train.errors import TrainingError
from engine.train.features import extract_features, pad_batch
from engine.train.loop import STATE_FILE, Finetune, TrainConfig, train
from engine.train.losses import LossWeights
from engine.train.synthetic import SyntheticSpec, make_synthetic_set
from engine.train.teachers import ClipTeacher, FileTeacher, precompute_teacher, write_teacher_file


@pytest.fixture(scope="module")
def train_set():
    videos = make_synthetic_set(SyntheticSpec(train_videos=12, test_pairs=1, max_idle=2, seed=5))
    return [v for v in videos if v.split == "train"]


class Interrupt(Exception):
    """Stands in for Ctrl-C in the middle of a run."""


def _interrupt_at(limit):
    def on_step(step, _losses):
        if step == limit:
            raise Interrupt

    return on_step


@pytest.mark.slow
def test_resume_continues_at_the_right_step_and_matches_a_straight_run(train_set, tmp_path):
    cache = tmp_path / "cache"
    config = TrainConfig(epochs=3, batch_size=4, lr=1e-3)
    teacher = ClipTeacher(load_model("tiny", device="cpu"))

    straight = load_model("tiny", device="cpu")
    full = train(
        straight, train_set, tmp_path / "a", teacher=teacher, config=config, cache_root=cache, progress=False
    )
    assert (full.start_step, full.steps) == (0, 9)  # 12 videos / 4 per batch * 3 epochs

    broken = load_model("tiny", device="cpu")
    with pytest.raises(Interrupt):  # stopped in epoch 2; the epoch-1 checkpoint (step 3) is on disk
        train(
            broken,
            train_set,
            tmp_path / "b",
            teacher=teacher,
            config=config,
            cache_root=cache,
            progress=False,
            on_step=_interrupt_at(5),
        )
    state = torch.load(tmp_path / "b" / STATE_FILE, weights_only=True)
    assert (state["step"], state["epoch"]) == (3, 1)

    resumed_model = load_model(str(tmp_path / "b"), device="cpu")
    resumed = train(
        resumed_model,
        train_set,
        tmp_path / "b",
        teacher=teacher,
        config=config,
        cache_root=cache,
        progress=False,
        resume=True,
    )
    assert (resumed.start_step, resumed.steps) == (3, 9)
    assert [h["step"] for h in resumed.history] == [float(s) for s in range(1, 10)]
    for key, value in straight.head.state_dict().items():
        torch.testing.assert_close(resumed_model.head.state_dict()[key], value, atol=1e-5, rtol=1e-4)


@pytest.mark.slow
def test_saved_checkpoint_loads_and_its_afa_weights_follow_the_teacher(train_set, tmp_path):
    model = load_model("tiny", device="cpu")
    feats = extract_features(model, train_set)
    # A teacher (from a file, as an external model would give) that finds the first frame most relevant.
    tables = precompute_teacher(ClipTeacher(model), train_set, feats)
    tables.frame_relevance[:] = 0.0
    tables.frame_relevance[:, 0] = 0.9
    tables.frame_relevance[:, 1:6] = 0.02
    teacher = FileTeacher(write_teacher_file(tmp_path / "teacher.npz", tables))
    config = TrainConfig(epochs=6, batch_size=4, lr=3e-3, loss=LossWeights(gamma=5.0))
    result = train(
        model,
        train_set,
        tmp_path / "ckpt",
        teacher=teacher,
        config=config,
        cache_root=tmp_path / "c",
        progress=False,
    )
    loaded = load_model(str(tmp_path / "ckpt"), device="cpu")
    assert not loaded.is_zero_shot
    assert loaded.fingerprint == result.fingerprint
    padded, mask = pad_batch([feats[v.key] for v in train_set])
    vecs, weights = loaded.encode_clip(padded, mask)
    torch.testing.assert_close(vecs, model.encode_clip(padded, mask)[0])
    uniform = mask.float() / mask.sum(dim=1, keepdim=True)
    assert torch.allclose(weights.sum(dim=1), torch.ones(len(train_set)), atol=1e-5)
    assert (weights - uniform).abs().max() > 0.05  # not uniform
    assert (weights[:, 0] > 1.5 * uniform[:, 0]).all()  # and leaning where the teacher pointed


@pytest.mark.slow
def test_zero_shot_model_gets_a_head_and_text_tower_can_train(train_set, tmp_path):
    model = load_model("tiny", device="cpu")
    model.head = None
    model.config = model.config.with_head(None)
    text_before = model.clip.token_embedding.weight.clone()
    visual_before = model.clip.visual.conv1.weight.clone()
    config = TrainConfig(epochs=1, batch_size=4, finetune=Finetune.TEXT, backbone_lr_scale=1.0, lr=1e-3)
    train(model, train_set, tmp_path / "out", config=config, cache_root=tmp_path / "c", progress=False)
    assert model.head is not None
    assert not torch.equal(model.clip.token_embedding.weight, text_before)
    assert torch.equal(model.clip.visual.conv1.weight, visual_before)
    loaded = load_model(str(tmp_path / "out"), device="cpu")
    assert not loaded.is_zero_shot
    torch.testing.assert_close(
        loaded.encode_text(["a red circle moves up"]), model.encode_text(["a red circle moves up"])
    )


def test_bad_settings_are_refused(train_set, tmp_path):
    model = load_model("tiny", device="cpu")
    with pytest.raises(TrainingError, match="batch size"):
        train(model, train_set, tmp_path / "x", config=TrainConfig(batch_size=1), progress=False)
    with pytest.raises(TrainingError, match="two readable"):
        train(model, train_set[:1], tmp_path / "x", config=TrainConfig(batch_size=2), progress=False)
