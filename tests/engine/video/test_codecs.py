"""Every codec a library holds is sampled through the public API: the right frames, the right colours."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from engine.video import probe, sample_clips
from tests.engine.video import corpus, makers


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("kind", corpus.KINDS, ids=[k.name for k in corpus.KINDS])
def test_every_codec_is_sampled(corpus_dir: Path, kind: corpus.Kind) -> None:
    path = corpus.write(corpus_dir, kind)
    info = probe(path)
    assert info.frame_count == 3 * kind.fps and abs(info.duration - 3.0) < 0.05, info
    assert info.fps == kind.fps
    clips = list(sample_clips(path))
    frames = [f for c in clips for f in c.frames]
    assert len(frames) == 3 and not clips[-1].warnings
    for k, f in enumerate(frames):
        assert abs(f.t - k) <= 0.5  # the target, or a keyframe within half a sampling interval
        small = cv2.resize(f.rgb, (makers.W, makers.H), interpolation=cv2.INTER_AREA)
        index = makers.read_index(small)
        assert index == round(f.t * kind.fps), f"{kind.name}: frame {index} shown at {f.t} s"
        assert makers.nearest_palette(makers.patch_colour(small)) == index // kind.fps


def test_codec_names(corpus_dir: Path) -> None:
    names = {k.name: probe(corpus.write(corpus_dir, k)).codec for k in corpus.KINDS}
    assert names["av1.mp4"] == "libdav1d" or names["av1.mp4"] == "av1"
    assert (names["hevc_hlg10.mp4"], names["prores.mov"], names["camcorder.dv"]) == (
        "hevc",
        "prores",
        "dvvideo",
    )


def test_hdr_and_aspect_are_probed(corpus_dir: Path) -> None:
    hlg = probe(corpus.write(corpus_dir, corpus.KINDS[1]))
    assert hlg.transfer == "hlg"
    dv = probe(corpus.write(corpus_dir, next(k for k in corpus.KINDS if k.name == "camcorder.dv")))
    assert dv.transfer == "sdr" and abs(dv.sample_aspect - 16 / 15) < 0.01  # PAL 4:3 DV pixels are wide
    frame = next(iter(sample_clips(dv.path))).frames[0]
    assert frame.rgb.shape == (224, 299, 3)  # shown at 4:3, not at the stored 720x576
