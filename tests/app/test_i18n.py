"""Chinese UI: the language follows the system (or the setting); the main window shows no English words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTreeWidget,
    QWidget,
)

from app.i18n import engine_messages
from app.i18n.engine_messages import engine_sentence
from app.i18n.loader import compiled_catalogue, install_translators, ui_language
from app.main_window import MainWindow
from app.settings import AppSettings
from app.views.settings_dialog import SettingsDialog
from engine.indexing import Indexer
from engine.store import LibraryStore
from tests.app.videos import SCENES, write_broken, write_scenes

WAIT_MS = 60_000
ENGINE = Path(__file__).resolve().parents[2] / "engine"
#: What may stay Latin in a Chinese window: the product, file and folder names, and key names.
ALLOWED = {"Glimpse", "Ctrl", "mp", "videos", *SCENES}  # "mp" of .mp4: digits end a word
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


@pytest.fixture
def chinese(qapp, monkeypatch):
    """The system says zh_CN; translators installed as the app does at start; English again afterwards."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert install_translators("") == "zh_CN"
    yield
    assert install_translators("en") == "en"


def test_language_follows_the_system_unless_set(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ui_language("") == "zh_CN" and ui_language("en") == "en"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert ui_language("") == "en" and ui_language("zh_CN") == "zh_CN"
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    assert ui_language("") == "zh_CN"  # the one Chinese catalogue, rather than English


def test_catalogue_is_built_once_and_rebuilt_when_the_source_changes(tmp_path):
    first = compiled_catalogue("zh_CN", tmp_path)
    assert first is not None and first.stat().st_size > 1000
    assert compiled_catalogue("zh_CN", tmp_path) == first
    assert compiled_catalogue("xx", tmp_path) is None


def test_engine_sentences_are_translated(chinese):
    zh = engine_sentence("The image /tmp/a b.png does not exist.")
    assert zh == "图片 /tmp/a b.png 不存在。"
    assert engine_sentence("a.mp4: not a video (no such file).") == "a.mp4: 不是视频（文件不存在）。"
    assert engine_sentence("not a video (odd bytes).") == "不是视频 (odd bytes)."  # the phrase, at least
    unknown = "Something the catalogue does not know."
    assert engine_sentence(unknown) == unknown


def test_engine_templates_still_match_the_engine():
    """Every fixed piece of every template still occurs in engine/ (a reworded sentence is noticed)."""
    source = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in ENGINE.rglob("*.py"))
    source = source.replace('" "', "")  # implicit concatenation of string literals
    for template in (*engine_messages.TEMPLATES, *engine_messages.REASONS):
        for piece in re.split(r"\{\w+\}", template):
            assert piece.strip() in source, f"engine no longer says: {piece!r}"


def _visible_texts(window: QWidget) -> list[str]:
    texts = [window.windowTitle()]
    if isinstance(window, QMainWindow):
        texts.append(window.statusBar().currentMessage())
    for w in [window, *window.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        texts += [w.toolTip(), w.accessibleName()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        if isinstance(w, QComboBox):
            texts.append(w.currentText())
        if isinstance(w, QTreeWidget):
            texts += [w.headerItem().text(c) for c in range(w.columnCount())]
            items = [w.topLevelItem(i) for i in range(w.topLevelItemCount())]
            texts += [f"{i.text(c)} {i.toolTip(c)}" for i in items for c in range(w.columnCount())]
        elif isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView) and w.model() is not None:
            model = w.model()
            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # Qt's own private models (a combo box's popup) have no Python face
                continue
            for c in range(columns):
                texts.append(str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
            for r in range(model.rowCount(QModelIndex())):
                for c in range(columns):
                    index = model.index(r, c)
                    for role in (
                        Qt.ItemDataRole.DisplayRole,
                        Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.AccessibleTextRole,
                    ):
                        value = index.data(role)
                        texts.append(value if isinstance(value, str) else "")
    return texts


def _english_words(texts: list[str], paths: list[str]) -> set[str]:
    words: set[str] = set()
    for text in texts:
        for path in paths:  # paths and file names, however they spell
            text = text.replace(path, "").replace(Path(path).name, "")
        words |= {w for w in WORD.findall(text) if w not in ALLOWED}
    return words


def test_main_window_in_chinese_shows_no_english(qtbot, tmp_path, chinese):
    folder = tmp_path / "videos"
    write_scenes(folder, SCENES, seconds=2.0)
    write_broken(folder / "broken.mp4")
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    settings = AppSettings(model_spec="tiny", device="cpu", watch_folders=False)
    window = MainWindow(settings, db, playback=False, index_on_start=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.library_ctl.snapshot_loaded, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.library_panel.failures.topLevelItemCount() == 1, timeout=WAIT_MS)
    window.search_ctl.search("red")
    qtbot.waitUntil(lambda: window.search_ctl.last_outcome is not None, timeout=WAIT_MS)
    assert window.search_ctl.last_error is None and window.results_model.rowCount() > 0
    QApplication.processEvents()
    texts = _visible_texts(window)
    paths = sorted({str(p) for p in folder.rglob("*")} | {str(folder)}, key=len, reverse=True)
    leftover = _english_words(texts, paths)
    assert leftover == set(), " | ".join(t for t in texts if any(w in t for w in leftover))
    assert any("搜索" in t for t in texts) and any("媒体库" in t for t in texts)

    dialogs = [SettingsDialog(settings, "tiny", window), window.export_result(0)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        words = _english_words(_visible_texts(dialog), paths + [window.results_model.item(0).result.path])
        # data and identifiers, not UI words: the model spec, open_clip, file extensions, a device name
        assert words - {"tiny", "open", "clip", "bin", "pt", "pth", "cpu"} == set(), (
            type(dialog).__name__,
            words,
        )
        dialog.close()
