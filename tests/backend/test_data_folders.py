"""Image folders as users have them: any size and mode, broken files, empty classes, stray files; read per batch."""

import numpy as np
import pytest
import torch
from PIL import Image

from backend.data import DataError, NetworkFacts, open_dataset, prepare_data
from backend.plan import data as plan_data
from backend.plan import images as plan_images
from backend.plan.batches import epoch_generator
from backend.plan.images import decode_image
from backend.training import TrainingSession
from graph.presets import build_preset

FACTS = NetworkFacts("image", (1, 8, 8), "float32", (2,))


def make_folder(root, count=3, size=(6, 4), mode="L"):
    for label, level in (("cat", 0), ("dog", 255)):
        (root / label).mkdir(parents=True)
        for index in range(count):
            colour = level if mode == "L" else (level, 0, 0)
            Image.new(mode, size, colour).save(root / label / f"{index:04d}.png")
    return root


def messy_folder(root):
    """Mixed sizes and modes, two unreadable files, an empty class, hidden and non-image files."""
    rng = np.random.default_rng(0)
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for index in range(12):
            width, height = 30 + index, 20 + 2 * index
            pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
            if label == "dog":
                pixels //= 4  # dogs are darker
            image = Image.fromarray(pixels)
            mode = ("RGB", "L", "RGBA", "P", "I;16", "LA")[index % 6]
            if mode == "I;16":
                image = Image.fromarray(np.asarray(image.convert("L")).astype(np.uint16) * 257)
            elif mode == "P":
                image = image.convert("P")
                image.info["transparency"] = 0
            else:
                image = image.convert(mode)
            image.save(root / label / f"{index}.png")
    (root / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    whole = (root / "dog" / "0.png").read_bytes()
    (root / "dog" / "truncated.png").write_bytes(whole[: len(whole) // 2])
    (root / "bird").mkdir()
    (root / ".thumbnails").mkdir()
    (root / "cat" / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "cat" / "._0.png").write_bytes(b"resource fork")
    (root / "dog" / "notes.txt").write_text("where the dogs came from")
    return root


def test_a_folder_gives_one_class_per_sub_folder_and_streams_its_images(tmp_path):
    source = open_dataset(str(make_folder(tmp_path / "pets", count=4)))
    assert source.class_names == ["cat", "dog"] and source.count == 8 and source.y.tolist() == [0] * 4 + [1] * 4
    assert source.channels == 1 and source.typical_size == (4, 6)
    data = prepare_data(source, FACTS, "classification", 0.25, 0)
    assert data.streamed and data.train.count == 6 and data.val.count == 2
    batches = list(data.train_batches(epoch_generator(0, 1), 4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 1, 8, 8), (2, 1, 8, 8)]
    x = torch.cat([x for x, _ in batches])
    y = torch.cat([y for _, y in batches])
    assert bool((x[y == 1].mean() > x[y == 0].mean()).item())  # bright dogs stay brighter after normalising
    assert data.display.shape == (2, 1, 8, 8) and float(data.display.max()) <= 1.0


def test_a_messy_folder_trains_and_says_what_it_skipped(tmp_path):
    root = messy_folder(tmp_path / "photos")
    project = build_preset("lenet5", {"in_channels": 3, "image_size": 16, "num_classes": 2})
    project.training.update({"dataset": str(root), "epochs": 2, "batch_size": "8"})
    epochs, pictures = [], []
    session = TrainingSession(project, {"device": "cpu"})
    result = session.run(on_epoch=epochs.append, on_images=pictures.append)
    assert result.status == "finished", result.message
    predictions = [event for event in pictures if event.kind == "predictions"][-1]
    assert predictions.images.shape[1:] == (16, 16, 3)
    assert all(label.split(" (is ")[0] in ("cat", "dog") for label in predictions.labels)
    notes = epochs[0].extras["notes"]
    assert "ignored 1 empty class folder: bird" in notes
    assert "ignored 1 file that is not an image: dog/notes.txt" in notes
    assert "skipped 2 unreadable images: cat/broken.jpg, dog/truncated.png" in notes
    assert "notes" not in epochs[1].extras  # said once
    assert epochs[0].extras["class_names"] == ["cat", "dog"]
    assert session.data.train.count + session.data.val.count == 26  # hidden files are not counted


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "LA", "P", "1", "CMYK", "I;16", "I", "F"])
def test_every_mode_becomes_grey_or_rgb_at_the_asked_size(tmp_path, mode):
    grey = Image.fromarray(np.tile(np.arange(0, 250, 10, dtype=np.uint8), (15, 1)))  # 25 x 15, a left-right ramp
    if mode == "I;16":
        image = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    elif mode == "I":
        image = Image.fromarray(np.asarray(grey).astype(np.int32) * 257)
    elif mode == "F":
        image = Image.fromarray(np.asarray(grey).astype(np.float32) / 255)
    else:
        image = grey.convert(mode)
        if mode == "P":
            image.info["transparency"] = 0
    path = tmp_path / ("image.tiff" if mode in ("CMYK", "I", "F") else "image.png")
    image.save(path)
    for channels in (1, 3):
        array = decode_image(str(path), channels, (10, 20))
        assert array.dtype == np.uint8 and array.shape == (channels, 10, 20)
        if mode not in ("1", "P", "CMYK"):  # those modes cannot hold a smooth ramp
            assert array[0, 5, 0] < 40 and array[0, 5, -1] > 200, mode  # the ramp survives, 16-bit scaled down


def test_an_unreadable_image_is_none_never_an_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert decode_image(str(tmp_path / "x.png"), 3, (8, 8)) is None
    assert decode_image(str(tmp_path / "missing.png"), 3, (8, 8)) is None


def test_indexing_reports_progress_per_class_folder(tmp_path):
    root = make_folder(tmp_path / "pets")
    (root / "emu").mkdir()
    Image.new("L", (4, 4)).save(root / "emu" / "a.png")
    seen = []
    open_dataset(str(root), progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen == [("index", 1, 3), ("index", 2, 3), ("index", 3, 3)]


def test_a_folder_with_fewer_than_two_classes_is_refused(tmp_path):
    (tmp_path / "one" / "cat").mkdir(parents=True)
    Image.new("L", (4, 4)).save(tmp_path / "one" / "cat" / "a.png")
    (tmp_path / "one" / "dog").mkdir()
    with pytest.raises(DataError, match="one: needs one sub-folder of images per class \\(at least 2\\), found 1"):
        open_dataset(str(tmp_path / "one"))


def test_a_folder_is_not_decoded_up_front(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "many", count=300, size=(5, 5))
    decoded = []
    original = plan_images.decode_image

    def counting(*args):
        decoded.append(args[0])
        return original(*args)

    monkeypatch.setattr(plan_images, "decode_image", counting)
    monkeypatch.setattr(plan_data, "NORM_SAMPLE", 40)
    data = prepare_data(open_dataset(str(root)), FACTS, "classification", 0.2, 0, workers=0)
    next(iter(data.train_batches(epoch_generator(0, 1), 16)))
    # 40 for the statistics, 16 shown in picture grids, 16 for the first batch: not the 600 images
    assert len(decoded) == 40 + 16 + 16


def test_workers_read_the_same_batches_as_the_training_process(tmp_path):
    root = make_folder(tmp_path / "pets", count=20, size=(7, 5), mode="RGB")
    facts = NetworkFacts("image", (3, 6, 6), "float32", (2,))
    batches = {}
    for workers in (0, 2):
        data = prepare_data(open_dataset(str(root)), facts, "classification", 0.2, 0, workers=workers)
        batches[workers] = list(data.train_batches(epoch_generator(0, 1), 8))
        data.close()
    for (x0, y0), (x2, y2) in zip(batches[0], batches[2], strict=True):
        assert torch.equal(x0, x2) and torch.equal(y0, y2)


def test_workers_started_from_a_second_thread_serve_the_same_batches(tmp_path):
    import threading

    root = make_folder(tmp_path / "pets", count=20, size=(7, 5), mode="RGB")
    facts = NetworkFacts("image", (3, 6, 6), "float32", (2,))
    data = prepare_data(open_dataset(str(root)), facts, "classification", 0.2, 0, workers=0)
    expected = list(data.train_batches(epoch_generator(0, 1), 8))
    served = []

    def train_like_the_gui():  # the app trains on a QThread: workers then come from a fork server
        threaded = prepare_data(open_dataset(str(root)), facts, "classification", 0.2, 0, workers=2)
        assert threaded.loader().multiprocessing_context.get_start_method() == "forkserver"
        served.extend(threaded.train_batches(epoch_generator(0, 1), 8))
        threaded.close()

    thread = threading.Thread(target=train_like_the_gui)
    thread.start()
    thread.join(timeout=120)
    assert len(served) == len(expected)
    for (x, y), (x_thread, y_thread) in zip(expected, served, strict=True):
        assert torch.equal(x, x_thread) and torch.equal(y, y_thread)


def test_the_first_training_samples_are_a_fixed_batch(tmp_path):
    project = build_preset("lenet5", {"image_size": 16, "num_classes": 2})
    project.training["dataset"] = str(make_folder(tmp_path / "pets", count=5))
    session = TrainingSession(project, {"device": "cpu"})
    x, y = session.fixed_batch(4)
    again, _ = session.fixed_batch(4)
    assert x.shape == (4, 1, 16, 16) and y.shape == (4,) and torch.equal(x, again)
    assert abs(float(x.mean())) < 3  # normalised, not raw pixels


def test_train_on_the_command_line_prints_the_notes_once(tmp_path, capsys):
    from backend.cli import main
    from graph.project_io import save_project

    project = build_preset("lenet5", {"in_channels": 3, "image_size": 16, "num_classes": 2})
    project.training.update({"dataset": str(messy_folder(tmp_path / "photos")), "epochs": 2, "batch_size": "8"})
    save_project(project, tmp_path / "p.json")
    assert main(["train", str(tmp_path / "p.json"), "--out", str(tmp_path / "run"), "--device", "cpu"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: ignored 1 empty class folder: bird",
        "note: ignored 1 file that is not an image: dog/notes.txt",
        "note: skipped 2 unreadable images: cat/broken.jpg, dog/truncated.png",
    ]
