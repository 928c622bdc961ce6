"""The layer palette: a searchable tree of every layer type, grouped by category.

Entries drag onto the canvas with mime type `LAYER_MIME` carrying the type name
(``"Conv2d"``; a project block as ``"Block:BasicBlock"``). Double-click (or Enter)
asks for the layer with `layer_requested`; `EditorWidget.attach_palette` adds it at
the centre of the view. Blocks defined in the project form a "Blocks" group that
follows the project as blocks come and go.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.canvas.view import LAYER_MIME
from app.icons import category_icon
from graph.registry import BLOCK_TYPE, categories

TYPE_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
BLOCKS_GROUP = "Blocks"


def _tooltip(title: str, doc: str) -> str:
    body = doc.replace("&", "&amp;").replace("<", "&lt;")
    return f"<p style='white-space:normal; width:280px'><b>{title}</b><br>{body}</p>"


class LayerTree(QTreeWidget):
    """The tree itself: provides the drag payload for the selected entry."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        for item in items:
            text = item.data(0, TYPE_ROLE)
            if text:
                mime.setData(LAYER_MIME, text.encode("utf-8"))
                mime.setText(text)
                break
        return mime


class PaletteWidget(QWidget):
    """Search box over the tree of layer types.

    Signals:
        layer_requested(str): the user double-clicked (or pressed Enter on) an entry;
            the text is what a drag would carry.
    """

    layer_requested = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self._request_first_match)
        self.tree = LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setIndentation(12)
        self.tree.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        self._block_names: tuple[str, ...] = ()
        self._blocks_group: QTreeWidgetItem | None = None
        self._populate()
        document.project_replaced.connect(self._refresh_blocks)
        document.validated.connect(self._refresh_blocks)

    def _group(self, title: str) -> QTreeWidgetItem:
        group = QTreeWidgetItem([title])
        font = QFont(group.font(0))
        font.setBold(True)
        group.setFont(0, font)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        group.setIcon(0, category_icon(title))
        return group

    def _populate(self) -> None:
        for category, specs in categories().items():
            group = self._group(category)
            for spec in specs:
                entry = QTreeWidgetItem([spec.type])
                entry.setData(0, TYPE_ROLE, spec.type)
                entry.setData(0, SEARCH_ROLE, f"{spec.type} {category} {spec.doc}".lower())
                entry.setIcon(0, category_icon(category))
                entry.setToolTip(0, _tooltip(spec.type, spec.doc))
                entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
                group.addChild(entry)
            self.tree.addTopLevelItem(group)
            group.setExpanded(True)
        self._refresh_blocks()

    def _refresh_blocks(self) -> None:
        blocks = self.document.project.blocks
        names = tuple(blocks)
        if names == self._block_names and (self._blocks_group is not None or not names):
            return
        self._block_names = names
        if self._blocks_group is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(self._blocks_group))
            self._blocks_group = None
        if not names:
            return
        group = self._group(BLOCKS_GROUP)
        for name, definition in blocks.items():
            entry = QTreeWidgetItem([name])
            entry.setData(0, TYPE_ROLE, f"{BLOCK_TYPE}:{name}")
            entry.setData(0, SEARCH_ROLE, f"{name} block {definition.doc}".lower())
            entry.setIcon(0, category_icon(BLOCKS_GROUP))
            ports = ", ".join(definition.input_names()) + " → " + ", ".join(definition.output_names())
            doc = definition.doc or "A block defined in this project."
            entry.setToolTip(0, _tooltip(name, f"{doc} Ports: {ports}."))
            entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            group.addChild(entry)
        self.tree.addTopLevelItem(group)
        group.setExpanded(True)
        self._blocks_group = group
        self.apply_filter(self.search.text())

    def entries(self) -> list[QTreeWidgetItem]:
        """Every layer entry (not the category headings), in tree order."""
        result = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            result.extend(group.child(i) for i in range(group.childCount()))
        return result

    def entry(self, text: str) -> QTreeWidgetItem | None:
        """The entry whose drag text is `text` (``"Conv2d"``, ``"Block:Stem"``)."""
        for item in self.entries():
            if item.data(0, TYPE_ROLE) == text:
                return item
        return None

    def apply_filter(self, text: str) -> None:
        """Show the entries whose name or category holds every word of `text`.

        When no name matches, the explanations are searched too ("dense" finds Linear):
        searching them always would list half the palette for "conv".
        """
        words = text.lower().split()
        entries = self.entries()

        def matches(entry: QTreeWidgetItem, in_docs: bool) -> bool:
            haystack = entry.data(0, SEARCH_ROLE) if in_docs else f"{entry.text(0)} {entry.parent().text(0)}".lower()
            return all(word in haystack for word in words)

        shown = {id(e) for e in entries if matches(e, False)}
        if not shown:
            shown = {id(e) for e in entries if matches(e, True)}
        for entry in entries:
            entry.setHidden(id(entry) not in shown)
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            group.setHidden(all(group.child(i).isHidden() for i in range(group.childCount())))
            if words:
                group.setExpanded(True)

    def _request_first_match(self) -> None:
        for item in self.entries():
            if not item.isHidden() and not item.parent().isHidden():
                self.layer_requested.emit(item.data(0, TYPE_ROLE))
                return

    def _on_activated(self, item: QTreeWidgetItem, column: int) -> None:
        text = item.data(0, TYPE_ROLE)
        if text:
            self.layer_requested.emit(text)
