"""A terminal progress bar (tqdm on stderr) fed by the indexer's progress events."""

from __future__ import annotations

import sys

from tqdm import tqdm

from engine.indexing.progress import IndexProgress, Phase


class ProgressBar:
    """Videos done/total with throughput and ETA; silent when disabled or not on a terminal."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: tqdm | None = None
        self._last_message = ""

    def update(self, p: IndexProgress) -> None:
        if not self.enabled or p.phase == Phase.SCANNING:
            return
        if self._bar is None:
            self._bar = tqdm(total=p.videos_total, unit="video", file=sys.stderr, dynamic_ncols=True)
        bar = self._bar
        bar.total = p.videos_total
        bar.n = p.videos_done
        bar.set_postfix_str(f"{p.frames_per_s:.1f} frames/s, {p.video_s_per_s:.1f} s video/s", refresh=False)
        if p.message and p.message != self._last_message and p.message.startswith("failed"):
            bar.write(p.message, file=sys.stderr)
        self._last_message = p.message
        bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
