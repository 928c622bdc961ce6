"""The inspector: the selected node's settings as a form, with its shapes and problems.

For one selected node it shows: the name (rename), the type (swap for another type
of the same category, LSTM -> GRU), one editor per parameter generated from the
spec (`app.param_fields`), the input and output shapes and parameter count from the
document's report, the node's problems and the spec's explanation. Every accepted
edit is one undo command pushed at once; a value the parameter refuses shows a red
message under the form and changes nothing. For several nodes it shows their count
and total parameters; for none, the network's totals.

The form is built when the selection changes and only refreshed afterwards (model
events update the editors, ``validated`` the shapes), so typing is never interrupted.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from app.canvas.style import current_palette
from app.commands import RenameNodeCommand, ReplaceNodeTypeCommand, SetParamCommand
from app.param_fields import ParamField, make_field
from app.wheel_guard import guard_wheel
from graph.events import NetworkEvent, NodeRemoved, NodeRenamed, ParamChanged
from graph.network import Node, is_valid_name
from graph.params import ParamError
from graph.registry import BLOCK_TYPE, categories, get_spec
from graph.shapes import format_shape


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class InspectorWidget(QWidget):
    """Form for the selected node(s) of the document's current network."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.node_ids: list[str] = []
        self.fields: dict[str, ParamField] = {}
        self.name_edit: QLineEdit | None = None
        self.type_combo: QComboBox | None = None
        self.palette_colours = current_palette()
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.content = QWidget()
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(8, 8, 8, 8)
        self.layout_.setSpacing(8)
        self.title = QLabel(self.content)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.form_host = QWidget(self.content)
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.message = QLabel(self.content)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {self.palette_colours.error};")
        self.message.hide()
        self.shapes = QLabel(self.content)
        self.shapes.setTextFormat(Qt.TextFormat.RichText)
        self.shapes.setWordWrap(True)
        self.shapes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QLabel(self.content)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.problems.setWordWrap(True)
        self.doc = QLabel(self.content)
        self.doc.setWordWrap(True)
        self.doc.setStyleSheet(f"color: {self.palette_colours.subtext};")
        for widget in (self.title, self.form_host, self.message, self.shapes, self.problems, self.doc):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        scroll.setWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        document.model_changed.connect(self._on_model_changed)
        document.validated.connect(self._refresh_info)
        document.project_replaced.connect(lambda: self.set_selection([]))
        document.current_network_changed.connect(lambda _name: self.set_selection([]))
        self.set_selection([])

    # -- selection ----------------------------------------------------------------------
    def node(self) -> Node | None:
        """The one node being edited (None for zero or several)."""
        if len(self.node_ids) != 1 or self.document.current_network not in self.document.project.networks:
            return None
        return self.document.network.nodes.get(self.node_ids[0])

    def set_selection(self, node_ids: list) -> None:
        """Show the form for these nodes of the current network."""
        networks = self.document.project.networks
        network = networks.get(self.document.current_network)
        self.node_ids = [i for i in node_ids if network is not None and i in network.nodes]
        self._build()
        self._refresh_info()

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for field in self.fields.values():
            field.deleteLater()
        self.fields.clear()
        self.name_edit = None
        self.type_combo = None
        self._hide_message()

    def _params_of(self, node: Node):
        if node.type == BLOCK_TYPE:
            definition = self.document.project.blocks.get(node.params.get("block"))
            return definition.params if definition else ()
        spec = get_spec(node.type)
        return spec.params if spec else ()

    def _build(self) -> None:
        self._clear_form()
        node = self.node()
        self.form_host.setVisible(node is not None)
        if node is None:
            return
        self.name_edit = QLineEdit(node.name, self.form_host)
        self.name_edit.setToolTip("The node's name: its attribute name in the generated code")
        self.name_edit.editingFinished.connect(self._on_rename)
        self.form.addRow("Name", self.name_edit)
        siblings = self._same_category_types(node)
        if len(siblings) > 1:
            self.type_combo = QComboBox(self.form_host)
            self.type_combo.addItems(siblings)
            self.type_combo.setCurrentText(node.type)
            self.type_combo.setToolTip("Swap this layer for another of the same kind, keeping its connections")
            self.type_combo.activated.connect(self._on_type_chosen)
            guard_wheel(self.type_combo)
            self.form.addRow("Type", self.type_combo)
        for param in self._params_of(node):
            field = make_field(param, self.form_host)
            field.set_value(node.params.get(param.name), self._guess(node, param.name))
            field.edited.connect(lambda raw, name=param.name: self._on_edited(name, raw))
            label = QLabel(param.title.capitalize(), self.form_host)
            label.setToolTip(param.doc)
            self.form.addRow(label, field.widget)
            self.fields[param.name] = field

    @staticmethod
    def _same_category_types(node: Node) -> list[str]:
        spec = get_spec(node.type)
        if spec is None or spec.category.startswith("Input"):
            return []
        return [s.type for s in categories().get(spec.category, [])]

    def _guess(self, node: Node, name: str) -> Any:
        """The value an auto parameter stands for now (the spec says), so switching auto off keeps it."""
        report = self.document.report
        result = report.nodes.get(node.id) if report is not None else None
        spec = get_spec(node.type)
        if result is None or spec is None or not result.outputs:
            return None  # the shape rule has not accepted the inputs: there is nothing to stand for
        return spec.auto_values(result.inputs, result.params).get(name)

    # -- edits --------------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _hide_message(self) -> None:
        self.message.hide()
        self.message.clear()

    def _on_edited(self, name: str, raw: Any) -> None:
        node = self.node()
        field = self.fields.get(name)
        if node is None or field is None:
            return
        try:
            value = field.param.coerce(raw)
        except ParamError as error:
            field.set_invalid(True)
            self._show_message(str(error))
            return
        field.set_invalid(False)
        self._hide_message()
        if value == node.params.get(name) and type(value) is type(node.params.get(name)):
            field.set_value(value, field.guess)  # e.g. "3x3" typed over 3x3: tidy the text
            return
        command = SetParamCommand(self.document, self.document.current_network, node.id, name, value)
        self.document.undo_stack.push(command)

    def _on_rename(self) -> None:
        node = self.node()
        if node is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        if name == node.name:
            self._hide_message()
            return
        other = self.document.network.node_by_name(name)
        if not is_valid_name(name):
            self._show_message(f"'{name}' is not a usable name: use letters, digits and _, not a Python keyword")
            return
        if other is not None:
            self._show_message(f"a node named '{name}' already exists")
            return
        self._hide_message()
        self.document.undo_stack.push(RenameNodeCommand(self.document, self.document.current_network, node.id, name))

    def _on_type_chosen(self, index: int) -> None:
        node = self.node()
        if node is None or self.type_combo is None:
            return
        new_type = self.type_combo.itemText(index)
        spec = get_spec(new_type)
        if spec is None or new_type == node.type:
            return
        params = spec.defaults()
        for param in spec.params:
            if param.name in node.params:
                try:
                    params[param.name] = param.coerce(node.params[param.name])
                except ParamError:
                    continue  # the old value means nothing here: keep the new type's default
        replacement = Node(node.id, new_type, node.name, params, node.position)
        command = ReplaceNodeTypeCommand(self.document, self.document.current_network, node.id, replacement)
        self.document.undo_stack.push(command)
        self.set_selection([node.id])

    # -- following the model ---------------------------------------------------------------
    def _on_model_changed(self, network: str, event: NetworkEvent) -> None:
        if network != self.document.current_network or not self.node_ids:
            return
        match event:
            case NodeRemoved(node=node) if node.id in self.node_ids:
                self.set_selection([i for i in self.node_ids if i != node.id])
            case ParamChanged(node=node, name=name, value=value) if node.id == self._single_id():
                field = self.fields.get(name)
                if field is not None:
                    field.set_value(value, self._guess(node, name))
            case NodeRenamed(node=node) if node.id == self._single_id():
                if self.name_edit is not None:
                    self.name_edit.setText(node.name)
                self._refresh_title()

    def _single_id(self) -> str | None:
        return self.node_ids[0] if len(self.node_ids) == 1 else None

    def _refresh_title(self) -> None:
        node = self.node()
        network = self.document.project.networks.get(self.document.current_network)
        if node is not None:
            kind = node.params.get("block") if node.type == BLOCK_TYPE else node.type
            self.title.setText(f"<b style='font-size:large'>{_escape(node.name)}</b> &nbsp; {_escape(str(kind))}")
        elif self.node_ids:
            self.title.setText(f"<b>{len(self.node_ids)} nodes selected</b>")
        elif network is not None:
            self.title.setText(f"<b>{_escape(network.name)}</b><br>Select a node to see and edit its settings.")
        else:
            self.title.setText("No network open.")

    def _refresh_info(self) -> None:
        """Shapes, parameter counts and problems from the latest report."""
        self._refresh_title()
        report = self.document.report
        node = self.node()
        colours = self.palette_colours
        if node is None:
            self.problems.clear()
            self.doc.clear()
            if report is None:
                self.shapes.clear()
                return
            ids = self.node_ids or list(report.nodes)
            total = sum(report.nodes[i].param_count for i in ids if i in report.nodes)
            what = "selected" if self.node_ids else "in this network"
            errors = len(report.errors)
            issues = (
                f"<br><span style='color:{colours.error}'>{errors} error(s)</span>"
                if errors and not self.node_ids
                else ""
            )
            self.shapes.setText(f"Parameters {what}: <b>{total:,}</b>{issues}")
            return
        result = report.nodes.get(node.id) if report is not None else None
        rows = []
        if result is not None:
            for port, shapes in result.inputs.items():
                text = ", ".join(format_shape(s) for s in shapes) or "not connected"
                label = "input" if len(result.inputs) == 1 else f"input <i>{_escape(port)}</i>"
                rows.append(f"<tr><td>{label}</td><td><code>{text}</code></td></tr>")
            for port, shape in result.outputs.items():
                label = "output" if len(result.outputs) == 1 else f"output <i>{_escape(port)}</i>"
                rows.append(f"<tr><td>{label}</td><td><code>{format_shape(shape)}</code></td></tr>")
            rows.append(f"<tr><td>parameters&nbsp;&nbsp;</td><td><b>{result.param_count:,}</b></td></tr>")
        self.shapes.setText("<table cellspacing='2'>" + "".join(rows) + "</table>" if rows else "")
        problems = result.problems if result is not None else []
        self.problems.setText(
            "<br>".join(
                f"<span style='color:{colours.error if p.severity == 'error' else colours.warning}'>"
                f"{p.severity}: {_escape(p.message)}</span>"
                for p in problems
            )
        )
        self.problems.setVisible(bool(problems))
        spec = get_spec(node.type)
        if node.type == BLOCK_TYPE:
            definition = self.document.project.blocks.get(node.params.get("block"))
            self.doc.setText(definition.doc if definition and definition.doc else "A block defined in this project.")
        else:
            self.doc.setText(spec.doc if spec else "")
        for name, field in self.fields.items():
            if field.param.auto and node.params.get(name) is None:
                field.set_value(None, self._guess(node, name))
