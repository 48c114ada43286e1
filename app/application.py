"""Starting the app: the QApplication, high-DPI policy, a crash dialog, the main window."""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from engine import __version__
from engine.config import APP_NAME

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (or the existing one), set up for sharp rendering at fractional scales."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Pass fractional scale factors through (150% stays 150%): text and SVG icons are drawn at the real scale.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("glimpse")
    return app


def _crash_dialog(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.critical("unexpected error", exc_info=(kind, exc, tb))
    if QApplication.instance() is None:
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        QCoreApplication.translate("Application", "Glimpse hit a bug"),
        QCoreApplication.translate(
            "Application",
            "Something went wrong that Glimpse did not expect: {error}\n\n"
            "Your library is safe; the details below help to fix it.",
        ).format(error=exc),
    )
    box.setDetailedText("".join(traceback.format_exception(kind, exc, tb)))
    box.exec()


def run(
    db: Path | None = None,
    argv: list[str] | None = None,
    *,
    model_spec: str | None = None,
    device: str | None = None,
) -> int:
    """Open the main window and run the event loop; returns the exit code.

    Args:
        db: the library database (default: engine.config.db_path()).
        argv: Qt's command line (default: the program name only).
        model_spec: the model for a new library, for this session (the CLI's --model).
        device: the torch device for this session (the CLI's --device).

    Returns:
        The event loop's exit code.

    Raises:
        DisplayUnavailableError: no display, or Qt's platform plugin lacks a system library.
    """
    from app.i18n.loader import install_translators
    from app.main_window import MainWindow
    from app.platform_check import DisplayUnavailableError, platform_problem
    from app.settings import AppSettings

    problem = platform_problem() if QApplication.instance() is None else None
    if problem is not None:  # Qt would abort the process with a generic message: say what is missing
        raise DisplayUnavailableError(problem.sentence)
    app = create_application(argv)
    sys.excepthook = _crash_dialog
    settings = AppSettings.load()
    install_translators(settings.language)
    if model_spec:
        settings.model_spec = model_spec
    if device:
        settings.device = device
    window = MainWindow(settings, db)
    window.show()
    # Ctrl+C in the terminal closes the window cleanly: Python only sees signals between bytecodes,
    # so a timer wakes the interpreter a few times a second while Qt's loop runs.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)
    return app.exec()
