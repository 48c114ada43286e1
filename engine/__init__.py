"""Glimpse engine: the product without a face (model, video, store, indexing, search, training, CLI).

Never imports Qt.
"""

__version__ = "0.1.0"
