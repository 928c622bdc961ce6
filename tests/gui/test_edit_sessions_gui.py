"""Random editor sessions through the window's own undo stack, with a canvas following the model.

The same random edits as tests/graph/test_edit_sessions.py, pushed as the editor's
`QUndoCommand`s onto the document's `QUndoStack` (so Qt's own merging, obsolete
commands, undo and redo are what runs), with a `CanvasScene` listening to the
document's typed events: after every step the project keeps its invariants and the
scene shows exactly the model's nodes, names, positions and edges.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.canvas.scene import CanvasScene
from app.commands import EditCommand
from app.document import Document
from graph.project_io import dumps
from tests.edit_sequences import base_project, check_project, draw_edit

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def check_scene(scene: CanvasScene, document: Document) -> None:
    network = document.project.networks["net"]
    assert set(scene.nodes) == set(network.nodes)
    assert set(scene.edges) == set(network.edges)
    for node_id, item in scene.nodes.items():
        node = network.nodes[node_id]
        assert item.node is node
        assert (item.pos().x(), item.pos().y()) == node.position
    scene.select_nodes(network.nodes)
    assert scene.selected_node_ids() == list(network.nodes)
    scene.clearSelection()
    document.validate_now()  # the scene copies the new report onto its items


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_random_sessions_through_the_undo_stack_keep_model_and_canvas_in_step(qtbot, data):
    document = Document(base_project())
    scene = CanvasScene(document, "net")
    stack = document.undo_stack
    first = dumps(document.project)
    try:
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            action = data.draw(st.sampled_from(("edit", "edit", "edit", "undo", "redo")), label="action")
            if action == "undo":
                stack.undo()
            elif action == "redo":
                stack.redo()
            else:
                before = dumps(document.project)
                edit = draw_edit(data, document.project)
                if edit is not None:
                    command = EditCommand(document, edit)
                    stack.push(command)
                    if command.error:
                        assert dumps(document.project) == before, "a refused command changed the project"
            check_project(document.project)
            check_scene(scene, document)
        while stack.canUndo():
            stack.undo()
            check_scene(scene, document)
        assert dumps(document.project) == first
    finally:
        scene.detach()
        stack.clear()
