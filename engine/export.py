"""Export a moment as its own file: stream copy from the keyframe at or before the in point, else re-encode.

Stream copy keeps the original quality and costs only a pass over the packets, but a cut without
re-encoding can only begin on a keyframe: the clip starts at the keyframe at or before the in point.
When that keyframe lies more than MAX_COPY_LEAD_S before the in point (sparse keyframes, long GOPs),
or the packets do not fit the output container, the range is decoded and re-encoded (H.264 + AAC)
so the clip starts where asked. `ExportResult` says which happened and where the clip really starts.
Audio streams are kept in both modes.

Nothing half-written is ever left at the output: the clip is written to a temporary file beside it
(same folder, so the final rename is atomic on one filesystem) and renamed only when complete;
any failure (damaged source, full disk, cancel) deletes the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from engine.errors import ExportError

log = logging.getLogger(__name__)

#: Stream copy is used when the keyframe before the in point is at most this far before it (seconds).
MAX_COPY_LEAD_S = 1.0
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}

Progress = Callable[[float], None]  # fraction done, 0..1
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    path: Path
    start: float  # where the clip really starts in the source (a keyframe when stream-copied)
    end: float
    stream_copy: bool  # True: packets copied unchanged; False: the range was re-encoded

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def describe(self) -> str:
        """One sentence for the CLI."""
        how = (
            f"copied without re-encoding from the keyframe at {self.start:.2f} s"
            if self.stream_copy
            else "re-encoded so it starts at the in point"
        )
        return f"Wrote {self.path} ({self.duration:.2f} s, {how})."


class ExportCancelled(ExportError):
    """The export was cancelled; nothing was written."""


_TIME = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d*)?)$")


def parse_time(text: str) -> float:
    """Seconds from "12.5", "01:23" or "1:02:03.5"; raises ValueError on anything else."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time (use seconds, mm:ss or h:mm:ss)")
    a, b, secs = match.groups()
    parts = [int(p) for p in (a, b) if p is not None]
    hours, minutes = (parts + [0, 0])[:2] if len(parts) == 2 else (0, parts[0] if parts else 0)
    return hours * 3600 + minutes * 60 + float(secs)


def export_clip(
    source: str | os.PathLike[str],
    start: float,
    end: float,
    out: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    reencode: bool = False,
) -> ExportResult:
    """Write the part [start, end] of `source` to `out`.

    Args:
        source: the video file.
        start, end: the in and out points in seconds (end is clamped to the video's length).
        out: the file to write; its extension picks the container (.mp4, .mkv, .mov, ...).
        progress: called with the fraction done, from the calling thread.
        cancelled: polled between packets; True stops the export (ExportCancelled, nothing written).
        reencode: re-encode even when stream copy would do.

    Returns:
        ExportResult with the real start and whether the packets were copied.

    Raises:
        ExportError: bad range, damaged or unreadable source, full disk; the sentence says which.
    """
    src, dst = Path(source), Path(out)
    if end <= start:
        raise ExportError("The end of a clip must come after its start.")
    if not src.is_file():
        raise ExportError(f"{src.name} cannot be exported: the file does not exist.")
    tmp = dst.with_name(f".{dst.name}.part{dst.suffix}")
    report = progress or (lambda _f: None)
    stop = cancelled or (lambda: False)
    try:
        with _open_input(src) as probe:
            video = _video_stream(probe, src)
            keyframe = _keyframe_at_or_before(probe, video, start)
        copy = not reencode and start - keyframe <= MAX_COPY_LEAD_S
        result = None
        if copy:
            try:
                result = _copy(src, tmp, dst, keyframe, end, report, stop)
            except (av.error.FFmpegError, ValueError) as exc:
                if _disk_full(exc):
                    raise
                log.info("stream copy of %s failed (%s); re-encoding instead", src, exc)
        if result is None:
            result = _reencode(src, tmp, dst, start, end, report, stop)
        tmp.replace(dst)
        report(1.0)
        return result
    except ExportError:
        tmp.unlink(missing_ok=True)
        raise
    except (av.error.FFmpegError, OSError, StopIteration) as exc:
        tmp.unlink(missing_ok=True)
        log.info("export of %s failed", src, exc_info=True)
        if _disk_full(exc):
            raise ExportError(
                f"There is not enough disk space to write {dst.name}; nothing was written."
            ) from exc
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if isinstance(exc, av.error.InvalidDataError | StopIteration):
            detail = "the file is damaged or not a video."
        raise ExportError(f"{src.name} cannot be exported: {detail}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


def _video_stream(container: Any, src: Path) -> Any:
    if not container.streams.video:
        raise ExportError(f"{src.name} cannot be exported: it has no video stream.")
    return container.streams.video[0]


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    return None if value is None or time_base is None else float(value * time_base)


def _keyframe_at_or_before(container: Any, video: Any, start: float) -> float:
    """The time of the last keyframe at or before `start` (demuxing only, no decoding)."""
    container.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
    best = 0.0
    for packet in container.demux(video):
        t = _seconds(packet.pts, packet.time_base)
        if t is None:
            continue
        if t > start + 1e-6:
            break
        if packet.is_keyframe:
            best = t
    return best


def _open_input(src: Path) -> Any:
    """The source container (typed Any: PyAV's stubs type frames and packets as unions of every kind)."""
    return av.open(str(src))


def _open_output(tmp: Path, dst: Path) -> Any:
    return av.open(str(tmp), "w", format=_format_for(dst))


def _format_for(dst: Path) -> str | None:
    return {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm"}.get(
        dst.suffix.lower()
    )


def _copy(
    src: Path, tmp: Path, dst: Path, begin: float, end: float, report: Progress, stop: Cancelled
) -> ExportResult:
    """Copy the packets of every video and audio stream from the keyframe at `begin` up to `end`."""
    with _open_input(src) as inp, _open_output(tmp, dst) as outp:
        video = inp.streams.video[0]
        streams = [video, *inp.streams.audio]
        mapping = {s.index: outp.add_stream_from_template(s) for s in streams}
        inp.seek(int(begin / video.time_base), stream=video, backward=True, any_frame=False)
        offsets: dict[int, int] = {}
        last = begin
        for packet in inp.demux(*streams):
            if stop():
                raise ExportCancelled("The export was cancelled; nothing was written.")
            t = _seconds(packet.pts, packet.time_base)
            if t is None or packet.dts is None:
                continue
            if t < begin - 1e-6 or t >= end - 1e-6:
                if t >= end and packet.stream.index == video.index:
                    break
                continue
            tb = packet.time_base
            offset = offsets.setdefault(packet.stream.index, int(round(begin / tb)))
            packet.pts -= offset
            packet.dts -= offset
            packet.stream = mapping[packet.stream.index]
            outp.mux(packet)
            last = max(last, t)
            report(min(0.99, (t - begin) / max(1e-6, end - begin)))
    return ExportResult(dst, begin, min(end, _stream_end(src, last)), stream_copy=True)


def _stream_end(src: Path, last_packet_t: float) -> float:
    """The clip's real end when the source is shorter than the out point (last frame plus one frame)."""
    with _open_input(src) as inp:
        rate = inp.streams.video[0].average_rate
    return last_packet_t + (float(1 / rate) if rate else 0.0)


def _reencode(
    src: Path, tmp: Path, dst: Path, start: float, end: float, report: Progress, stop: Cancelled
) -> ExportResult:
    """Decode [start, end) and encode it as H.264 (video) and AAC (audio)."""
    with _open_input(src) as inp, _open_output(tmp, dst) as outp:
        video = inp.streams.video[0]
        audio = inp.streams.audio[0] if inp.streams.audio else None
        rate = video.average_rate or Fraction(25)
        venc = outp.add_stream("libx264" if _has_encoder("libx264") else "mpeg4", rate=rate)
        venc.width, venc.height = video.codec_context.width, video.codec_context.height
        venc.pix_fmt = "yuv420p"
        aenc = outp.add_stream("aac", rate=audio.codec_context.sample_rate) if audio is not None else None
        inp.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
        first_t: float | None = None
        last_t = start
        streams = [video] + ([audio] if audio is not None else [])
        for packet in inp.demux(*streams):
            if stop():
                raise ExportCancelled("The export was cancelled; nothing was written.")
            for frame in packet.decode():
                t = _seconds(frame.pts, frame.time_base)
                if t is None or t < start - 1e-6 or t >= end - 1e-6:
                    continue
                is_video = packet.stream.index == video.index
                target = venc if is_video else aenc
                if target is None:
                    continue
                if is_video:
                    frame = frame.reformat(format="yuv420p")
                # Timestamps from the in point, in a base the encoder rescales from.
                base = Fraction(1, 1000) if is_video else Fraction(1, frame.sample_rate)
                frame.pts, frame.time_base = int(round((t - start) / base)), base
                if is_video:
                    first_t = t if first_t is None else first_t
                    last_t = max(last_t, t)
                    report(min(0.99, (t - start) / max(1e-6, end - start)))
                for out_packet in target.encode(frame):
                    outp.mux(out_packet)
        for target in (venc, aenc):
            if target is not None:
                for out_packet in target.encode(None):
                    outp.mux(out_packet)
    if first_t is None:
        raise ExportError(f"{src.name} cannot be exported: no frames lie between the in and out points.")
    return ExportResult(dst, start, min(end, last_t + float(1 / rate)), stream_copy=False)


def _has_encoder(name: str) -> bool:
    with contextlib.suppress(Exception):
        av.codec.Codec(name, "w")
        return True
    return False
