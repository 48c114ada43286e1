"""Why a file FFmpeg cannot open is unreadable: not a video, no video stream, unsupported codec or damaged.

FFmpeg's errors ("Invalid data found when processing input") do not tell the user why; they deserve
the reason. A few header bytes and, for MP4/MOV and
AVI, a light walk over the container's boxes tell the cases apart without decoding anything.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from engine.errors import (
    CorruptVideoError,
    NotAVideoError,
    NoVideoStreamError,
    UnsupportedCodecError,
    VideoError,
)

_HEAD_BYTES = 4096
#: Read at most this much of a container's header structures (an MP4 moov of a long video is a few MB).
_MAX_INDEX_BYTES = 64 * 1024 * 1024

_MP4_TOP_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _audio_only_kind(head: bytes) -> str | None:
    """The audio-only format the header bytes show, if any."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "WAV audio"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3 audio"
    if head[:4] == b"fLaC":
        return "FLAC audio"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF audio"
    if head[:4] == b"OggS" and b"theora" not in head and b"\x80theora" not in head:
        return "Ogg audio"
    return None


def _container_kind(head: bytes) -> str | None:
    """The video container the header bytes show, if any."""
    if len(head) >= 8 and head[4:8] in _MP4_TOP_BOXES:
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "asf"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "mpeg"
    if head[:1] == b"\x47" and len(head) > 376 and head[188] == 0x47 and head[376] == 0x47:
        return "mpeg-ts"
    if len(head) > 196 and head[4] == 0x47 and head[196] == 0x47:  # M2TS: 4-byte timecode per packet
        return "mpeg-ts"
    if head[:4] == b"OggS":
        return "ogg"
    return None


def _head(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(_HEAD_BYTES)
    except OSError:
        return b""


def audio_only_kind(path: str | os.PathLike[str]) -> str | None:
    """The audio-only format ("WAV audio", ...) a file's first bytes show, if any."""
    return _audio_only_kind(_head(path))


def codec_tag(path: str | os.PathLike[str]) -> str | None:
    """The video codec tag (FourCC, lower case) an MP4/MOV or AVI file's header names, if it can be read."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            kind = _container_kind(f.read(_HEAD_BYTES))
            if kind == "mp4":
                moov = _mp4_find_moov(f, size)
                video = [c for h, c in _mp4_tracks(moov or b"") if h == b"vide"]
                return _printable(video[0]) if video else None
            if kind == "avi":
                f.seek(0)
                codec = _avi_video_codec(f.read(min(size, 1024 * 1024)))
                return _printable(codec) if codec else None
    except OSError:
        return None
    return None


def container_kind(path: str | os.PathLike[str]) -> str | None:
    """The container format a file's first bytes show ("mp4", "avi", "matroska", "mpeg-ts", ...), or None."""
    try:
        with open(path, "rb") as f:
            return _container_kind(f.read(_HEAD_BYTES))
    except OSError:
        return None


def _mp4_boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in data[start:end]; stops at a malformed box."""
    boxes = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        boxes.append((kind, pos + header, min(end, pos + size)))
        pos += size
    return boxes


def _mp4_find_moov(f: BinaryIO, file_size: int) -> bytes | None:
    """The moov box payload of an MP4/MOV file, or None when the file has none (e.g. cut off before it)."""
    pos = 0
    while pos + 8 <= file_size:
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header[:8])
        hlen = 8
        if size == 1 and len(header) == 16:
            size, hlen = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:
            size = file_size - pos
        if size < hlen:
            return None
        if kind == b"moov":
            if pos + size > file_size or size > _MAX_INDEX_BYTES:
                return None
            f.seek(pos + hlen)
            return f.read(size - hlen)
        pos += size
    return None


def _mp4_tracks(moov: bytes) -> list[tuple[bytes, bytes]]:
    """(handler type, first sample-entry fourcc) of each track in a moov payload."""
    tracks = []
    for kind, s, e in _mp4_boxes(moov, 0, len(moov)):
        if kind != b"trak":
            continue
        handler, codec = b"", b""
        stack = [(s, e)]
        while stack:
            bs, be = stack.pop()
            for k, ps, pe in _mp4_boxes(moov, bs, be):
                if k in _MP4_CONTAINERS:
                    stack.append((ps, pe))
                elif k == b"hdlr" and pe - ps >= 12:
                    handler = moov[ps + 8 : ps + 12]
                elif k == b"stsd" and pe - ps >= 16:
                    codec = moov[ps + 12 : ps + 16]
        tracks.append((handler, codec))
    return tracks


def _avi_video_codec(data: bytes) -> bytes | None:
    """The fccHandler of the first video stream header ('strh' with 'vids') in an AVI header, or None."""
    pos = data.find(b"strh")
    while pos != -1 and pos + 16 <= len(data):
        if data[pos + 8 : pos + 12] == b"vids":
            return data[pos + 12 : pos + 16]
        pos = data.find(b"strh", pos + 4)
    return None


def _printable(code: bytes) -> str:
    return code.decode("latin-1").strip().lower() or "unknown"


def classify_unopenable(path: str | os.PathLike[str]) -> VideoError:
    """The typed error for a file the decoder refused to open, with a human reason.

    Args:
        path: the file FFmpeg could not open.

    Returns:
        The error to raise (never raises itself, except for OS errors reading the file).
    """
    p = str(path)
    name = Path(p).name
    try:
        file_size = os.path.getsize(p)
    except OSError as err:
        return NotAVideoError(f"{name}: cannot be read ({err.strerror or err}).", path=p)
    if file_size == 0:
        return NotAVideoError(f"{name}: not a video (the file is empty).", path=p)
    try:
        with open(p, "rb") as f:
            head = f.read(_HEAD_BYTES)
            audio = _audio_only_kind(head)
            if audio:
                return NoVideoStreamError(f"{name}: no video stream (the file holds {audio}).", path=p)
            kind = _container_kind(head)
            if kind is None:
                return NotAVideoError(
                    f"{name}: not a video (the contents are not a known video format).", path=p
                )
            if kind == "mp4":
                return _classify_mp4(f, file_size, name, p)
            if kind == "avi":
                riff_end = 8 + struct.unpack("<I", head[4:8])[0]
                if riff_end > file_size:  # cut off, whatever its codec: saying "unsupported" would mislead
                    return CorruptVideoError(
                        f"{name}: file is truncated or corrupt (it ends at byte {file_size} of {riff_end}).",
                        path=p,
                    )
                f.seek(0)
                codec = _avi_video_codec(f.read(min(file_size, 1024 * 1024)))
                if codec is None:
                    return NoVideoStreamError(f"{name}: no video stream in this AVI file.", path=p)
                return _unsupported(name, _printable(codec), p)
    except OSError as err:
        return CorruptVideoError(f"{name}: file is truncated or corrupt ({err.strerror or err}).", path=p)
    return CorruptVideoError(
        f"{name}: file is truncated or corrupt (a {kind} file that cannot be opened).", path=p
    )


def _classify_mp4(f: BinaryIO, file_size: int, name: str, p: str) -> VideoError:
    """Classify an MP4/MOV file the decoder refused."""
    moov = _mp4_find_moov(f, file_size)
    if moov is None:
        return CorruptVideoError(
            f"{name}: file is truncated or corrupt (its index, the 'moov' box, is missing).", path=p
        )
    tracks = _mp4_tracks(moov)
    video = [codec for handler, codec in tracks if handler == b"vide"]
    if not video:
        return NoVideoStreamError(f"{name}: no video stream (the file has only non-video tracks).", path=p)
    return _unsupported(name, _printable(video[0]), p)


def _unsupported(name: str, tag: str, p: str) -> UnsupportedCodecError:
    return unsupported_codec(p, tag)


#: Codec tags FFmpeg may know but this build cannot decode, by their human names.
_TAG_NAMES = {
    "aprn": "ProRes RAW",
    "aprh": "ProRes RAW",
    "brst": "Blackmagic RAW",
    "r3d": "REDCODE RAW",
}


def unsupported_codec(path: str, tag: str | None) -> UnsupportedCodecError:
    """The error for a video stream this build has no decoder for, naming the codec (never "corrupt")."""
    label = _TAG_NAMES.get(tag or "", f"'{tag}'" if tag else "file's")
    return UnsupportedCodecError(
        f"{Path(path).name}: unsupported codec: the {label} codec is not supported by this build of Glimpse.",
        path=path,
    )
