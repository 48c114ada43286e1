"""A small MP4 box editor for tests: rotation, variable frame rate, faststart and codec patches.

cv2.VideoWriter cannot write rotation metadata or variable frame rates; these edits make such files from
the MP4s it writes (moov after mdat, one video track, no B-frames), without ffmpeg.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


@dataclass
class Box:
    """One box: its type and either raw payload bytes or child boxes."""

    kind: bytes
    payload: bytes = b""
    children: list[Box] = field(default_factory=list)

    def find(self, *path: bytes) -> Box:
        """The first descendant along `path` (each step the first child of that type)."""
        box = self
        for kind in path:
            box = next(c for c in box.children if c.kind == kind)
        return box

    def encode(self) -> bytes:
        body = b"".join(c.encode() for c in self.children) if self.kind in CONTAINERS else self.payload
        return struct.pack(">I4s", 8 + len(body), self.kind) + body


def parse(data: bytes) -> list[Box]:
    """The boxes in `data` (containers parsed recursively)."""
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = len(data) - pos
        body = data[pos + header : pos + size]
        box = Box(kind, body)
        if kind in CONTAINERS:
            box.children = parse(body)
        boxes.append(box)
        pos += size
    return boxes


def _top(boxes: list[Box], kind: bytes) -> Box:
    return next(b for b in boxes if b.kind == kind)


def _video_trak(moov: Box) -> Box:
    for trak in moov.children:
        if trak.kind == b"trak" and trak.find(b"mdia", b"hdlr").payload[8:12] == b"vide":
            return trak
    raise ValueError("no video track")


_MATRICES = {
    0: (1, 0, 0, 1),
    90: (0, 1, -1, 0),
    180: (-1, 0, 0, -1),
    270: (0, -1, 1, 0),
}


def set_rotation(data: bytes, degrees: int) -> bytes:
    """Set the video track's display matrix so players turn the picture `degrees` clockwise."""
    boxes = parse(data)
    tkhd = _video_trak(_top(boxes, b"moov")).find(b"tkhd")
    offset = 40 if tkhd.payload[0] == 0 else 52
    a, b, c, d = _MATRICES[degrees]
    fixed = [v * 0x10000 for v in (a, b)] + [0] + [v * 0x10000 for v in (c, d)] + [0, 0, 0, 0x40000000]
    matrix = struct.pack(">9i", *fixed)
    tkhd.payload = tkhd.payload[:offset] + matrix + tkhd.payload[offset + 36 :]
    return b"".join(b.encode() for b in boxes)


def set_frame_durations(data: bytes, durations: list[int]) -> bytes:
    """Give each video sample its own duration (media timescale units): a variable-frame-rate file."""
    boxes = parse(data)
    moov = _top(boxes, b"moov")
    trak = _video_trak(moov)
    stbl = trak.find(b"mdia", b"minf", b"stbl")
    runs: list[list[int]] = []
    for dur in durations:
        if runs and runs[-1][1] == dur:
            runs[-1][0] += 1
        else:
            runs.append([1, dur])
    stts = stbl.find(b"stts")
    stts.payload = (
        stts.payload[:4] + struct.pack(">I", len(runs)) + b"".join(struct.pack(">II", *r) for r in runs)
    )
    total = sum(durations)
    mdhd = trak.find(b"mdia", b"mdhd")
    assert mdhd.payload[0] == 0
    media_scale = struct.unpack(">I", mdhd.payload[12:16])[0]
    mdhd.payload = mdhd.payload[:16] + struct.pack(">I", total) + mdhd.payload[20:]
    mvhd = moov.find(b"mvhd")
    movie_scale = struct.unpack(">I", mvhd.payload[12:16])[0]
    movie_total = total * movie_scale // media_scale
    mvhd.payload = mvhd.payload[:16] + struct.pack(">I", movie_total) + mvhd.payload[20:]
    tkhd = trak.find(b"tkhd")
    tkhd.payload = tkhd.payload[:20] + struct.pack(">I", movie_total) + tkhd.payload[24:]
    trak.children = [c for c in trak.children if c.kind != b"edts"]  # an edit list would cut the new timeline
    return b"".join(b.encode() for b in boxes)


def media_timescale(data: bytes) -> int:
    """The video track's media timescale (units per second)."""
    mdhd = _video_trak(_top(parse(data), b"moov")).find(b"mdia", b"mdhd")
    return struct.unpack(">I", mdhd.payload[12:16])[0]


def faststart(data: bytes) -> bytes:
    """Move moov in front of mdat (as streaming-ready files have it), fixing the chunk offsets."""
    boxes = parse(data)
    moov = _top(boxes, b"moov")
    shift = len(moov.encode())
    for trak in (c for c in moov.children if c.kind == b"trak"):
        stbl = trak.find(b"mdia", b"minf", b"stbl")
        stco = next(c for c in stbl.children if c.kind == b"stco")
        count = struct.unpack(">I", stco.payload[4:8])[0]
        offsets = struct.unpack(f">{count}I", stco.payload[8 : 8 + 4 * count])
        stco.payload = stco.payload[:8] + struct.pack(f">{count}I", *(o + shift for o in offsets))
    ftyp = [b for b in boxes if b.kind == b"ftyp"]
    rest = [b for b in boxes if b.kind not in (b"ftyp", b"moov")]
    return b"".join(b.encode() for b in [*ftyp, moov, *rest])


def set_codec(data: bytes, fourcc: bytes, object_type: int = 0xC0) -> bytes:
    """Rename the video sample entry and its MPEG-4 object type: a codec no decoder knows."""
    boxes = parse(data)
    stsd = _video_trak(_top(boxes, b"moov")).find(b"mdia", b"minf", b"stbl", b"stsd")
    payload = bytearray(stsd.payload)
    payload[12:16] = fourcc
    esds = payload.find(b"esds")
    if esds != -1:
        pos = _skip_descriptor_header(payload, esds + 8)  # ES_Descriptor (after the full-box header)
        pos += 3  # ES_ID and flags (cv2 writes no optional fields)
        pos = _skip_descriptor_header(payload, pos)  # DecoderConfigDescriptor; objectTypeIndication follows
        payload[pos] = object_type
    stsd.payload = bytes(payload)
    return b"".join(b.encode() for b in boxes)


def _skip_descriptor_header(data: bytearray, pos: int) -> int:
    """Position after an MPEG-4 descriptor's tag and variable-length size."""
    pos += 1
    while data[pos] & 0x80:
        pos += 1
    return pos + 1


def set_handler(data: bytes, handler: bytes) -> bytes:
    """Relabel the video track's handler (e.g. b"soun"): the file then holds no video track."""
    boxes = parse(data)
    hdlr = _video_trak(_top(boxes, b"moov")).find(b"mdia", b"hdlr")
    hdlr.payload = hdlr.payload[:8] + handler + hdlr.payload[12:]
    return b"".join(b.encode() for b in boxes)
