"""Widgets offscreen with qtbot: search, timeline, library, indexing strip, banner, settings, preview."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QWidget

from app.library_snapshot import FolderSummary, LibrarySnapshot
from app.models.library_model import LibraryModel
from app.models.results_model import ResultItem, ResultsModel
from app.operations import decode_thumbs
from app.settings import AppSettings
from app.views.indexing_status import IndexingStatus, progress_text
from app.views.library_panel import LibraryPanel
from app.views.model_banner import BannerState, ModelBanner
from app.views.preview import PreviewPane
from app.views.results_view import ResultsView
from app.views.search_bar import SearchBar
from app.views.settings_dialog import ModelChoice, SettingsDialog
from app.views.timeline import ClipTimeline
from engine.indexing.progress import IndexProgress, Phase


def test_search_bar_submits_on_enter_and_ignores_blank(qtbot):
    bar = SearchBar()
    qtbot.addWidget(bar)
    seen: list[str] = []
    bar.submitted.connect(seen.append)
    qtbot.keyClicks(bar.field, "   ")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert seen == []
    bar.field.clear()
    qtbot.keyClicks(bar.field, "red car at night")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert seen == ["red car at night"]
    with qtbot.waitSignal(bar.field.move_to_results, timeout=1000):
        qtbot.keyClick(bar.field, Qt.Key.Key_Down)


def test_timeline_marks_the_clip_and_seeks(qtbot):
    tl = ClipTimeline()
    qtbot.addWidget(tl)
    tl.resize(412, 22)
    tl.set_clip(100.0, 25.0, 50.0)
    assert tl.position == 25.0
    assert tl.x_for(25.0) == 6 + 400 * 0.25
    assert tl.x_for(200.0) == 406  # clamped to the end
    with qtbot.waitSignal(tl.seek_requested, timeout=1000) as sig:
        qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(206, 11))
    assert abs(sig.args[0] - 50.0) < 0.5
    tl.show()
    image = tl.grab().toImage()
    clip_x = round(tl.x_for(37.5))
    outside_x = round(tl.x_for(80.0))
    accent = tl.palette().color(tl.palette().ColorRole.Highlight)
    assert image.pixelColor(clip_x, 11) == accent
    assert image.pixelColor(outside_x, 11) != accent
    # The best moment is a tick across the range; Home seeks to it.
    tl.set_clip(100.0, 25.0, 50.0, best_t=45.0)
    image = tl.grab().toImage()
    tick = tl.palette().color(tl.palette().ColorRole.HighlightedText)
    assert image.pixelColor(round(tl.x_for(45.0)), 11) == tick
    assert image.pixelColor(round(tl.x_for(37.5)), 11) == accent
    assert "00:45" in tl.toolTip()
    with qtbot.waitSignal(tl.seek_requested, timeout=1000) as sig:
        qtbot.keyClick(tl, Qt.Key.Key_Home)
    assert sig.args == [45.0]
    tl.set_clip(100.0, 25.0, 50.0, best_t=70.0)
    assert tl.best_t == 50.0  # clamped to the range


def test_library_panel_shows_folders_and_failures(qtbot):
    panel = LibraryPanel(LibraryModel())
    qtbot.addWidget(panel)
    snapshot = LibrarySnapshot(
        exists=True,
        folders=[FolderSummary(1, "/videos/a", indexed=3, failed=1)],
        failures=[("/videos/a/broken.mp4", "file is truncated or corrupt")],
    )
    panel.show_snapshot(snapshot)
    assert panel.failures.topLevelItemCount() == 1
    item = panel.failures.topLevelItem(0)
    assert (item.text(0), item.text(1)) == ("broken.mp4", "file is truncated or corrupt")
    assert item.toolTip(0) == "/videos/a/broken.mp4"
    assert panel.failures_label.text() == "1 failed file"
    assert panel.retry_button.isEnabled()
    assert not panel.remove_button.isEnabled()
    panel.table.selectRow(0)
    assert panel.remove_button.isEnabled()
    with qtbot.waitSignal(panel.remove_requested, timeout=1000) as sig:
        panel.remove_button.click()
    assert sig.args[0].path == "/videos/a"
    with qtbot.waitSignal(panel.retry_requested, timeout=1000):
        panel.retry_button.click()
    panel.show_snapshot(LibrarySnapshot(exists=True, folders=snapshot.folders))
    assert not panel.retry_button.isEnabled() and panel.failures.topLevelItemCount() == 0
    assert panel.features_label.isHidden()
    # A library indexed before frame features were kept says how many videos lack them.
    panel.show_snapshot(LibrarySnapshot(exists=True, folders=snapshot.folders, lacking_features=2))
    assert not panel.features_label.isHidden() and panel.features_label.text().startswith("2 video")


def test_indexing_status_text_bar_and_pause(qtbot):
    strip = IndexingStatus()
    qtbot.addWidget(strip)
    p = IndexProgress(
        Phase.INDEXING,
        videos_done=3,
        videos_total=10,
        frames_per_s=42.4,
        eta_s=125,
        current_file="/v/holiday.mp4",
    )
    strip.show_progress(p)
    assert strip.bar.value() == 3 and strip.bar.maximum() == 10
    assert strip.label.text() == "Indexing 3 of 10 videos \u00b7 42 frames/s \u00b7 about 2 min left"
    assert strip.file_label.text() == "holiday.mp4"
    # A long file name is elided, not a minimum width that grows the window.
    narrow = strip.minimumSizeHint().width()
    long_name = "camera_file_name_without_any_spaces_" * 8 + ".mp4"
    strip.show_progress(replace(p, current_file=f"/v/{long_name}"))
    assert strip.file_label.text() == long_name and strip.file_label.toolTip() == f"/v/{long_name}"
    assert strip.minimumSizeHint().width() == narrow
    strip.set_busy(True)
    with qtbot.waitSignal(strip.pause_requested, timeout=1000):
        strip.pause_button.click()
    assert strip.paused
    with qtbot.waitSignal(strip.resume_requested, timeout=1000):
        strip.pause_button.click()
    assert (
        progress_text(IndexProgress(Phase.DONE, 10, 10, videos_failed=2))
        == "Indexed 10 of 10 videos, 2 failed"
    )


def test_opening_the_window_does_not_import_torch():
    code = "import sys, app.main_window; print('torch' in sys.modules, 'open_clip' in sys.modules)"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.stdout.strip() == "False False", out.stderr


def test_banner_states(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    banner = ModelBanner(host)
    host.show()
    assert banner.state == BannerState.HIDDEN and not banner.isVisible()
    banner.show_loading("ViT-B-32-quickgelu:openai")
    assert banner.isVisible() and banner.busy.isVisible() and not banner.choose_button.isVisible()
    banner.show_loading("ViT-B-32-quickgelu:openai", downloaded=151_000_000)
    assert "151 MB so far" in banner.text.text()
    banner.show_failed("The weights are not on this computer.")
    assert banner.choose_button.isVisible() and not banner.busy.isVisible()
    with qtbot.waitSignal(banner.choose_checkpoint, timeout=1000):
        banner.choose_button.click()


def test_banner_and_indexing_strip_paint_their_style(qtbot):
    from PySide6.QtGui import QGuiApplication, QPalette

    from app.style import _mix, stylesheet

    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(stylesheet(QGuiApplication.palette()))
    banner = ModelBanner(host)
    strip = IndexingStatus(host)
    banner.show_failed("The weights are not on this computer.")
    strip.show_progress(IndexProgress(Phase.INDEXING, videos_done=1, videos_total=4))
    banner.setGeometry(0, 0, 600, 60)
    strip.setGeometry(0, 100, 600, 40)
    host.resize(600, 140)
    host.show()
    pal = QGuiApplication.palette()
    text, window = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
    tint = _mix(window, pal.color(QPalette.ColorRole.Highlight), 0.12)
    assert tint != window
    # The banner's tinted background (a corner inside its margins) and the strip's top rule.
    assert banner.grab().toImage().pixelColor(3, 3).name() == tint.name()
    assert strip.grab().toImage().pixelColor(300, 0).name() == _mix(text, window, 0.78).name()


def test_banner_icon_follows_a_palette_change(qtbot):
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    banner = ModelBanner()
    qtbot.addWidget(banner)
    banner.show_failed("The weights are not on this computer.")
    banner.show()

    def ink() -> set[str]:
        img = banner.icon_label.pixmap().toImage()
        return {
            img.pixelColor(x, y).name()
            for x in range(img.width())
            for y in range(img.height())
            if img.pixelColor(x, y).alpha() > 250
        }

    old = QGuiApplication.palette()
    try:
        for text in ("#000000", "#ffffff"):  # a light theme, then a dark one
            pal = QPalette(old)
            pal.setColor(QPalette.ColorRole.ButtonText, QColor(text))
            QGuiApplication.setPalette(pal)
            qtbot.waitUntil(lambda text=text: ink() == {text}, timeout=2000)
    finally:
        QGuiApplication.setPalette(old)


def test_settings_dialog_edits_a_copy(qtbot):
    original = AppSettings(model_spec="tiny")
    dialog = SettingsDialog(original, library_spec="tiny")
    qtbot.addWidget(dialog)
    assert dialog.model_combo.currentIndex() == ModelChoice.OTHER
    dialog.model_combo.setCurrentIndex(ModelChoice.CHECKPOINT)
    assert dialog.checkpoint_edit.isEnabled() and not dialog.other_edit.isEnabled()
    dialog.checkpoint_edit.setText("/models/teachclip.bin")
    dialog.device_combo.setCurrentText("cpu")
    dialog.fps_spin.setValue(2.0)
    dialog.clip_spin.setValue(8.0)
    new = dialog.result_settings()
    assert (new.model_spec, new.device, new.sample_fps, new.clip_seconds) == (
        "/models/teachclip.bin",
        "cpu",
        2.0,
        8.0,
    )
    assert new.max_frames == 16
    assert original.model_spec == "tiny" and original.device == "auto"
    dialog.model_combo.setCurrentIndex(ModelChoice.ZERO_SHOT)
    assert dialog.model_spec() == "ViT-B-32-quickgelu:openai"


def test_results_view_keys_and_menu(qtbot, result_factory):
    model = ResultsModel()
    items = [ResultItem(result_factory([0.2, 0.8], start=10.0 * i, end=10.0 * i + 5), []) for i in range(3)]
    model.set_items(items)
    view = ResultsView(model)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    rows: list[int] = []
    view.current_result.connect(rows.append)
    view.select_row(0)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1 and rows[-1] == 1
    with qtbot.waitSignal(view.activated_result, timeout=1000) as sig:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert sig.args == [1]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    with qtbot.waitSignal(view.back_to_search, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_Up)
    view.select_row(2)
    with qtbot.waitSignal(view.back_to_search, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    menu = view.build_menu(2)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == [
        "Open in system player",
        "Open containing folder",
        "Copy path with timestamp",
        "Export clip\u2026",
        "More like this",
    ]
    with qtbot.waitSignal(view.more_like_this_requested, timeout=1000) as sig:
        menu.actions()[-1].trigger()
    assert sig.args == [2]


def test_preview_shows_the_top_frame_and_range(qtbot, result_factory):
    pane = PreviewPane(playback=False)
    qtbot.addWidget(pane)
    r = result_factory([0.1, 0.9, 0.2], start=83.0, end=95.0, relevance=[0.1, 0.2, 0.3])
    pane.show_item(ResultItem(r, decode_thumbs([f.thumb for f in r.frames])))
    assert pane.title.text() == "beach.mp4"
    assert pane.subtitle.text() == "best moment 01:25 · 01:23\u201301:35 of 05:00"
    assert pane.timeline.best_t == 85.0
    assert pane.folder.text() == "/videos/trip"  # on its own line, elided when long
    assert (pane.timeline.clip_start, pane.timeline.clip_end, pane.timeline.duration) == (83.0, 95.0, 300.0)
    assert pane.open_button.isEnabled() and not pane.has_player
    assert not pane.poster.pixmap().isNull()
    pane.show_item(None)
    assert not pane.open_button.isEnabled() and pane.poster.pixmap().isNull()


def test_icons_follow_the_palette_and_scale(qapp):
    from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

    from app.icons import icon

    search = icon("search")
    old = QGuiApplication.palette()
    try:
        for text in ("#000000", "#ffffff"):  # a light theme, then a dark one
            pal = QPalette(old)
            pal.setColor(QPalette.ColorRole.ButtonText, QColor(text))
            QGuiApplication.setPalette(pal)
            img = search.pixmap(QSize(32, 32), 2.0).toImage()
            assert img.width() == 64  # drawn at the device size for 200%
            inked = [
                img.pixelColor(x, y)
                for x in range(64)
                for y in range(64)
                if img.pixelColor(x, y).alpha() > 250
            ]
            assert inked and all(c.name() == text for c in inked)
        disabled = search.pixmap(QSize(24, 24), QIcon.Mode.Disabled).toImage()
        dis_color = QGuiApplication.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText
        )
        solid = [
            disabled.pixelColor(x, y)
            for x in range(24)
            for y in range(24)
            if disabled.pixelColor(x, y).alpha() > 250
        ]
        assert solid and all(c.name() == dis_color.name() for c in solid)
    finally:
        QGuiApplication.setPalette(old)


def test_primary_button_icon_reads_on_the_accent(qtbot):
    from PySide6.QtGui import QGuiApplication, QPalette

    from app.views.welcome import WelcomePage

    page = WelcomePage()
    qtbot.addWidget(page)
    img = page.add_button.icon().pixmap(QSize(24, 24)).toImage()
    want = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText).name()
    inked = [img.pixelColor(x, y) for x in range(24) for y in range(24) if img.pixelColor(x, y).alpha() > 250]
    assert inked and all(c.name() == want for c in inked)


def test_every_icon_renders(qapp):
    from app.icons import icon_names, render_icon

    names = icon_names()
    assert {"search", "folder-add", "pause", "play", "settings", "retry", "glimpse"} <= set(names)
    for name in names:
        img = render_icon(name, 32)
        painted = sum(img.pixelColor(x, y).alpha() > 0 for x in range(32) for y in range(32))
        assert painted > 20, name


def test_download_progress_is_reported_while_weights_arrive(tmp_path):
    import threading
    import time

    from app.operations import _watch_download, weights_bytes
    from engine import config

    cache = config.cache_dir() / "open_clip" / "models--x" / "blobs"
    cache.mkdir(parents=True)
    (cache / "old.bin").write_bytes(b"x" * 1000)  # already there before the load: not counted
    seen: list[object] = []
    done = threading.Event()
    watcher = threading.Thread(target=_watch_download, args=(done, seen.append, weights_bytes()))
    watcher.start()
    try:
        partial = cache / "weights.incomplete"
        for _ in range(3):
            with partial.open("ab") as f:
                f.write(b"y" * 250_000)
            deadline = time.monotonic() + 10
            before = len(seen)
            while len(seen) == before and time.monotonic() < deadline:
                done.wait(0.05)
    finally:
        done.set()
        watcher.join(5)
    assert seen and seen[-1] == 750_000
    assert seen == sorted(seen)
    assert weights_bytes() == 751_000
