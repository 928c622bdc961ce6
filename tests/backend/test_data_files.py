"""User data files: CSV, NPZ and IDX pairs, including the broken ones (image folders: test_data_folders.py)."""

import gzip
import struct

import numpy as np
import pytest

from backend.data import DataError, NetworkFacts, open_dataset, prepare_data
from backend.plan.fit import SampleFit

FACTS = NetworkFacts("x", (2,), "float32", (2,))


def load(path, target=""):
    return open_dataset(str(path), FACTS, 0, target)


def samples(source, fit=SampleFit()):
    """Every sample of a source as the training plan turns it into floats."""
    return source.samples(source.read(list(range(source.count)), fit)[0], fit)


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# -- CSV -------------------------------------------------------------------------------------------
def test_csv_takes_the_last_column_as_the_target(tmp_path):
    raw = load(write_csv(tmp_path / "d.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,1\n"))
    assert raw.x.tolist() == [[1, 2], [3, 4], [5, 6]] and raw.task == "classification"
    assert raw.y.tolist() == [0, 1, 1]


def test_csv_target_can_be_named_and_words_become_classes(tmp_path):
    path = write_csv(tmp_path / "d.csv", "kind,a,b\ncat,1,2\ndog,3,4\ncat,5,6\n")
    raw = load(path, target="kind")
    assert raw.class_names == ["cat", "dog"] and raw.y.tolist() == [0, 1, 0]
    assert raw.x.tolist() == [[1, 2], [3, 4], [5, 6]]


def test_csv_with_fractional_targets_is_regression(tmp_path):
    raw = load(write_csv(tmp_path / "d.csv", "a,b,y\n1,2,0.5\n3,4,1.25\n"))
    assert raw.task == "regression" and raw.y.tolist() == [0.5, 1.25]


def test_csv_wrong_column_lists_the_available_ones(tmp_path):
    path = write_csv(tmp_path / "d.csv", "a,b,y\n1,2,0\n")
    with pytest.raises(DataError, match=r"d.csv: no column 'price' \(columns: a, b, y\)"):
        load(path, target="price")


def test_csv_non_numeric_feature_column_is_named_with_its_row(tmp_path):
    path = write_csv(tmp_path / "d.csv", "a,colour,y\n1,2,0\n3,red,1\n")
    with pytest.raises(DataError, match="d.csv: column 'colour' is not numeric \\(row 3 holds 'red'\\)"):
        load(path)


def test_csv_ragged_rows_and_header_only_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="row 3 has 2 values"):
        load(write_csv(tmp_path / "r.csv", "a,b,y\n1,2,0\n1,2\n"))
    with pytest.raises(DataError, match="header row and at least one data row"):
        load(write_csv(tmp_path / "h.csv", "a,b,y\n"))


def test_csv_with_too_few_rows_cannot_train(tmp_path):
    raw = load(write_csv(tmp_path / "few.csv", "a,b,y\n1,2,0\n3,4,1\n"))
    with pytest.raises(DataError, match="few.csv has only 2 samples"):
        prepare_data(raw, FACTS, "classification", 0.2, 0)


def test_csv_whole_numbers_nearly_all_different_are_values_not_classes(tmp_path):
    rows = "".join(f"{i},{i * 2},{v}\n" for i, v in enumerate([60, 60, 101, 101, 101, 46, 46, 50, 43, 43]))
    raw = load(write_csv(tmp_path / "jumps.csv", "a,b,jumps\n" + rows))
    assert raw.task == "classification"  # 5 values, each shared by two samples on average: classes
    rows = "".join(f"{i},{i * 2},{v}\n" for i, v in enumerate([60, 61, 101, 102, 105, 46, 37, 50, 43, 44]))
    raw = load(write_csv(tmp_path / "jumps.csv", "a,b,jumps\n" + rows))
    assert raw.task == "regression"  # 10 values for 10 samples: a measurement, not a class number


def test_tables_separated_by_spaces_or_tabs_gzipped_or_without_a_header_are_read(tmp_path):
    spaced = load(write_csv(tmp_path / "s.csv", "Chins Situps   Jumps\n5 162 60\n2 110 60\n12 101 101\n"))
    assert spaced.x.tolist() == [[5, 162], [2, 110], [12, 101]] and spaced.y.tolist() == [60, 60, 101]
    tabbed = load(write_csv(tmp_path / "t.tsv", "a\tb\ty\n1\t2\t0\n3\t4\t1\n5\t6\t1\n"))
    assert tabbed.x.tolist() == [[1, 2], [3, 4], [5, 6]]
    zipped = tmp_path / "z.csv.gz"
    zipped.write_bytes(gzip.compress(b"1,2,0\n3,4,1\n5,6,1\n7,8,0\n"))
    raw = load(zipped)
    assert raw.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]] and raw.y.tolist() == [0, 1, 1, 0]
    assert any("no header row: the columns are named column1 to column3" in note for note in raw.notes)
    assert load(zipped, target="column1").y.tolist() == [1, 3, 5, 7]


def test_a_european_spreadsheet_export_is_read(tmp_path):
    """Semicolons, decimal commas and Windows-1252 text, as Excel saves a CSV in much of Europe."""
    path = tmp_path / "messwerte.csv"
    path.write_bytes("Größe;Gewicht;Klasse\n1,5;2,25;ja\n-3,0;4;nein\n5;6,5;ja\n7;8;nein\n".encode("cp1252"))
    raw = load(path, target="Klasse")
    assert raw.x.tolist() == [[1.5, 2.25], [-3.0, 4.0], [5.0, 6.5], [7.0, 8.0]]
    assert raw.class_names == ["ja", "nein"] and raw.y.tolist() == [0, 1, 0, 1]
    with pytest.raises(DataError, match="column 'a' is not numeric"):  # separated by commas: no guessing
        load(write_csv(tmp_path / "c.csv", 'a,b,y\n"1,5",2,0\n3,4,1\n'))


def test_a_broken_gzip_table_is_a_data_error(tmp_path):
    broken = tmp_path / "b.csv.gz"
    whole = gzip.compress(b"a,b,y\n" + b"".join(b"%d,%d,%d\n" % (i, i * 7, i % 3) for i in range(5000)))
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="b.csv.gz: not a readable gzip file"):
        load(broken)
    broken.write_bytes(b"a,b,y\n1,2,0\n")
    with pytest.raises(DataError, match="b.csv.gz: not a readable gzip file"):
        load(broken)


# -- NPZ -------------------------------------------------------------------------------------------
def test_npz_tables_and_images(tmp_path):
    np.savez(tmp_path / "t.npz", x=np.random.rand(10, 2).astype(np.float32), y=np.arange(10) % 2)
    raw = load(tmp_path / "t.npz")
    assert raw.kind == "tabular" and raw.task == "classification" and raw.x.shape == (10, 2)
    np.savez(tmp_path / "i.npz", x=np.full((6, 5, 5), 255, np.uint8), y=np.arange(6) % 3)
    images = load(tmp_path / "i.npz")
    assert images.kind == "image" and samples(images).shape == (6, 1, 5, 5) and float(samples(images).max()) == 1.0


def test_npz_regression_targets_are_floats(tmp_path):
    np.savez(tmp_path / "r.npz", x=np.random.rand(8, 3), y=np.random.rand(8))
    assert load(tmp_path / "r.npz").task == "regression"


def test_npz_without_x_lists_what_is_there(tmp_path):
    np.savez(tmp_path / "n.npz", data=np.zeros((3, 2)), labels=np.zeros(3))
    with pytest.raises(DataError, match=r"n.npz: needs an array named 'x' \(arrays in the file: data, labels\)"):
        load(tmp_path / "n.npz")


def test_npz_with_mismatched_lengths_or_garbage_is_refused(tmp_path):
    np.savez(tmp_path / "m.npz", x=np.zeros((4, 2)), y=np.zeros(3))
    with pytest.raises(DataError, match="'y' has 3 samples but 'x' has 4"):
        load(tmp_path / "m.npz")
    (tmp_path / "g.npz").write_bytes(b"garbage")
    with pytest.raises(DataError, match="g.npz: not a readable .npz archive"):
        load(tmp_path / "g.npz")


# -- IDX ---------------------------------------------------------------------------------------------
def write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(">u1").tobytes())


def test_idx_images_with_labels_beside_them(tmp_path):
    images = np.arange(5 * 3 * 4, dtype=np.uint8).reshape(5, 3, 4)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 0, 1, 2, 0], np.uint8))
    raw = load(tmp_path / "train-images-idx3-ubyte")
    assert samples(raw).shape == (5, 1, 3, 4) and raw.y.tolist() == [1, 0, 1, 2, 0]
    assert float(samples(raw)[0, 0, 0, 1]) == pytest.approx(1 / 255)


def test_idx_without_its_labels_file_says_which_is_missing(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(DataError, match="the labels file t10k-labels-idx1-ubyte is missing"):
        load(tmp_path / "t10k-images-idx3-ubyte")


def test_idx_with_a_wrong_magic_or_truncated_data_is_refused(tmp_path):
    (tmp_path / "a-images-idx3-ubyte").write_bytes(b"\x01\x02\x08\x03")
    with pytest.raises(DataError, match="wrong magic number"):
        load(tmp_path / "a-images-idx3-ubyte")
    write_idx(tmp_path / "b-images-idx3-ubyte", np.zeros((2, 3, 3), np.uint8))
    data = (tmp_path / "b-images-idx3-ubyte").read_bytes()
    (tmp_path / "b-images-idx3-ubyte").write_bytes(data[:-4])
    with pytest.raises(DataError, match=r"b-images-idx3-ubyte: its header promises 2 x 3 x 3 values \(18 bytes\) but"):
        load(tmp_path / "b-images-idx3-ubyte")


def test_idx_labels_that_do_not_match_the_images_are_refused(tmp_path):
    write_idx(tmp_path / "c-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))
    write_idx(tmp_path / "c-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="c-labels-idx1-ubyte: holds"):
        load(tmp_path / "c-images-idx3-ubyte")


def test_an_unknown_file_kind_is_refused(tmp_path):
    (tmp_path / "d.txt").write_text("1,2\n")
    with pytest.raises(DataError, match="d.txt: unknown kind of data file"):
        load(tmp_path / "d.txt")
