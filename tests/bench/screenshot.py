"""Render the main window with real results offscreen to docs/screenshot.png.

Builds a small library from generated videos with the real Indexer and the `tiny` model, runs a
search through the window, and grabs it. Usage (from the repository root):

    .venv/bin/python tests/bench/screenshot.py [--out docs/screenshot.png] [--scale 2] [--dark]
    .venv/bin/python tests/bench/screenshot.py --language zh_CN --query 海边日落 \
        --out docs/screenshot_zh_CN.png
    .venv/bin/python tests/bench/screenshot.py [--zero-shot] \
        [--image-from "Holidays 2024/sunset_beach.mp4@17"]

--zero-shot indexes with `tiny` without its head (a zero-shot model, as every downloadable model is),
so the cards show query-relevance highlights only; --image-from searches with the video's own frame at
that second (a picture of a moment) instead of the text query.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

# name -> list of (sky top, sky bottom, ground, sun) segments of 12 s each (a shot cut between them)
VIDEOS: dict[str, list[tuple[tuple[int, int, int], ...]]] = {
    "Holidays 2024/sunset_beach.mp4": [
        ((250, 140, 60), (250, 210, 120), (40, 90, 160), (255, 240, 200)),
        ((60, 110, 200), (150, 190, 240), (230, 210, 160), (255, 255, 230)),
    ],
    "Holidays 2024/mountain_hike.mp4": [
        ((90, 150, 230), (200, 225, 250), (70, 120, 60), (255, 255, 240)),
        ((120, 160, 210), (220, 230, 240), (240, 240, 245), (255, 255, 255)),
    ],
    "Family/birthday_party.mp4": [
        ((60, 40, 70), (120, 80, 90), (150, 100, 60), (255, 200, 90)),
        ((70, 50, 80), (160, 110, 100), (180, 120, 80), (255, 220, 140)),
    ],
    "Family/garden_picnic.mp4": [
        ((120, 180, 240), (210, 235, 250), (80, 160, 70), (255, 250, 220)),
    ],
    "Family/city_at_night.mp4": [
        ((10, 15, 40), (40, 40, 90), (30, 30, 40), (250, 220, 120)),
        ((20, 20, 50), (70, 50, 100), (45, 40, 55), (255, 120, 200)),
    ],
}
SEGMENT_S = 12.0
FPS = 6
SIZE = (192, 108)


def _frame(seg: tuple[tuple[int, int, int], ...], t: float) -> np.ndarray:
    sky_top, sky_bottom, ground, sun = seg
    w, h = SIZE
    horizon = int(h * 0.62)
    ramp = np.linspace(0, 1, horizon, dtype=np.float32)[:, None, None]
    sky = np.array(sky_top, np.float32) * (1 - ramp) + np.array(sky_bottom, np.float32) * ramp
    img = np.zeros((h, w, 3), np.float32)
    img[:horizon] = sky
    img[horizon:] = np.array(ground, np.float32)
    img = img.astype(np.uint8)
    x = int(w * (0.2 + 0.6 * (t % SEGMENT_S) / SEGMENT_S))
    y = int(horizon * (0.75 - 0.35 * np.sin(np.pi * (t % SEGMENT_S) / SEGMENT_S)))
    cv2.circle(img, (x, y), h // 9, sun, -1, lineType=cv2.LINE_AA)
    for k in range(4):  # a few hills or buildings that drift
        cx = int((k * w / 3 + t * 4) % (w + 40)) - 20
        cv2.ellipse(
            img, (cx, horizon), (w // 6, h // 8), 0, 180, 360, tuple(int(c * 0.8) for c in ground), -1
        )
    return img


def zero_shot_tiny(home: Path) -> str:
    """`tiny` without its head, saved as a model folder: a zero-shot model (mean pooling)."""
    from engine.model import load_model

    model = load_model("tiny", device="cpu")
    model.head = None
    model.config = model.config.with_head(None)
    model.save(home / "tiny-zero-shot")
    return str(home / "tiny-zero-shot")


def frame_of(path: Path, t: float, out: Path) -> Path:
    """The video's own frame at second t, written as a PNG (the picture a user would search with)."""
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(round(t * FPS)))
    ok, frame = cap.read()
    cap.release()
    if not ok:
        raise SystemExit(f"cannot read second {t} of {path}")
    cv2.imwrite(str(out), frame)
    return out


def build_library(home: Path, model_spec: str = "tiny") -> Path:
    """Write the videos, add their folders and index them with the tiny model; returns the db path."""
    from engine.indexing import Indexer
    from engine.store import LibraryStore

    videos = home / "Videos"
    for rel, segments in VIDEOS.items():
        path = videos / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
        for seg in segments:
            for i in range(int(SEGMENT_S * FPS)):
                writer.write(cv2.cvtColor(_frame(seg, i / FPS), cv2.COLOR_RGB2BGR))
        writer.release()
    (videos / "Family" / "old_camcorder.mov").write_bytes(b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 512)
    db = home / "library.db"
    with LibraryStore.open(db) as store:
        for folder in sorted({(videos / rel).parent for rel in VIDEOS}):
            store.add_folder(str(folder))
    Indexer(db, model_spec=model_spec).run()
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio (2 = a 200%% display)")
    parser.add_argument("--dark", action="store_true", help="use a dark palette")
    parser.add_argument("--query", default="sunset over the sea")
    parser.add_argument("--language", default="en", help='UI language: "en" or "zh_CN" (needs a CJK font)')
    parser.add_argument("--zero-shot", action="store_true", help="index with a zero-shot model (no head)")
    parser.add_argument("--image-from", help='search with a frame of a video: "REL_PATH@SECONDS"')
    args = parser.parse_args()
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    # A fixed, short folder so the paths on the cards read well; rebuilt on every run.
    home = Path(tempfile.gettempdir()) / "glimpse-demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ["GLIMPSE_HOME"] = str(home)
    spec = zero_shot_tiny(home) if args.zero_shot else "tiny"
    db = build_library(home, spec)

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QColor, QPalette

    from app.application import create_application
    from app.main_window import MainWindow
    from app.settings import AppSettings

    app = create_application(["glimpse"])
    app.setStyle("Fusion")
    from app.i18n.loader import install_translators

    install_translators(args.language)
    if args.dark:
        pal = QPalette()
        for role, color in {
            QPalette.ColorRole.Window: "#202124",
            QPalette.ColorRole.WindowText: "#e8eaed",
            QPalette.ColorRole.Base: "#2a2b2e",
            QPalette.ColorRole.AlternateBase: "#303134",
            QPalette.ColorRole.Text: "#e8eaed",
            QPalette.ColorRole.Button: "#303134",
            QPalette.ColorRole.ButtonText: "#e8eaed",
            QPalette.ColorRole.Highlight: "#8ab4f8",
            QPalette.ColorRole.HighlightedText: "#202124",
            QPalette.ColorRole.Mid: "#5f6368",
            QPalette.ColorRole.PlaceholderText: "#9aa0a6",
        }.items():
            pal.setColor(role, QColor(color))
        app.setPalette(pal)
    settings = AppSettings(model_spec=spec, device="cpu", watch_folders=False)
    window = MainWindow(settings, db, playback=False, index_on_start=False)
    window.resize(1280, 800)
    window.show()

    def wait(predicate, timeout_s: float = 120.0) -> None:
        loop_timer = QTimer()
        loop_timer.start(20)
        waited = 0.0
        while not predicate():
            loop = QEventLoop()
            QTimer.singleShot(50, loop.quit)
            loop.exec()
            waited += 0.05
            if waited > timeout_s:
                raise TimeoutError("the window did not get there in time")

    wait(lambda: window.library_ctl.snapshot_loaded and window.model_ctl.model is not None)
    query: object = args.query
    if args.image_from:
        from engine.search import ImageQuery

        rel, _, second = args.image_from.rpartition("@")
        query = ImageQuery(frame_of(home / "Videos" / rel, float(second), home / "query.png"))
    else:
        window.search_bar.field.setText(args.query)
    window.search_ctl.search(query)
    wait(lambda: window.search_ctl.last_outcome is not None or window.search_ctl.last_error is not None)
    if window.search_ctl.last_error is not None:
        raise SystemExit(f"search failed: {window.search_ctl.last_error}")
    window.results_view.select_row(0)
    window.results_view.setFocus()
    wait(lambda: True)
    image = window.grab().toImage()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out)
    print(f"wrote {args.out} ({image.width()}x{image.height()}), {window.results_model.rowCount()} results")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
