"""The node editor: one canvas tab per network, a breadcrumb into blocks, and edit actions.

`EditorWidget` is what the main window embeds. It keeps one `CanvasScene` per
network of the document's project (made when first shown) and shows one at a time
in a `CanvasView`; double-clicking a block node opens its body read-only, with a
breadcrumb back. Every edit goes through an undo command; the actions returned by
`edit_actions` carry the standard shortcuts and act on the current selection.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu, QTabBar, QVBoxLayout, QWidget

from app import clipboard
from app.actions import key_sequences
from app.canvas.breadcrumb import Breadcrumb
from app.canvas.export import export_scene
from app.canvas.node_item import NodeItem
from app.canvas.scene import CanvasScene
from app.canvas.style import GRID, current_palette
from app.canvas.view import CanvasView
from app.commands import (
    AddNodeCommand,
    AutoLayoutCommand,
    DisconnectCommand,
    GroupCommand,
    PasteCommand,
    RemoveNodesCommand,
    UngroupCommand,
)
from app.icons import action_icon
from graph import fragments
from graph.layout import HEADER_HEIGHT, NODE_WIDTH
from graph.params import ParamError
from graph.registry import BLOCK_TYPE

PASTE_OFFSET = 40.0


def snap(value: float) -> float:
    return round(value / GRID) * GRID


class EditorWidget(QWidget):
    """Tabs of networks over a canvas.

    Signals:
        selection_changed(list): ids of the selected nodes of the current network
            (empty while a block's body is shown).
        status_message(str): a short note for the status bar (refused connections...).
    """

    selection_changed = Signal(list)
    status_message = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.scenes: dict[str, CanvasScene] = {}
        self.block_scene: CanvasScene | None = None
        self.flow_states: dict[str, dict[str, tuple[str, str]]] = {}  # network -> node name -> (state, tip)
        self._paste_count = 0
        self._fitted: set[str] = set()
        self._palettes: list = []
        self._node_menus: list = []  # see add_node_menu
        self.tabs = QTabBar(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.crumbs = Breadcrumb(self)
        self.crumbs.depth_chosen.connect(self.close_block)
        self.view = CanvasView(self)
        self.view.layer_dropped.connect(self._on_layer_dropped)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs)
        layout.addWidget(self.crumbs)
        layout.addWidget(self.view, 1)
        self.actions_by_name: dict[str, QAction] = {}
        self._make_actions()
        document.project_replaced.connect(self._on_project_replaced)
        document.current_network_changed.connect(self._on_current_network_changed)
        document.validated.connect(self._check_block_scene)
        QGuiApplication.clipboard().dataChanged.connect(self._update_actions)
        self._on_project_replaced()

    # -- scenes and tabs ----------------------------------------------------------------
    def scene(self) -> CanvasScene | None:
        """The scene shown now (a block's body when one is open)."""
        if self.block_scene is not None:
            return self.block_scene
        return self.scenes.get(self.document.current_network)

    def _scene_for(self, name: str) -> CanvasScene:
        scene = self.scenes.get(name)
        if scene is None:
            scene = CanvasScene(self.document, name, parent=self)
            self._wire_scene(scene)
            scene.set_flow_states(self.flow_states.get(name, {}))
            self.scenes[name] = scene
        return scene

    def set_flow_states(self, states: dict[str, dict[str, tuple[str, str]]]) -> None:
        """Gradient-flow badges of the running training, per network (empty: none)."""
        self.flow_states = states
        for name, scene in self.scenes.items():
            scene.set_flow_states(states.get(name, {}))

    def _wire_scene(self, scene: CanvasScene) -> None:
        scene.status_message.connect(self.status_message)
        scene.refused.connect(self.view.show_toast)
        scene.block_open_requested.connect(self.open_block)
        scene.selectionChanged.connect(self._on_selection_changed)

    def _on_project_replaced(self) -> None:
        self.view.setScene(None)
        self._close_block_scene()
        for scene in self.scenes.values():
            scene.detach()
            scene.deleteLater()
        self.scenes.clear()
        self._fitted.clear()
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for name in self.document.project.networks:
            self.tabs.addTab(name)
        self.tabs.blockSignals(False)
        self._show_network(self.document.current_network)

    def _show_network(self, name: str) -> None:
        if name not in self.document.project.networks:
            self._update_crumbs()
            self._update_actions()
            return
        index = list(self.document.project.networks).index(name)
        if self.tabs.currentIndex() != index:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(index)
            self.tabs.blockSignals(False)
        self._close_block_scene()
        self.view.setScene(self._scene_for(name))
        if name not in self._fitted:
            self._fitted.add(name)
            self.show_start()
            QTimer.singleShot(0, self.view, self.view.show_start)  # again once the layout sized the view
        self._update_crumbs()
        self._on_selection_changed()

    def _on_tab_changed(self, index: int) -> None:
        names = list(self.document.project.networks)
        if 0 <= index < len(names):
            self.document.set_current_network(names[index])

    def _on_current_network_changed(self, name: str) -> None:
        self._show_network(name)

    # -- blocks ---------------------------------------------------------------------
    def open_block(self, node_id: str) -> None:
        """Show the body of the block node `node_id` of the shown network (read-only)."""
        current = self.scene()
        if current is None or node_id not in current.nodes or not current.nodes[node_id].is_block:
            return
        path = (*current.block_path, node_id)
        scene = CanvasScene(self.document, self.document.current_network, path, parent=self)
        self._wire_scene(scene)
        self._close_block_scene()
        self.block_scene = scene
        self.view.setScene(scene)
        self.view.fit_view()
        self._update_crumbs()
        self._on_selection_changed()
        self.status_message.emit("Showing the block's layers (read-only); ungroup the block to edit them")

    def close_block(self, depth: int = 0) -> None:
        """Go back up the breadcrumb to `depth` blocks deep (0: the network itself)."""
        scene = self.block_scene
        if scene is None:
            return
        if depth <= 0:
            self._show_network(self.document.current_network)
            selected = scene.block_path[0]
            self.scene().select_nodes([selected])
            return
        path = scene.block_path[:depth]
        self._close_block_scene()
        self.block_scene = CanvasScene(self.document, self.document.current_network, path, parent=self)
        self._wire_scene(self.block_scene)
        self.view.setScene(self.block_scene)
        self.view.fit_view()
        self._update_crumbs()

    def _close_block_scene(self) -> None:
        if self.block_scene is not None:
            if self.view.scene() is self.block_scene:
                self.view.setScene(None)
            self.block_scene.detach()
            self.block_scene.deleteLater()
            self.block_scene = None

    def _check_block_scene(self) -> None:
        """Leave a block view whose block no longer exists (an undo removed it)."""
        if self.block_scene is not None and not self.block_scene.is_valid():
            self._show_network(self.document.current_network)

    def _update_crumbs(self) -> None:
        scene = self.block_scene
        if scene is None:
            self.crumbs.set_trail([])
            return
        network = self.document.project.networks[scene.network_name]
        steps = [scene.network_name]
        for node_id in scene.block_path:
            node = network.nodes[node_id]
            block = node.params.get("block")
            steps.append(f"{node.name} ({block})")
            network = self.document.project.blocks[block].body
        self.crumbs.set_trail(steps, "read-only view of the block's layers")

    # -- selection and view -----------------------------------------------------------
    def _on_selection_changed(self) -> None:
        scene = self.scene()
        ids = scene.selected_node_ids() if scene is not None and not scene.read_only else []
        self._update_actions()
        self.selection_changed.emit(ids)

    def select_node(self, node_id: str) -> None:
        """Select `node_id` of the current network (leaving an open block first)."""
        if self.block_scene is not None:
            self._show_network(self.document.current_network)
        scene = self.scene()
        if scene is not None and node_id in scene.nodes:
            scene.select_nodes([node_id])

    def center_on(self, node_id: str) -> None:
        """Select `node_id` and scroll it to the middle of the view."""
        self.select_node(node_id)
        scene = self.scene()
        if scene is not None and node_id in scene.nodes:
            self.view.centerOn(scene.nodes[node_id].sceneBoundingRect().center())

    def fit_view(self) -> None:
        self.view.fit_view()

    def show_start(self) -> None:
        """The opening view of the shown drawing (see `CanvasView.show_start`)."""
        self.view.show_start()

    # -- adding layers --------------------------------------------------------------
    def attach_palette(self, palette) -> None:
        """Let the palette's double-click add layers at the centre of this view (once per palette)."""
        if palette not in self._palettes:
            self._palettes.append(palette)
            palette.layer_requested.connect(self.add_layer)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            palette = current_palette()
            for scene in [*self.scenes.values(), self.block_scene]:
                if scene is not None and scene.canvas_palette is not palette:
                    scene.set_canvas_palette(palette)
            self.view.viewport().update()
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        # Palettes on the same document in this window work without the main window wiring them.
        from app.palette import PaletteWidget

        for palette in self.window().findChildren(PaletteWidget):
            if palette.document is self.document:
                self.attach_palette(palette)
        super().showEvent(event)

    def _on_layer_dropped(self, text: str, scene_pos: QPointF) -> None:
        self.add_layer(text, scene_pos)

    def _refuse(self, message: str, scene_pos: QPointF) -> None:
        """Say why something was not done: in the status bar and next to where it was tried."""
        self.status_message.emit(message)
        self.view.show_toast(message, scene_pos)

    def add_layer(self, text: str, scene_pos: QPointF | None = None) -> str | None:
        """Add a layer (``"Conv2d"``) or a block (``"Block:BasicBlock"``) with its header at `scene_pos`.

        Returns:
            The new node's id, or None when nothing was added (the reason goes to the status
            bar and next to `scene_pos`).
        """
        scene = self.scene()
        if scene_pos is None:
            scene_pos = self.view.mapToScene(self.view.viewport().rect().center())
        if scene is None or scene.read_only:
            self._refuse("Cannot add here: a block's layers are read-only; ungroup the block to edit them", scene_pos)
            return None
        network = scene.network
        params = None
        type_name = text
        if text.startswith(BLOCK_TYPE + ":"):
            type_name, params = BLOCK_TYPE, {"block": text.split(":", 1)[1]}
        position = (snap(scene_pos.x() - NODE_WIDTH / 2), snap(scene_pos.y() - HEADER_HEIGHT / 2))
        try:
            node = network.create_node(type_name, position, params=params)
        except ParamError as error:
            self._refuse(f"Cannot add {text}: {error}", scene_pos)
            return None
        self.document.undo_stack.push(AddNodeCommand(self.document, scene.network_name, node))
        scene.select_nodes([node.id])
        self.view.setFocus()
        return node.id

    # -- actions ----------------------------------------------------------------------
    def _make_actions(self) -> None:
        specs = [
            ("cut", "Cu&t", QKeySequence.StandardKey.Cut, "cut", self.cut),
            ("copy", "&Copy", QKeySequence.StandardKey.Copy, "copy", self.copy),
            ("paste", "&Paste", QKeySequence.StandardKey.Paste, "paste", self.paste),
            ("duplicate", "D&uplicate", "Ctrl+D", "duplicate", self.duplicate),
            # Not the standard Delete: X11 binds it to Ctrl+D too, which duplicates here.
            ("delete", "&Delete", "Del", "delete", self.delete_selection),
            ("select_all", "Select &All", QKeySequence.StandardKey.SelectAll, "select-all", self.select_all),
            ("group", "&Group into Block…", "Ctrl+G", "group", self.group_selection),
            ("ungroup", "U&ngroup Block", "Ctrl+Shift+G", "ungroup", self.ungroup_selection),
            ("open_block", "&Open Block", "Return", "open-block", self.open_selected_block),
            ("layout_lr", "Auto-Layout Left to &Right", "Ctrl+L", "layout-lr", lambda: self.auto_layout("LR")),
            ("layout_tb", "Auto-Layout &Top Down", "Ctrl+Shift+L", "layout-tb", lambda: self.auto_layout("TB")),
            ("fit", "&Fit View", "F", "fit", self.fit_view),
            ("zoom_in", "Zoom &In", QKeySequence.StandardKey.ZoomIn, "zoom-in", self.view.zoom_in),
            ("zoom_out", "Zoom &Out", QKeySequence.StandardKey.ZoomOut, "zoom-out", self.view.zoom_out),
        ]
        extra = {"zoom_in": ("Ctrl+=",), "delete": ("Backspace",)}
        for name, text, shortcut, icon, slot in specs:
            action = QAction(action_icon(icon), text, self)
            action.setShortcuts(key_sequences(shortcut, *extra.get(name, ())))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action
        self._update_actions()

    def edit_actions(self) -> list[QAction]:
        """Cut, copy, paste, duplicate, delete, select all, group, ungroup, open block,
        auto-layout (LR, TB), fit view, zoom in, zoom out — in that order."""
        return list(self.actions_by_name.values())

    def _update_actions(self) -> None:
        scene = self.scene()
        editable = scene is not None and not scene.read_only
        ids = scene.selected_node_ids() if scene is not None else []
        edges = scene.selected_edges() if scene is not None else []
        single_block = len(ids) == 1 and scene.nodes[ids[0]].is_block
        has_payload = clipboard.from_mime(QGuiApplication.clipboard().mimeData()) is not None
        enabled = {
            "cut": editable and bool(ids),
            "copy": bool(ids),
            "paste": editable and has_payload,
            "duplicate": editable and bool(ids),
            "delete": editable and bool(ids or edges),
            "select_all": scene is not None and bool(scene.nodes),
            "group": editable and bool(ids),
            "ungroup": editable and single_block,
            "open_block": single_block,
            "layout_lr": editable and bool(scene.nodes),
            "layout_tb": editable and bool(scene.nodes),
        }
        for name, action in self.actions_by_name.items():
            action.setEnabled(enabled.get(name, True))

    def add_node_menu(self, fill) -> None:
        """Have `fill(menu, network_name, node)` add entries to a right-clicked node's menu (not in a block's body)."""
        self._node_menus.append(fill)

    def _node_at(self, pos) -> tuple[str, object] | None:
        """(network name, node) of the node card under viewport point `pos` on a network's own canvas."""
        scene = self.scene()
        if scene is None or scene.block_path:
            return None
        for item in self.view.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                return scene.network_name, item.node
        return None

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        groups = (
            ("cut", "copy", "paste", "duplicate", "delete"),
            ("group", "ungroup", "open_block"),
            ("layout_lr", "layout_tb", "fit"),
        )
        for group in groups:
            if not menu.isEmpty():
                menu.addSeparator()
            for name in group:
                menu.addAction(self.actions_by_name[name])
        clicked = self._node_at(pos)
        if clicked is not None:
            for fill in self._node_menus:
                menu.addSeparator()
                fill(menu, *clicked)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _editable_scene(self) -> CanvasScene | None:
        scene = self.scene()
        return None if scene is None or scene.read_only else scene

    def copy(self) -> None:
        scene = self.scene()
        ids = scene.selected_node_ids() if scene is not None else []
        if ids:
            clipboard.put_on_clipboard(fragments.copy_payload(scene.network, ids))
            self._paste_count = 0
            self.status_message.emit(f"Copied {len(ids)} node(s)")

    def cut(self) -> None:
        scene = self._editable_scene()
        if scene is not None and scene.selected_node_ids():
            self.copy()
            command = RemoveNodesCommand(self.document, scene.network_name, scene.selected_node_ids())
            command.setText("Cut " + command.text().removeprefix("Delete "))
            self.document.undo_stack.push(command)

    def paste(self) -> None:
        payload = clipboard.from_mime(QGuiApplication.clipboard().mimeData())
        if payload is None:
            self.status_message.emit("Nothing to paste: copy some nodes first")
            return
        self._paste_count += 1
        self._insert(payload, PASTE_OFFSET * self._paste_count, "Paste")

    def duplicate(self) -> None:
        scene = self._editable_scene()
        if scene is not None and scene.selected_node_ids():
            self._insert(fragments.copy_payload(scene.network, scene.selected_node_ids()), PASTE_OFFSET, "Duplicate")

    def _insert(self, payload: dict, offset: float, verb: str) -> None:
        scene = self._editable_scene()
        if scene is None:
            return
        try:
            nodes, edges = fragments.materialize(scene.network, payload, (offset, offset), self.document.project.blocks)
        except fragments.PasteError as error:
            self.status_message.emit(f"Cannot paste: {error}")
            return
        self.document.undo_stack.push(PasteCommand(self.document, scene.network_name, nodes, edges, verb))
        scene.select_nodes([n.id for n in nodes])

    def delete_selection(self) -> None:
        scene = self._editable_scene()
        if scene is None:
            return
        ids, edges = scene.selected_node_ids(), scene.selected_edges()
        if not ids and len(edges) == 1:
            self.document.undo_stack.push(DisconnectCommand(self.document, scene.network_name, edges[0]))
        elif ids or edges:
            self.document.undo_stack.push(RemoveNodesCommand(self.document, scene.network_name, ids, edges))

    def select_all(self) -> None:
        scene = self.scene()
        if scene is not None:
            scene.select_nodes(list(scene.nodes))

    def group_selection(self, block_name: str | None = None) -> None:
        """Group the selected nodes into a new block (asks for its name when none is given)."""
        scene = self._editable_scene()
        ids = scene.selected_node_ids() if scene is not None else []
        if not ids:
            return
        if block_name is None:
            suggestion = self._free_block_name()
            block_name, ok = QInputDialog.getText(self, "Group into Block", "Name of the new block:", text=suggestion)
            if not ok:
                return
        try:
            command = GroupCommand(self.document, scene.network_name, ids, block_name.strip())
        except (ValueError, KeyError) as error:
            self.status_message.emit(f"Cannot group: {error}")
            return
        self.document.undo_stack.push(command)
        self.status_message.emit(command.text())

    def _free_block_name(self) -> str:
        index = 1
        while f"Block{index}" in self.document.project.blocks:
            index += 1
        return f"Block{index}"

    def ungroup_selection(self) -> None:
        scene = self._editable_scene()
        ids = scene.selected_node_ids() if scene is not None else []
        if len(ids) != 1 or not scene.nodes[ids[0]].is_block:
            return
        try:
            command = UngroupCommand(self.document, scene.network_name, ids[0])
        except (ValueError, KeyError) as error:
            self.status_message.emit(f"Cannot ungroup: {error}")
            return
        self.document.undo_stack.push(command)

    def open_selected_block(self) -> None:
        scene = self.scene()
        ids = scene.selected_node_ids() if scene is not None else []
        if len(ids) == 1:
            self.open_block(ids[0])

    def auto_layout(self, direction: str = "LR") -> None:
        scene = self._editable_scene()
        if scene is None or not scene.nodes:
            return
        sizes = None
        if direction == scene.flow:  # cards change height with the flow: else the layout's estimates
            sizes = {node_id: (item.card_rect().width(), item.height) for node_id, item in scene.nodes.items()}
        self.document.undo_stack.push(AutoLayoutCommand(self.document, scene.network_name, direction, sizes=sizes))
        self.view.fit_view()
        QTimer.singleShot(0, self.view, self.view.fit_view)  # again once the ports follow the new flow

    # -- export -----------------------------------------------------------------------
    def export_image(self, path) -> None:
        """Save the shown diagram as PNG (at twice the screen resolution) or SVG.

        Raises:
            ValueError: the suffix is neither ``.png`` nor ``.svg``, or nothing is shown.
            OSError: the file could not be written.
        """
        scene = self.scene()
        if scene is None:
            raise ValueError("there is no diagram to export")
        export_scene(scene, path, self.document.project.name)
