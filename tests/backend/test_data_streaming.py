"""Arrays larger than memory: NPZ members and IDX files are memory-mapped and served per batch like resident data."""

import struct
import zipfile

import numpy as np
import pytest
import torch

from backend.data import NetworkFacts, open_dataset, prepare_data
from backend.plan import arrays as plan_arrays
from backend.plan import data as plan_data
from backend.plan.arrays import MappedArray
from backend.plan.batches import epoch_generator

FACTS = NetworkFacts("image", (1, 12, 12), "float32", (3,))


def digits_like(count=60, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, size, size), dtype=np.uint8), (np.arange(count) % 3).astype(np.int64)


def all_batches(data, size=16):
    return list(data.train_batches(epoch_generator(0, 1), size)), list(data.val_batches())


def assert_same_batches(first, second):
    for part_a, part_b in zip(first, second, strict=True):
        assert len(part_a) == len(part_b)
        for (xa, ya), (xb, yb) in zip(part_a, part_b, strict=True):
            torch.testing.assert_close(xa, xb, rtol=1e-6, atol=1e-6)
            assert torch.equal(ya, yb)


def test_an_uncompressed_npz_is_mapped_in_place_and_streams_the_same_batches(tmp_path, monkeypatch):
    x, y = digits_like()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    source = open_dataset(str(tmp_path / "d.npz"))
    assert isinstance(source.x, MappedArray) and source.layout == "nhw" and source.divisor == 255.0
    resident = prepare_data(source, FACTS, "classification", 0.2, 0)
    assert not resident.streamed
    monkeypatch.setattr(plan_data, "RESIDENT_BYTES", 1000)  # as if the set were larger than memory
    streamed = prepare_data(open_dataset(str(tmp_path / "d.npz")), FACTS, "classification", 0.2, 0)
    assert streamed.streamed
    assert_same_batches(all_batches(resident), all_batches(streamed))
    torch.testing.assert_close(streamed.display, resident.display)


def test_a_large_compressed_member_is_decompressed_once_into_the_cache(tmp_path, monkeypatch):
    x, y = digits_like()
    np.savez_compressed(tmp_path / "c.npz", x=x, y=y)
    monkeypatch.setenv("NETCANVAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(plan_arrays, "IN_MEMORY_BYTES", 100)
    steps = []
    source = open_dataset(str(tmp_path / "c.npz"), progress=lambda *step: steps.append(step))
    cached = list((tmp_path / "cache").glob("npz-*.npy"))
    assert len(cached) == 2 and steps[-1][0] == "extract"  # x and y, each written once
    np.testing.assert_array_equal(np.asarray(source.x), x)
    open_dataset(str(tmp_path / "c.npz"))
    assert sorted((tmp_path / "cache").glob("npz-*")) == sorted(cached)  # reused, nothing left half-written


def test_channels_last_npz_images_are_read_as_images(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "rgb.npz", x=rng.integers(0, 256, (10, 9, 7, 3), dtype=np.uint8), y=np.arange(10) % 2)
    source = open_dataset(str(tmp_path / "rgb.npz"))
    assert source.layout == "nhwc" and source.sample_shape == (3, 9, 7)


def write_idx(path, array):
    code = {np.dtype(np.uint8): 0x08, np.dtype(">f4"): 0x0D}[array.dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


def test_idx_files_are_mapped_and_stream_like_resident_data(tmp_path, monkeypatch):
    x, y = digits_like(seed=2)
    write_idx(tmp_path / "train-images-idx3-ubyte", x)
    write_idx(tmp_path / "train-labels-idx1-ubyte", y.astype(np.uint8))
    source = open_dataset(str(tmp_path / "train-images-idx3-ubyte"))
    assert isinstance(source.x, MappedArray)
    resident = prepare_data(source, FACTS, "classification", 0.2, 0)
    monkeypatch.setattr(plan_data, "RESIDENT_BYTES", 1000)
    streamed = prepare_data(open_dataset(str(tmp_path / "train-images-idx3-ubyte")), FACTS, "classification", 0.2, 0)
    assert streamed.streamed
    assert_same_batches(all_batches(resident), all_batches(streamed))


def test_big_endian_float_idx_values_are_read_in_native_order(tmp_path):
    values = np.linspace(0, 1, 6 * 4 * 4, dtype=">f4").reshape(6, 4, 4)
    write_idx(tmp_path / "a-images-idx3-ubyte", values)
    write_idx(tmp_path / "a-labels-idx1-ubyte", np.array([0, 1, 0, 1, 0, 1], np.uint8))
    source = open_dataset(str(tmp_path / "a-images-idx3-ubyte"))
    rows, _, _ = source.read([5], plan_data.SampleFit())
    assert float(rows.max()) == pytest.approx(1.0) and source.divisor == 1.0


def test_a_zip_that_lies_about_its_member_is_a_data_error(tmp_path):
    x, y = digits_like()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with zipfile.ZipFile(tmp_path / "d.npz") as archive:
        info = archive.getinfo("x.npy")
    data = bytearray((tmp_path / "d.npz").read_bytes())
    data[info.header_offset : info.header_offset + 4] = b"XXXX"
    (tmp_path / "d.npz").write_bytes(bytes(data))
    with pytest.raises(plan_data.DataError, match="d.npz"):
        open_dataset(str(tmp_path / "d.npz"))
