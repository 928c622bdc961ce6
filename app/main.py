"""Starting the desktop app: the `QApplication`, the first project and the main window.

`run_app` is what ``netcanvas`` and ``netcanvas gui`` call. It loads the project
(a file, a preset with options, or LeNet-5 on digits by default) *before* opening a
window, so a bad argument fails fast with one clear error. With ``screenshot`` it
renders the window at its default size, saves it as a PNG and returns without
entering the event loop for the user (no dialogs, no saved layout, no recovery).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.files import APPLICATION, ORGANIZATION, settings
from app.main_window import DEFAULT_SIZE, MainWindow
from app.themes import apply_theme
from graph.presets import build_preset_with_settings, split_settings
from graph.project import Project
from graph.project_io import load_project

DEFAULT_PRESET = "lenet5"
SETTLE_MS = 600  # time for debounced views (code, plots) to draw before a screenshot
DATA_WAIT_MS = 30_000  # at most this long for the data's facts before a screenshot


def initial_project(
    project_path: str | Path | None = None, preset: str | None = None, options: dict[str, Any] | None = None
) -> tuple[Project, Path | None]:
    """The project to open first and its path (None when it is not a file yet).

    `options` may mix the preset's options (``depth=50``) and training settings
    (``lr=0.01``), as ``netcanvas new --set`` does; with a project file only training
    settings apply. Without a file or preset the default is LeNet-5 on digits.

    Raises:
        graph.project_io.ProjectFileError: the file is missing or broken.
        graph.params.ParamError: unknown preset, option or setting, or a bad value
            (`graph.presets.PresetError` is one).
    """
    options = dict(options or {})
    if project_path is None:
        return build_preset_with_settings(preset or DEFAULT_PRESET, options), None
    project = load_project(project_path)
    for key, value in split_settings(None, options)[1].items():
        project.set_training(key, value)
    return project, Path(project_path)


def application() -> QApplication:
    """The running `QApplication` (created on first use) with names, icon and theme."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "netcanvas"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("NetCanvas")
    apply_theme(app, str(settings().value("theme", "light")))
    return app


def settle(milliseconds: int) -> None:
    """Run the event loop for a while (layouts, debounced timers, first paints)."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def take_screenshot(window: MainWindow, path: str | Path) -> bool:
    """Lay the window out at its default size, let it paint, and save it as a PNG (the view a user opens to)."""
    window.resize(*DEFAULT_SIZE)
    window.show()
    settle(SETTLE_MS // 2)
    reader = window.training.settings.data.reader
    for _ in range(DATA_WAIT_MS // SETTLE_MS):  # the Data page's facts, read on a thread, are part of the view
        if not reader.busy:
            break
        settle(SETTLE_MS)
    window.editor.show_start()
    settle(SETTLE_MS // 2)
    return window.grab().save(str(path), "PNG")


def run_app(
    project_path: str | Path | None = None,
    preset: str | None = None,
    options: dict[str, Any] | None = None,
    screenshot: str | Path | None = None,
) -> int:
    """Open NetCanvas and run until the window closes; returns the exit status.

    Raises:
        graph.project_io.ProjectFileError, graph.presets.PresetError: before any window opens.
    """
    project, path = initial_project(project_path, preset, options)
    app = application()
    window = MainWindow(restore_layout=screenshot is None)
    window.load_project(project, path)
    if screenshot is not None:
        saved = take_screenshot(window, screenshot)
        window.autosave.stop()
        window.document.undo_stack.setClean()  # nothing to ask: the screenshot changed nothing
        window.close()
        if not saved:
            print(f"netcanvas: could not write the screenshot {screenshot}", file=sys.stderr)
            return 1
        return 0
    window.show()
    QTimer.singleShot(0, window.offer_recovery)
    return app.exec()
