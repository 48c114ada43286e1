"""The watcher: keeps a library's index in step with its folders while something runs.

`observers` only enqueue into the `inbox`; `settle` waits for quiet and finished writes; `supervisor`
keeps one observer per root alive (or polls, or marks the root offline) through `roots`, which also
decides, words and records every folder's state; `watcher` runs the loop, and `apply` hands each settled
batch to the indexer. `types` holds the vocabulary they share, `stats` the counters.
"""

from engine.indexing.watch.roots import RootState
from engine.indexing.watch.stats import WatchStats
from engine.indexing.watch.watcher import LibraryWatcher

__all__ = ["LibraryWatcher", "RootState", "WatchStats"]
