"""Indexing: scan the disk, decode ▶ encode ▶ commit, watch folders."""

from engine.indexing.indexer import Indexer, IndexSummary
from engine.indexing.progress import IndexProgress, Phase

__all__ = ["Indexer", "IndexSummary", "IndexProgress", "Phase"]
