"""Typed errors of the training area, each carrying one human sentence."""

from __future__ import annotations

from engine.errors import GlimpseError


class TrainingError(GlimpseError):
    """Training or evaluation cannot run as asked."""


class DatasetError(TrainingError):
    """A captioned data set is missing, empty or malformed."""


class TeacherFileError(TrainingError):
    """A file of precomputed teacher outputs is unreadable or does not match the data set."""
