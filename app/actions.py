"""The main window's menus and tool bar: every `QAction`, its shortcut and tooltip.

`build_actions(window)` creates the actions and wires them to the window's
methods; it holds no state of its own. Keeping this apart keeps
``main_window.py`` about structure and behaviour rather than a list of menu items.

Shortcuts: `key_sequences` is the one place keys are listed, for these actions and
the editor's. It takes all of a standard key's bindings on the running platform
and adds an extra key only where the platform lacks it, so no key is ever bound
twice (Qt fires neither of two actions sharing a key: "Ambiguous shortcut
overload"). The window's actions answer wherever the focus is, a floating dock too
(`Qt.ApplicationShortcut`); the editor's act only on the canvas.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar

from app.themes import THEMES

if TYPE_CHECKING:
    from app.main_window import MainWindow

EXPORTS = (
    ("python", "PyTorch code (.py)…", "The generated nn.Module classes as a Python file."),
    ("script", "Training script (.py)…", "A stand-alone train.py that also runs under torchrun."),
    ("onnx", "ONNX…", "The model as ONNX (a file per network when there are several)."),
    ("torchscript", "TorchScript…", "The model as TorchScript (a file per network when there are several)."),
    ("weights", "Trained weights (.pt)…", "The state_dict of the last training run."),
    (None, None, None),
    ("png", "Diagram as PNG…", "A picture of the canvas."),
    ("svg", "Diagram as SVG…", "A vector picture of the canvas."),
)


def key_sequences(shortcut: QKeySequence.StandardKey | str | None, *extra: str) -> list[QKeySequence]:
    """The keys of `shortcut` on this platform (all of a standard key's bindings), then each of
    `extra` the platform does not already bind to it; never the same key twice."""
    if shortcut is None:
        keys = []
    elif isinstance(shortcut, QKeySequence.StandardKey):
        keys = list(QKeySequence.keyBindings(shortcut))
    else:
        keys = [QKeySequence(shortcut)]
    keys += [QKeySequence(key) for key in extra]
    unique: dict[str, QKeySequence] = {}
    for key in keys:
        if not key.isEmpty():
            unique.setdefault(key.toString(QKeySequence.SequenceFormat.PortableText), key)
    return list(unique.values())


def _set_keys(action: QAction, keys: list[QKeySequence]) -> None:
    action.setShortcuts(keys)
    action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)


def _action(window, text: str, slot, shortcut=None, tip: str = "", icon=None, extra: tuple = ()) -> QAction:
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    _set_keys(action, key_sequences(shortcut, *extra))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(
            f"{text.rstrip('…')} — {tip}" if action.shortcut().isEmpty() else f"{tip} ({action.shortcut().toString()})"
        )
    action.triggered.connect(lambda _checked=False: slot())
    return action


def build_actions(window: MainWindow) -> dict[str, QAction]:
    """Create every action, the menu bar and the tool bar of `window`."""
    sp = QStyle.StandardPixmap
    acts: dict[str, QAction] = {}
    acts["new"] = _action(
        window,
        "&New",
        window.new_project,
        QKeySequence.StandardKey.New,
        "An empty project with one network and an Input.",
        sp.SP_FileIcon,
    )
    acts["new_preset"] = _action(
        window,
        "New from &Preset…",
        window.new_from_preset,
        "Ctrl+Shift+N",
        "Start from a ready-made architecture.",
        sp.SP_FileDialogNewFolder,
    )
    acts["open"] = _action(
        window,
        "&Open…",
        window.open_project,
        QKeySequence.StandardKey.Open,
        "Open a project file.",
        sp.SP_DialogOpenButton,
    )
    acts["import_model"] = _action(
        window,
        "&Import Model…",
        window.import_model,
        tip="Make a new project from PyTorch code (.py) or an ONNX file; importing Python code runs it.",
    )
    acts["save"] = _action(
        window, "&Save", window.save_project, QKeySequence.StandardKey.Save, "Save the project.", sp.SP_DialogSaveButton
    )
    acts["save_as"] = _action(
        window,
        "Save &As…",
        window.save_project_as,
        QKeySequence.StandardKey.SaveAs,
        "Save the project under a new name.",
    )
    # Windows binds no standard key to Quit.
    quit_keys = () if QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) else ("Ctrl+Q",)
    acts["quit"] = _action(
        window, "&Quit", window.close, QKeySequence.StandardKey.Quit, "Close NetCanvas.", extra=quit_keys
    )
    acts["undo"] = window.document.undo_stack.createUndoAction(window, "&Undo")
    _set_keys(acts["undo"], key_sequences(QKeySequence.StandardKey.Undo))
    acts["undo"].setIcon(window.style().standardIcon(sp.SP_ArrowBack))
    acts["redo"] = window.document.undo_stack.createRedoAction(window, "&Redo")
    # X11 binds Redo to Ctrl+Shift+Z only, Windows to Ctrl+Y first: both answer everywhere.
    _set_keys(acts["redo"], key_sequences(QKeySequence.StandardKey.Redo, "Ctrl+Y", "Ctrl+Shift+Z"))
    acts["redo"].setIcon(window.style().standardIcon(sp.SP_ArrowForward))
    acts["fit"] = _action(
        window, "&Fit View", window.fit_view, "Ctrl+0", "Show the whole network.", sp.SP_TitleBarMaxButton
    )
    acts["train"] = _action(
        window,
        "&Train",
        window.start_training,
        "F5",
        "Train the network with the settings of the Training dock.",
        sp.SP_MediaPlay,
    )
    acts["pause"] = _action(
        window,
        "&Pause / Resume",
        window.toggle_pause_training,
        "F6",
        "Pause or resume the running training.",
        sp.SP_MediaPause,
    )
    acts["stop"] = _action(
        window, "&Stop", window.stop_training, "Shift+F5", "Stop training after the current batch.", sp.SP_MediaStop
    )
    acts["check"] = _action(
        window,
        "&Check before training",
        window.check_before_training,
        tip="Sanity checks on a batch of the data: wiring, initial loss, dead units, gradient flow, overfitting.",
        icon=sp.SP_DialogApplyButton,
    )
    acts["lr_finder"] = _action(
        window,
        "Find &learning rate…",
        window.find_learning_rate,
        tip="A short run with a rising learning rate: loss against rate, and a rate to apply.",
    )
    acts["compare"] = _action(
        window,
        "C&ompare…",
        window.compare_settings,
        tip="Train once per value of one setting (optimizers, learning rates, batch modes) and overlay the curves.",
    )
    for kind, text, tip in EXPORTS:
        if kind is not None:
            acts[f"export_{kind}"] = _action(window, text, partial(window.export, kind), tip=tip)
    acts["minimap"] = _action(
        window, "&Minimap", window.toggle_minimap, "Ctrl+M", "Show the overview of the whole network beside the canvas."
    )
    acts["minimap"].setCheckable(True)
    acts["reset_layout"] = _action(window, "&Reset Layout", window.reset_layout, tip="Put every dock back.")
    acts["course"] = _action(
        window,
        "&Course…",
        window.open_course,
        tip="The course as lessons: read one, then press its buttons to run its experiments in the app.",
    )
    acts["about"] = _action(window, "&About NetCanvas", window.about)

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    for key in ("new", "new_preset", "open"):
        file_menu.addAction(acts[key])
    window.recent_menu = QMenu("Open &Recent", window)
    window.recent_menu.aboutToShow.connect(window.fill_recent_menu)
    file_menu.addMenu(window.recent_menu)
    file_menu.addAction(acts["import_model"])
    file_menu.addSeparator()
    file_menu.addAction(acts["save"])
    file_menu.addAction(acts["save_as"])
    export_menu = file_menu.addMenu("&Export")
    for kind, _text, _tip in EXPORTS:
        if kind is None:
            export_menu.addSeparator()
        else:
            export_menu.addAction(acts[f"export_{kind}"])
    file_menu.addSeparator()
    file_menu.addAction(acts["quit"])

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(acts["undo"])
    edit_menu.addAction(acts["redo"])
    editor_actions = window.editor_actions()
    if editor_actions:
        edit_menu.addSeparator()
        edit_menu.addActions(editor_actions)

    view_menu = bar.addMenu("&View")
    view_menu.addAction(acts["fit"])
    view_menu.addAction(acts["minimap"])
    view_menu.addSeparator()
    for dock in window.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    theme_menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    group.setExclusive(True)
    for name in THEMES:
        action = QAction(name.capitalize(), window, checkable=True)
        action.setData(name)
        action.triggered.connect(partial(window.set_theme, name))
        group.addAction(action)
        theme_menu.addAction(action)
        acts[f"theme_{name}"] = action
    view_menu.addSeparator()
    view_menu.addAction(acts["reset_layout"])

    train_menu = bar.addMenu("&Training")
    for key in ("train", "pause", "stop", None, "check", "lr_finder", "compare"):
        if key is None:
            train_menu.addSeparator()
        else:
            train_menu.addAction(acts[key])

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(acts["course"])
    help_menu.addAction(acts["about"])

    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("mainToolBar")
    toolbar.setMovable(False)
    for key in ("new", "new_preset", "open", "save", None, "undo", "redo", "fit", None, "train", "stop"):
        if key is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(acts[key])
    window.addToolBar(toolbar)
    window.toolbar = toolbar
    return acts
