"""The watcher: keeps a library's index in step with its folders while something runs.

`observers` only enqueue into the `inbox`; `settle` waits for quiet and finished writes; `supervisor`
keeps one observer per root alive (or polls, or marks the root offline) through `roots`; `watcher` runs
the loop that hands settled batches to the indexer. `types` holds the vocabulary they share.
"""

from engine.indexing.watch.roots import RootState
from engine.indexing.watch.watcher import LibraryWatcher, WatchStats

__all__ = ["LibraryWatcher", "RootState", "WatchStats"]
