"""The main window's menus and tool bar: every `QAction`, its shortcut and tooltip.

`build_actions(window)` creates the actions and wires them to the window's
methods; it holds no state of its own. Keeping this apart keeps
``main_window.py`` about structure and behaviour rather than a list of menu items.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

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


def _action(window, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(
            f"{text.rstrip('…')} — {tip}" if shortcut is None else f"{tip} ({action.shortcut().toString()})"
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
    acts["quit"] = _action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit, "Close NetCanvas.")
    acts["undo"] = window.document.undo_stack.createUndoAction(window, "&Undo")
    acts["undo"].setShortcut(QKeySequence.StandardKey.Undo)
    acts["undo"].setIcon(window.style().standardIcon(sp.SP_ArrowBack))
    acts["redo"] = window.document.undo_stack.createRedoAction(window, "&Redo")
    acts["redo"].setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z")])
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
    for kind, text, tip in EXPORTS:
        if kind is not None:
            acts[f"export_{kind}"] = _action(window, text, partial(window.export, kind), tip=tip)
    acts["reset_layout"] = _action(window, "&Reset Layout", window.reset_layout, tip="Put every dock back.")
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
    for key in ("train", "pause", "stop"):
        train_menu.addAction(acts[key])

    help_menu = bar.addMenu("&Help")
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
