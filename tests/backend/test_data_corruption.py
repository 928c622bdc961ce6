"""Random corruption of data files never raises anything but DataError (and broken images never stop a run)."""

import io
import struct

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from backend.data import DataError, NetworkFacts, open_dataset, prepare_data
from backend.plan.batches import epoch_generator
from backend.plan.images import decode_image

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutate(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    return bytes(out[:cut] if cut is not None else out)


FLIPS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6)
CUTS = st.none() | st.integers(0, 2_000)


def load_and_serve(path, facts, **options):
    """Read, fit, split, normalise and serve one epoch; DataError is the only allowed failure."""
    try:
        source = open_dataset(str(path), facts, 0, options.get("target", ""))
        data = prepare_data(source, facts, source.task, 0.2, 0)
        for _ in data.train_batches(epoch_generator(0, 1), 8):
            pass
        list(data.val_batches())
    except DataError as error:
        assert str(error) and "\n" not in str(error)


@QUICK
@given(text=st.text(alphabet=st.sampled_from(list("ab,;\t\n.-0123456789 \"'xyz?")), max_size=300))
def test_any_csv_text_is_data_or_a_data_error(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    load_and_serve(path, NetworkFacts("x", (2,), "float32", (2,)))


@QUICK
@given(raw=st.binary(max_size=200))
def test_csv_bytes_that_are_not_text_are_a_data_error(tmp_path, raw):
    path = tmp_path / "b.csv"
    path.write_bytes(raw)
    load_and_serve(path, NetworkFacts("x", (1,), "float32", (2,)))


def npz_bytes(compressed: bool) -> bytes:
    buffer = io.BytesIO()
    x = np.random.default_rng(0).random((20, 3)).astype(np.float32)
    (np.savez_compressed if compressed else np.savez)(buffer, x=x, y=np.arange(20) % 2)
    return buffer.getvalue()


@QUICK
@given(flips=FLIPS, cut=CUTS, compressed=st.booleans())
@example(flips=[(4332, 64)], cut=None, compressed=False)  # a member's "version needed" byte: NotImplementedError
def test_a_corrupted_npz_is_data_or_a_data_error(tmp_path, flips, cut, compressed):
    path = tmp_path / "c.npz"
    path.write_bytes(mutate(npz_bytes(compressed), flips, cut))
    load_and_serve(path, NetworkFacts("x", (3,), "float32", (2,)))


def idx_pair() -> tuple[bytes, bytes]:
    images = (np.arange(12 * 5 * 5) % 256).astype(np.uint8).reshape(12, 5, 5)
    labels = (np.arange(12) % 3).astype(np.uint8)
    return (
        bytes([0, 0, 8, 3]) + struct.pack(">3I", *images.shape) + images.tobytes(),
        bytes([0, 0, 8, 1]) + struct.pack(">I", 12) + labels.tobytes(),
    )


@QUICK
@given(flips=FLIPS, cut=CUTS, labels_too=st.booleans())
def test_a_corrupted_idx_pair_is_data_or_a_data_error(tmp_path, flips, cut, labels_too):
    images, labels = idx_pair()
    (tmp_path / "t-images-idx3-ubyte").write_bytes(mutate(images, flips, cut))
    (tmp_path / "t-labels-idx1-ubyte").write_bytes(mutate(labels, flips, cut) if labels_too else labels)
    load_and_serve(tmp_path / "t-images-idx3-ubyte", NetworkFacts("x", (1, 6, 6), "float32", (3,)))


def png_bytes(mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((np.arange(100).reshape(10, 10) * 2).astype(np.uint8)).convert(mode).save(buffer, "PNG")
    return buffer.getvalue()


@QUICK
@given(flips=FLIPS, cut=CUTS, mode=st.sampled_from(["L", "RGB", "RGBA", "P"]))
def test_a_corrupted_image_is_decoded_or_none(tmp_path, flips, cut, mode):
    path = tmp_path / "i.png"
    path.write_bytes(mutate(png_bytes(mode), flips, cut))
    array = decode_image(str(path), 3, (6, 6))
    assert array is None or (array.shape == (3, 6, 6) and array.dtype == np.uint8)


@QUICK
@given(flips=FLIPS, cut=CUTS, broken=st.integers(0, 5))
def test_a_folder_with_corrupted_images_serves_the_readable_ones(tmp_path, flips, cut, broken):
    root = tmp_path / f"f{broken}-{len(flips)}-{cut}"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True, exist_ok=True)
        for index in range(3):
            data = png_bytes("RGB")
            if label == "a" and index < broken:
                data = mutate(data, flips, cut)
            (root / label / f"{index}.png").write_bytes(data)
    load_and_serve(root, NetworkFacts("x", (3, 8, 8), "float32", (2,)))
