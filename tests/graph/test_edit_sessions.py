"""No sequence of edits can break a project: random editor sessions with undo and redo in between.

After every step each network is a DAG whose lookup tables match its nodes and
edges, validation runs without a crash, and saving then loading gives the same
file. Undoing everything gives back the first file byte for byte; redoing
everything again gives back the last. The edits are the editor's own (``graph/edits.py``).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.project_io import dumps
from tests.edit_sequences import History, base_project, check_project, drawn_session


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_random_edit_sessions_keep_the_project_whole_and_undo_to_the_first_byte(data):
    project = base_project()
    check_project(project)
    first = dumps(project)
    history = History()
    drawn_session(data, project, history, data.draw(st.integers(1, 14), label="steps"))
    while history.index < len(history.edits):
        history.redo()
        check_project(project)
    last = dumps(project)
    while history.index:
        history.undo()
        check_project(project)
    assert dumps(project) == first
    while history.index < len(history.edits):
        history.redo()
    assert dumps(project) == last
