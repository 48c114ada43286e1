"""`glimpse export`: real files written with PyAV, cut by stream copy or re-encoding, checked by decoding."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.errors import ExportError
from engine.export import export_clip, parse_time

FPS = 10


def write_clip(path: Path, seconds: float = 10.0, gop: int = FPS, size: tuple[int, int] = (160, 96)) -> Path:
    """H.264 video (a keyframe every `gop` frames) with an AAC sine tone, written with PyAV."""
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=FPS)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.codec_context.gop_size = gop
        v.codec_context.options = {"keyint_min": str(gop), "sc_threshold": "0", "bf": "0"}
        a = out.add_stream("aac", rate=16000)
        a.layout = "mono"
        for i in range(int(seconds * FPS)):
            img = np.full((size[1], size[0], 3), (i * 7) % 255, np.uint8)
            img[:, (i * 3) % size[0]] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            for packet in v.encode(frame):
                out.mux(packet)
        samples = 1024
        for k in range(int(seconds * 16000 / samples)):
            t = (np.arange(samples) + k * samples) / 16000
            tone = (0.2 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(tone, format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 16000, k * samples, Fraction(1, 16000)
            for packet in a.encode(frame):
                out.mux(packet)
        for stream in (v, a):
            for packet in stream.encode(None):
                out.mux(packet)
    return path


def decoded(path: Path) -> tuple[float, int, bool]:
    """(video duration by decoded frames, frames decoded, has decodable audio)."""
    with av.open(str(path)) as c:
        times = [float(f.pts * f.time_base) for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        audio = bool(c.streams.audio) and any(True for _ in c.decode(audio=0))
    return (max(times) - min(times) + 1 / FPS) if times else 0.0, len(times), audio


@pytest.fixture(scope="module")
def bikes(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("src") / "bikes.mp4")


def test_cli_export_writes_a_playable_four_second_clip(bikes, tmp_path):
    out = tmp_path / "moment.mp4"
    result = CliRunner().invoke(cli, ["export", str(bikes), "--start", "2", "--end", "6", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "without re-encoding" in result.output
    duration, frames, audio = decoded(out)
    assert abs(duration - 4.0) <= 0.5 and frames >= 35 and audio
    assert [p.name for p in tmp_path.iterdir()] == ["moment.mp4"]


def test_far_keyframe_means_reencode_from_the_in_point(tmp_path):
    sparse = write_clip(tmp_path / "sparse.mp4", gop=100)  # one keyframe, at 0 s
    result = export_clip(sparse, parse_time("0:02.5"), 5.0, tmp_path / "cut.mkv")
    assert not result.stream_copy and result.start == 2.5
    duration, _, audio = decoded(tmp_path / "cut.mkv")
    assert abs(duration - 2.5) <= 0.3 and audio


def test_times_in_seconds_or_minutes():
    assert parse_time("90") == 90 and parse_time("01:30") == 90 and parse_time("1:00:01.5") == 3601.5
    with pytest.raises(ValueError):
        parse_time("1m30")


def test_damaged_source_gives_a_sentence_and_leaves_nothing(bikes, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bikes.read_bytes()[:2000])
    out = tmp_path / "out" / "x.mp4"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["export", str(broken), "--start", "2", "--end", "6", "-o", str(out)])
    assert isinstance(result.exception, ExportError)  # main() prints it as one line, exit code 1
    assert str(result.exception) == "broken.mp4 cannot be exported: the file is damaged or not a video."
    assert list(out.parent.iterdir()) == []


def test_bad_range_is_refused(bikes, tmp_path):
    with pytest.raises(ExportError, match="after its start"):
        export_clip(bikes, 6, 2, tmp_path / "x.mp4")


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_leaves_no_half_written_file(bikes, tmp_path):
    """The file-size limit makes writes fail midway exactly as a full disk does (EFBIG instead of ENOSPC)."""
    out = tmp_path / "big.mp4"
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
        "from engine.cli import main\n"
        f"main(['export', {str(bikes)!r}, '--start', '0', '--end', '9', '-o', {str(out)!r}])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, done.stderr
    assert "not enough disk space" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
