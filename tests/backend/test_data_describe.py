"""What a data set is (describe_dataset, inspect_csv) and the wine/flowers story: a CSV fits the network, and trains."""

import csv

import numpy as np
import pytest
from PIL import Image

from backend.cli import main
from backend.data import DataError, describe_dataset, inspect_csv
from backend.training import TrainingSession, TrainingSetupError
from graph.presets import build_preset
from graph.project_io import load_project
from graph.validation import validate_project

CULTIVARS = ("barbera", "barolo", "grignolino")


@pytest.fixture
def wine_csv(tmp_path):
    """scikit-learn's wine table with its classes written as cultivar names in the first column."""
    from sklearn.datasets import load_wine

    data = load_wine()
    path = tmp_path / "wine.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cultivar", *data.feature_names])
        for row, label in zip(data.data, data.target, strict=True):
            writer.writerow([CULTIVARS[label], *(f"{value:g}" for value in row)])
    return path


def test_builtin_sets_describe_themselves():
    digits = describe_dataset("digits")
    assert (digits.kind, digits.sample_shape, digits.samples, digits.task) == (
        "image",
        (1, 8, 8),
        1797,
        "classification",
    )
    assert digits.class_names == tuple("0123456789")
    diabetes = describe_dataset("diabetes")
    assert diabetes.task == "regression" and diabetes.target_width == 1 and diabetes.sample_shape == (10,)
    assert describe_dataset("sine").sample_shape == (None, 1)  # its length follows the network
    assert describe_dataset("reverse").vocab == 10


def test_a_csv_describes_its_columns_target_and_named_classes(wine_csv):
    facts = describe_dataset(str(wine_csv), "cultivar")
    assert facts.sample_shape == (13,) and facts.samples == 178 and facts.class_names == CULTIVARS
    assert facts.columns[0] == "cultivar" and len(facts.columns) == 14 and facts.target == "cultivar"


def test_a_folder_describes_its_usual_size_and_colours(tmp_path):
    for label, size in (("cat", (40, 30)), ("dog", (42, 30))):
        (tmp_path / "pets" / label).mkdir(parents=True)
        for index in range(3):
            Image.new("RGB", size).save(tmp_path / "pets" / label / f"{index}.png")
    seen = []
    facts = describe_dataset(str(tmp_path / "pets"), progress=lambda *step: seen.append(step))
    assert facts.sample_shape == (3, 30, 41) and facts.class_names == ("cat", "dog") and seen[-1] == ("index", 2, 2)


def test_npz_and_idx_describe_without_reading_every_sample(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros((50, 28, 28), np.uint8), y=np.arange(50) % 5)
    facts = describe_dataset(str(tmp_path / "d.npz"))
    assert facts.kind == "image" and facts.sample_shape == (1, 28, 28) and facts.classes == 5


def test_inspect_csv_shows_types_missing_values_first_rows_and_a_suggested_target(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("petal,sepal,count,species\n1.5,2,3,iris\n,2.5,4,rose\n1.1,3,5,iris\n", encoding="utf-8")
    preview = inspect_csv(path, rows=2)
    assert preview.names == ("petal", "sepal", "count", "species")
    assert [c.type for c in preview.columns] == ["number", "number", "integer", "text"]
    assert preview.columns[0].missing == 1 and preview.columns[3].distinct == 2
    assert preview.rows == (("1.5", "2", "3", "iris"), ("", "2.5", "4", "rose")) and preview.row_count == 3
    assert preview.suggested_target == "species"


def test_inspect_csv_of_a_broken_file_is_a_data_error(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(DataError, match="x.csv: not a text CSV file"):
        inspect_csv(tmp_path / "x.csv")
    with pytest.raises(DataError, match="nothing.csv: no such file"):
        inspect_csv(tmp_path / "nothing.csv")


def test_missing_values_and_words_in_a_feature_column_say_where_and_what_to_do(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b,y\n1,2,0\n3,,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="m.csv: row 3, column 'b' is empty; fill it in, remove the row"):
        describe_dataset(str(path))
    path.write_text("a,b,y\n1,2,0\n3,NA,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 3, column 'b' holds 'NA', a missing value"):
        describe_dataset(str(path))


def test_the_wine_story_new_fits_the_mlp_and_train_names_the_classes(wine_csv, tmp_path, capsys):
    project_file = tmp_path / "wine.json"
    args = ["new", "--preset", "mlp", "--set", f"dataset={wine_csv}", "--set", "target=cultivar"]
    assert main([*args, "-o", str(project_file)]) == 0
    assert "fitted to wine.csv: 178 samples, 13 features, 3 classes (barbera, barolo, grignolino)" in (
        capsys.readouterr().out
    )
    project = load_project(project_file)
    network = project.main
    assert tuple(network.input_nodes()[0].params["shape"]) == (13,)
    assert network.node_by_name("fc3").params["out_features"] == 3
    assert all(report.ok for report in validate_project(project).values())
    epochs = []
    result = TrainingSession(project, {"epochs": 3, "device": "cpu"}).run(on_epoch=epochs.append)
    assert result.status == "finished" and result.history[-1]["val_accuracy"] > 0.8
    assert epochs[-1].extras["class_names"] == list(CULTIVARS)


def test_a_classifier_wider_than_the_classes_never_trains_silently(wine_csv):
    project = build_preset("mlp", {"in_features": 13})  # still 10 outputs for 3 cultivars
    project.training.update({"dataset": str(wine_csv), "target": "cultivar"})
    with pytest.raises(TrainingSetupError) as caught:
        TrainingSession(project)
    message = str(caught.value)
    assert "wine.csv has 3 classes (barbera, barolo, grignolino) but the network's Output gives 10 values" in message
    assert message.endswith("set the last layer's size to 3")


def test_new_refuses_a_cnn_on_a_table_naming_the_presets_that_fit(wine_csv, tmp_path, capsys):
    code = main(["new", "--preset", "lenet5", "--set", f"dataset={wine_csv}", "-o", str(tmp_path / "x.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "presets that take tables: mlp" in err
    assert not (tmp_path / "x.json").exists()


def test_new_on_an_image_folder_fits_channels_size_and_classes(tmp_path, capsys):
    for label in ("ant", "bee", "wasp"):
        (tmp_path / "bugs" / label).mkdir(parents=True)
        for index in range(4):
            Image.new("RGB", (64, 48), (index * 40, 90, 10)).save(tmp_path / "bugs" / label / f"{index}.jpg")
    path = tmp_path / "bugs.json"
    assert main(["new", "--preset", "resnet", "--set", f"dataset={tmp_path / 'bugs'}", "-o", str(path)]) == 0
    image = load_project(path).main.input_nodes()[0]
    assert tuple(image.params["shape"]) == (3, 48, 48)
    assert load_project(path).main.node_by_name("fc").params["out_features"] == 3
