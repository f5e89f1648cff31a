"""Datasets for chainrule train: generated toys repeat with the seed; CSV errors name the line."""
import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.random import Generator
from chainrule.viz import datasets
from chainrule.viz.datasets import DatasetError, load, load_csv


@pytest.mark.parametrize("name,k", [("xor", 2), ("moons", 2), ("circles", 2), ("spirals", 2)])
def test_generated_datasets_have_the_right_shape_and_repeat_with_the_seed(name, k):
    a = load(name, generator=Generator().manual_seed(5))
    b = load(name, generator=Generator().manual_seed(5))
    c = load(name, generator=Generator().manual_seed(6))
    assert a.X.shape[1] == 2 and a.X.dtype == np.float32 and a.y.dtype == np.int64
    assert sorted(set(a.y.tolist())) == list(range(k))
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)


def test_global_seed_drives_generation_without_a_generator():
    chainrule.manual_seed(1)
    a = datasets.two_moons(50)
    chainrule.manual_seed(1)
    b = datasets.two_moons(50)
    np.testing.assert_array_equal(a.X, b.X)


def test_moons_follow_the_make_moons_construction():
    ds = datasets.two_moons(400, noise=0.0)
    upper = ds.X[ds.y == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)  # unit half circle
    lower = ds.X[ds.y == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)


def test_split_is_disjoint_and_complete():
    ds = datasets.circles(100)
    train, test = ds.split(0.2, generator=Generator().manual_seed(0))
    assert len(train) == 80 and len(test) == 20
    rows = {tuple(r) for r in np.concatenate([train.X, test.X]).tolist()}
    assert rows == {tuple(r) for r in ds.X.tolist()}


def test_digits_from_scikit_learn():
    ds = load("digits")
    assert ds.X.shape == (1797, 64) and ds.n_classes == 10
    assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0


def test_digits_without_scikit_learn_names_the_package(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **kw):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(DatasetError, match="pip install scikit-learn"):
        datasets.digits()


def _csv(tmp_path, text):
    p = tmp_path / "data.csv"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_csv_with_header_and_word_labels(tmp_path):
    ds = load_csv(_csv(tmp_path, "x1,x2,kind\n# a comment\n1,2,cat\n\n3,4.5,dog\n5,6,cat\n"))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4.5], [5, 6]])
    assert ds.y.tolist() == [0, 1, 0] and ds.class_names == ["cat", "dog"]


def test_csv_numeric_labels_are_renumbered(tmp_path):
    ds = load_csv(_csv(tmp_path, "0.5,1,7\n0.1,2,3\n0.2,3,7\n"))
    assert ds.y.tolist() == [1, 0, 1] and ds.class_names == ["3", "7"]


def test_csv_wrong_column_count_names_the_line(tmp_path):
    path = _csv(tmp_path, "a,b,label\n1,2,0\n3,4,1\n5,6\n")
    with pytest.raises(DatasetError, match=r"data\.csv, line 4: expected 3 columns \(like the first line\), found 2"):
        load_csv(path)


def test_csv_non_numeric_cell_names_line_and_column(tmp_path):
    path = _csv(tmp_path, "a,b,label\n1,2,0\n3,four,1\n")
    with pytest.raises(DatasetError, match=r"line 3, column 2 \(b\): 'four' is not a number"):
        load_csv(path)


def test_csv_that_is_not_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b,label\n1,2,0\n3,\xff,1\n")
    with pytest.raises(DatasetError, match=r"data\.csv, line 3: not UTF-8 text: save the CSV file as UTF-8"):
        load_csv(str(path))


def test_csv_non_finite_cell(tmp_path):
    with pytest.raises(DatasetError, match=r"line 2, column 1: 'nan' is not a finite number"):
        load_csv(_csv(tmp_path, "1,2,0\nnan,2,1\n"))


def test_csv_single_column_and_single_class_and_empty(tmp_path):
    with pytest.raises(DatasetError, match="found 1 column"):
        load_csv(_csv(tmp_path, "1\n2\n"))
    with pytest.raises(DatasetError, match="every example has the label '1'"):
        load_csv(_csv(tmp_path, "1,2,1\n3,4,1\n"))
    with pytest.raises(DatasetError, match="no data lines"):
        load_csv(_csv(tmp_path, "a,b,c\n"))


def test_unknown_dataset_and_missing_file():
    with pytest.raises(DatasetError, match="unknown dataset 'mnist': use xor, moons"):
        load("mnist")
    with pytest.raises(DatasetError, match="nope.csv: no such file"):
        load("nope.csv")


def test_cli_train_on_a_broken_csv_is_a_one_line_error(tmp_path, capsys):
    path = _csv(tmp_path, "a,b,label\n1,2,0\n3,x,1\n")
    assert main(["train", "--dataset", path, "--epochs", "1", "--out", str(tmp_path / "run"),
                 "--no-progress", "--no-plots"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("chainrule train: error:") and "line 3, column 2 (b): 'x' is not a number" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_csv_fractional_labels_are_refused_with_the_line(tmp_path):
    with pytest.raises(DatasetError, match=r"line 3: the label '0.5' is not a whole number"):
        load_csv(_csv(tmp_path, "x,y\n1,1\n2,0.5\n"))
