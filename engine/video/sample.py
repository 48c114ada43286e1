"""Decode what a sampling plan (engine.video.plan) asks for: wanted frames, and signatures for cut checks.

The packets are demuxed again and only those the plan needs reach the decoder: a keyframe decoded alone,
or a run from a keyframe to a wanted frame, on which non-reference frames are skipped
(`skip_frame = "NONREF"`: FFmpeg parses them but reconstructs nothing; no frame refers to them). Where the
next packet fed is not the one after the last, the decoder is drained and reset, so every frame of a
run comes out and no stale reference leaks into the next. Frames carry their presentation timestamp,
so every sample's time is its own. Reference frames decoded on the way to a target become cut-check
signatures too ("the frames decoded"), at most CHECKS_PER_SAMPLE per sampling interval.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av
import av.container
import av.video.stream
import numpy as np
from av.video.reformatter import VideoReformatter

from engine.video.frames import SIGNATURE_SIZE, frame_rotation, signature, small_bgr, upright_rgb
from engine.video.plan import PacketIndex, Wanted, fed_packets
from engine.video.thumbs import make_thumb
from engine.video.types import SampledFrame, VideoInfo

log = logging.getLogger(__name__)

#: Signatures kept per sampling interval at most (the sample itself plus frames decoded on the approach).
CHECKS_PER_SAMPLE = 2


class HardwareDecodeError(Exception):
    """Decoding on the hardware device failed: the caller starts this file again in software."""


@dataclass(order=True)
class Decoded:
    """One decoded frame: its time, its cut-check signature and, when it is a sampled frame, the sample."""

    t: float
    sig: np.ndarray = field(compare=False)
    sample: SampledFrame | None = field(default=None, compare=False)


@dataclass
class DecodeStats:
    """What one pass saw: packets fed, frames decoded, wanted frames that never came out."""

    fed: int = 0
    decoded: int = 0
    failed: int = 0
    last_t: float = 0.0  # time of the last frame handed on
    notes: list[str] = field(default_factory=list)


class _Collector:
    """Turns decoder output into Decoded items and hands them on in time order."""

    def __init__(self, index: PacketIndex, plan: list[Wanted], info: VideoInfo, fps: float) -> None:
        self.index = index
        self.info = info
        self.pending = [w.pts for w in plan]  # wanted, not yet decoded, sorted
        self.packet_of = {w.pts: w.packet for w in plan}
        self.check_gap = 1.0 / (fps * CHECKS_PER_SAMPLE)
        self.last_sig_t = -1e9
        self.heap: list[Decoded] = []
        self.sws = VideoReformatter()  # swscale set up once per pass (samples), not per frame
        self.sws_check = VideoReformatter()  # and once for the cut-check frames' size

    def take(self, frame: av.VideoFrame) -> None:
        if frame.pts is None:
            return
        pts = int(frame.pts)
        t = self.index.seconds(pts)
        if pts in self.packet_of and pts in self.pending:
            self.pending.remove(pts)
            bgr = small_bgr(frame, self.info.sample_aspect, self.sws)
            rgb = upright_rgb(bgr, frame_rotation(frame))  # each frame carries its display matrix
            heapq.heappush(
                self.heap, Decoded(t, signature(bgr), SampledFrame(t=t, rgb=rgb, thumb=make_thumb(rgb)))
            )
            self.last_sig_t = max(self.last_sig_t, t)
        elif abs(t - self.last_sig_t) >= self.check_gap:  # a reference frame on the way: a cut check
            w, h = 2 * SIGNATURE_SIZE[0], 2 * SIGNATURE_SIZE[1]
            tiny = self.sws_check.reformat(frame, width=w, height=h, format="bgr24")
            heapq.heappush(self.heap, Decoded(t, signature(tiny.to_ndarray())))
            self.last_sig_t = t

    def give_up(self, fed_up_to: int) -> int:
        """Forget wanted frames whose packets were fed but which never came out; how many."""
        lost = [p for p in self.pending if self.packet_of[p] <= fed_up_to]
        for p in lost:
            self.pending.remove(p)
        return len(lost)

    def ready(self, stats: DecodeStats, everything: bool = False) -> Iterator[Decoded]:
        """Items no still-awaited sample can precede."""
        limit = None if everything or not self.pending else self.index.seconds(self.pending[0])
        while self.heap and (limit is None or self.heap[0].t < limit):
            d = heapq.heappop(self.heap)
            stats.last_t = d.t
            yield d


def _decode(
    cc: av.CodecContext, packet: av.Packet | None, hardware: bool, stats: DecodeStats
) -> list[av.VideoFrame]:
    try:
        return list(cc.decode(packet))  # type: ignore[arg-type,attr-defined]
    except av.FFmpegError as err:
        if hardware:
            raise HardwareDecodeError(str(err)) from err
        log.debug("decode error: %s", err)
        return []


def _take(out: _Collector, frames: list[av.VideoFrame], stats: DecodeStats) -> None:
    for frame in frames:
        stats.decoded += 1
        out.take(frame)


def iter_decoded(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    *,
    index: PacketIndex,
    plan: list[Wanted],
    info: VideoInfo,
    fps: float,
    stats: DecodeStats,
    hardware: bool = False,
    should_stop: Callable[[], bool] | None = None,
    packets: Iterator[av.Packet] | None = None,
) -> Iterator[Decoded]:
    """Decode the plan's frames from an opened file, yielding samples and cut-check signatures in time order.

    Args:
        container, stream: the file, opened afresh (demuxing starts at its first packet).
        index: the file's packets (engine.video.probing.read_index).
        plan: the frames wanted (engine.video.plan.plan_samples).
        info: the probed facts (rotation, sample aspect).
        fps: sampled frames per second (spaces the cut checks).
        stats: filled in while decoding.
        hardware: decoding runs on a hardware device: a decode error raises HardwareDecodeError.
        should_stop: polled between packets; True ends the pass early.
        packets: the stream's packets from its first one on, where the caller already started demuxing
            (engine.video.clips reuses the survey's container); default: demux `container` now.

    Returns:
        An iterator of Decoded, in presentation order.
    """
    cc = stream.codec_context
    feed = fed_packets(plan, len(index))
    sample_packets = {w.packet for w in plan}
    out = _Collector(index, plan, info, fps)
    last_fed = -1
    i = -1
    try:
        for packet in container.demux(stream) if packets is None else packets:
            if packet.size == 0:
                continue
            i += 1
            if should_stop is not None and i % 8 == 0 and should_stop():
                return
            if i >= len(feed) or not out.pending:
                break
            if not feed[i]:
                continue
            if last_fed >= 0 and last_fed != i - 1:  # a jump: drain the run, reset the decoder
                _take(out, _decode(cc, None, hardware, stats), stats)
                cc.flush_buffers()
                stats.failed += out.give_up(last_fed)
                yield from out.ready(stats)
            cc.skip_frame = "DEFAULT" if i in sample_packets else "NONREF"
            if packet.pts is None:
                packet.pts = packet.dts
            frames = _decode(cc, packet, hardware, stats)
            stats.fed += 1
            last_fed = i
            _take(out, frames, stats)
            yield from out.ready(stats)
    except av.FFmpegError as err:  # demuxing failed part-way: keep what decoded
        log.info("%s: demuxing stopped: %s", container.name, err)
    _take(out, _decode(cc, None, hardware, stats), stats)
    stats.failed += out.give_up(len(index))
    yield from out.ready(stats, everything=True)
