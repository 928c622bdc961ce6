"""The lesson catalogue: in the course sheet's order, in NetCanvas's own words, every project valid."""

import re
from pathlib import Path

import pytest

from graph.lesson_networks import DEEP_MLP
from graph.lessons import (
    LESSONS,
    PICTURES,
    Comparison,
    LessonError,
    ProjectSpec,
    Show,
    Tour,
    TrainRun,
    Variant,
    lesson,
    open_project,
)
from graph.validation import validate_project

SHEET_PLACES = [Path(__file__).resolve().parents[3] / "shared", Path("/work/shared")]
SHEET = next(
    (p / "course/deep-learning-course-sheet.md" for p in SHEET_PLACES if (p / "course").exists()),
    SHEET_PLACES[0] / "course/deep-learning-course-sheet.md",
)


def every_project():
    """(lesson id, experiment title, label, spec, variant) for each project any experiment opens."""
    for item in LESSONS:
        for experiment in item.experiments:
            if isinstance(experiment, TrainRun):
                yield item.id, experiment.title, "", experiment.project, None
            elif isinstance(experiment, Comparison):
                for variant in experiment.variants:
                    yield item.id, experiment.title, variant.label, experiment.project, variant
            elif isinstance(experiment, Tour):
                for label, spec in experiment.projects:
                    yield item.id, experiment.title, label, spec, None


def test_lessons_have_unique_ids_text_and_experiments():
    ids = [item.id for item in LESSONS]
    assert len(ids) == len(set(ids)) and len(ids) >= 12
    for item in LESSONS:
        assert item.title and item.text.count(".") >= 2 and item.watch, item.id
        assert item.experiments, item.id
        for experiment in item.experiments:
            assert experiment.title and experiment.watch, (item.id, experiment)


def test_the_issue_s_experiments_are_all_there():
    comparisons = {e.setting for item in LESSONS for e in item.experiments if isinstance(e, Comparison)}
    assert {"activation", "loss", "batch_size", "optimizer", "dropout", "batch_norm"} <= comparisons
    assert {"early_stopping", "augment", "residual", "cell"} <= comparisons
    pictures = {p.kind for item in LESSONS for e in item.experiments if isinstance(e, TrainRun) for p in e.pictures}
    pictures |= {e.picture.kind for item in LESSONS for e in item.experiments if isinstance(e, Show)}
    assert pictures == set(PICTURES)
    optimizers = next(e for e in lesson("optimizers").experiments if isinstance(e, Comparison))
    assert [v.label for v in optimizers.variants] == ["sgd", "momentum", "momentum_ema", "adagrad", "rmsprop", "adam"]


@pytest.mark.parametrize(("lesson_id", "title", "label", "spec", "variant"), list(every_project()))
def test_every_project_a_lesson_opens_is_valid(lesson_id, title, label, spec, variant):
    project = open_project(spec, variant)
    assert all(not report.errors for report in validate_project(project).values())
    for name, value in {**spec.training, **(variant.training if variant else {})}.items():
        assert project.training[name] == value or str(project.training[name]) == str(value)


def test_comparisons_vary_one_thing_and_say_whether_the_network_changes():
    for item in LESSONS:
        for experiment in item.experiments:
            if not isinstance(experiment, Comparison):
                continue
            assert len(experiment.variants) >= 2
            labels = [v.label for v in experiment.variants]
            assert len(set(labels)) == len(labels)
    dropout = next(e for e in lesson("regularization").experiments if e.setting == "dropout")
    assert all(v.changes_network for v in dropout.variants)
    early = next(e for e in lesson("regularization").experiments if e.setting == "early_stopping")
    assert not any(v.changes_network for v in early.variants)
    cells = next(iter(lesson("recurrent").experiments))
    assert [open_project(cells.project, v).preset for v in cells.variants] == ["rnn", "lstm", "gru"]


def test_a_structural_variant_rebuilds_the_network():
    spec = ProjectSpec("mlp", {"hidden_sizes": (8,)})
    relu = open_project(spec, Variant("relu", options={"activation": "relu"}))
    tanh = open_project(spec, Variant("tanh", options={"activation": "tanh"}))
    assert "ReLU" in {n.type for n in relu.main.nodes.values()}
    assert "Tanh" in {n.type for n in tanh.main.nodes.values()} and "ReLU" not in {
        n.type for n in tanh.main.nodes.values()
    }


def test_the_deep_lesson_network_has_shortcuts_only_when_asked():
    plain = DEEP_MLP.build(DEEP_MLP.coerce_options({"depth": 4}))
    residual = DEEP_MLP.build(DEEP_MLP.coerce_options({"depth": 4, "residual": True, "batch_norm": True}))
    types = [n.type for n in residual.main.nodes.values()]
    assert "Add" not in [n.type for n in plain.main.nodes.values()]
    assert types.count("Add") == 4 and types.count("BatchNorm1d") == 4
    reports = [validate_project(p)["deep_mlp"] for p in (plain, residual)]
    assert all(not r.errors for r in reports)
    assert reports[0].total_params == 64 * 64 + 64 + 4 * (64 * 64 + 64) + 64 * 10 + 10


def test_bad_lesson_projects_are_one_clear_error():
    with pytest.raises(LessonError, match="unknown preset 'nosuch'"):
        open_project(ProjectSpec("nosuch"))
    with pytest.raises(LessonError, match="no option"):
        open_project(ProjectSpec("mlp", {"colour": 1}))
    with pytest.raises(LessonError, match="unknown training setting"):
        open_project(ProjectSpec("mlp", training={"speed": 1}))
    with pytest.raises(LessonError, match="unknown lesson"):
        lesson("nosuch")


@pytest.mark.skipif(not SHEET.exists(), reason=f"the course sheet {SHEET} is not on this machine")
def test_lessons_follow_the_course_sheet_in_order_and_in_their_own_words():
    sheet = SHEET.read_text(encoding="utf-8")
    headings = [m.group(2).strip() for m in re.finditer(r"^(#{2,3}) (.+)$", sheet, flags=re.MULTILINE)]
    positions = []
    for item in LESSONS:
        part, heading = [s.strip() for s in item.section.split(">")]
        assert part in headings and heading in headings, item.section
        positions.append(headings.index(heading))
    assert positions == sorted(positions)
    words = re.findall(r"[a-z']+", sheet.lower())
    sheet_runs = {" ".join(words[i : i + 7]) for i in range(len(words) - 6)}
    for item in LESSONS:
        own = re.findall(r"[a-z']+", item.text.lower())
        copied = [" ".join(own[i : i + 7]) for i in range(len(own) - 6) if " ".join(own[i : i + 7]) in sheet_runs]
        assert not copied, (item.id, copied[:2])
