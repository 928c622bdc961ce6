"""A runner reports each run as it goes (start, batches, epochs, end), which is what the app's live curves need."""

from backend.lessons.run import FAST, ExperimentRunner, trained_picture
from graph.lessons import Picture, lesson


def test_each_run_reports_its_start_batches_epochs_and_end_in_order():
    comparison = lesson("losses").experiments[0]
    events = []
    ExperimentRunner(comparison, fast=True, overrides={"device": "cpu"}).run(
        on_start=lambda label, session: events.append(("start", label, session.task)),
        on_batch=lambda label, event: events.append(("batch", label, event.batch)),
        on_epoch=lambda label, event: events.append(("epoch", label, event.epoch)),
        on_finish=lambda label, run: events.append(("end", label, run.result.status)),
    )
    for label in ("mse", "cross_entropy"):
        mine = [event for event in events if event[1] == label]
        assert mine[0][0] == "start" and mine[-1] == ("end", label, "finished")
        assert [e[2] for e in mine if e[0] == "epoch"] == list(range(1, FAST["epochs"] + 1))
        assert len([e for e in mine if e[0] == "batch"]) == FAST["epochs"] * FAST["max_batches"]
    assert [e[1] for e in events].index("cross_entropy") > max(i for i, e in enumerate(events) if e[1] == "mse")


def test_a_trained_session_shows_the_filters_of_any_of_its_networks():
    train_run = lesson("convolution").experiments[0]
    result = ExperimentRunner(train_run, fast=True, overrides={"device": "cpu"}).run()
    session = result.runs[0].session
    network = next(iter(session.models))
    data = trained_picture(Picture("filters", {"node": "conv2"}), session, network)
    assert data["node"] == "conv2" and data["weights"].shape[:2] == (16, 6)
