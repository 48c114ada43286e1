"""A small exception hierarchy: every engine error carries one human sentence.

The CLI and GUI show `str(err)`; logs keep the detail (the chained cause).
"""

from __future__ import annotations


class GlimpseError(Exception):
    """Base of every error the engine raises on purpose. `str()` is a sentence for a person."""


# --- model -------------------------------------------------------------------------------------
class ModelError(GlimpseError):
    """The model could not be built or loaded."""


class WeightsUnavailableError(ModelError):
    """Pretrained weights are neither cached nor downloadable."""


class CheckpointError(ModelError):
    """A checkpoint file is unreadable, unsafe (pickled code) or of an unknown layout."""


# --- video -------------------------------------------------------------------------------------
class VideoError(GlimpseError):
    """A video could not be read. `reason` is a short phrase stored with the failed file."""

    reason = "unreadable video"

    def __init__(self, message: str | None = None, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message or self.reason)


class NotAVideoError(VideoError):
    reason = "not a video"


class NoVideoStreamError(VideoError):
    reason = "no video stream"


class CorruptVideoError(VideoError):
    reason = "file is truncated or corrupt"


class UnsupportedCodecError(VideoError):
    reason = "unsupported codec"


class DecodeTimeoutError(VideoError):
    reason = "timed out"


class DecoderCrashedError(VideoError):
    reason = "the decoder crashed"


# --- store -------------------------------------------------------------------------------------
class StoreError(GlimpseError):
    """The library database cannot be used as asked."""


class DatabaseLockedError(StoreError):
    """Another program holds the database lock for too long."""


class DatabaseCorruptError(StoreError):
    """The database file is damaged or not a database."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer Glimpse."""


class ModelMismatchError(StoreError):
    """The library was indexed with another model: search would mix vectors of two models."""


class VideoNotInLibraryError(StoreError):
    """A video's row is gone (its folder was removed meanwhile): there is nothing to save it to."""


# --- search ------------------------------------------------------------------------------------
class QueryError(GlimpseError):
    """A search query cannot be answered as given (blank, unreadable image, unknown clip)."""


# --- indexing ----------------------------------------------------------------------------------
class IndexingError(GlimpseError):
    """The indexer cannot run (no folders, offline root, cancelled)."""


# --- export ------------------------------------------------------------------------------------
class ExportError(GlimpseError):
    """A clip could not be written (damaged source, bad range, full disk); nothing half-written is left."""
