"""Reading tables: column kinds, one-hot, missing values, and one-line errors."""

import numpy as np
import pytest

from kerasgen.data import read_table
from kerasgen.data.tables import decode_rows, feature_statistics, layout
from tests.data.tables_data import write_csv, write_npy


def test_breast_cancer_columns_and_label(tmp_path):
    path = write_csv(tmp_path / "bc.csv", "breast_cancer")
    table = read_table(path, label_column="target")
    assert table.x.shape == (569, 30) and table.x.dtype == np.float32
    assert all(column["kind"] == "numeric" for column in table.columns)
    assert table.classes == ["0", "1"] and np.bincount(table.y).tolist() == [212, 357]


def test_text_column_is_one_hot(tmp_path):
    path = write_csv(tmp_path / "wine.csv", "wine", text_target=True)
    table = read_table(path)
    assert table.columns[-1] == {"name": "target", "kind": "categorical",
                                 "categories": ["class_0", "class_1", "class_2"]}
    one_hot = table.x[:, -3:]
    assert one_hot.sum(axis=1).tolist() == [1.0] * 178
    assert one_hot.sum(axis=0).tolist() == [59.0, 71.0, 48.0]
    assert layout(table.columns)[-1] == (13, 16)
    rows = decode_rows(table.columns, table.x[:2])
    assert rows[0][-1] == "class_0" and rows[0][0] == pytest.approx(14.23, abs=1e-4)


def test_numbers_one_hot_on_request(tmp_path):
    path = write_csv(tmp_path / "wine.csv", "wine")
    table = read_table(path, categorical=["target"])
    assert table.columns[-1]["categories"] == ["0", "1", "2"]


def test_npy_rows(tmp_path):
    table = read_table(write_npy(tmp_path / "digits.npy", "digits"))
    assert table.x.shape == (1797, 64) and table.columns[5]["name"] == "5"
    mean, std = feature_statistics(table.columns, table.x)
    assert std[0] == 1.0  # a constant column (always 0) keeps std 1
    np.testing.assert_allclose(mean[10], table.x[:, 10].mean(), rtol=1e-5)


def test_text_in_numeric_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "bc.csv", "breast_cancer")
    lines = path.read_text().splitlines()
    cells = lines[7].split(",")
    cells[2] = "twelve"
    lines[7] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"column 'mean perimeter' .* line 8 holds 'twelve'"):
        read_table(path)


def test_missing_values_refused_or_imputed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,colour\n1,2,red\n,4,blue\n5,NA,\n")
    with pytest.raises(ValueError, match=r"column 'a' .* 1 missing value\(s\) \(first at line 3\)"):
        read_table(path)
    table = read_table(path, impute="mean")
    assert table.x[1, 0] == 3.0 and table.x[2, 1] == 3.0  # the means of the present values
    assert table.x[2, 2:].tolist() == [1.0, 0.0]  # a tie of blue / red: the first sorted


def test_empty_and_mismatched_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty.csv' is empty"):
        read_table(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(ValueError, match="header but no data rows"):
        read_table(header_only)
    short = tmp_path / "short.csv"
    short.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match="line 3 has 1 values, the header has 2 columns"):
        read_table(short)
    trained = read_table(write_csv(tmp_path / "wine.csv", "wine", text_target=True))
    other = write_csv(tmp_path / "bc.csv", "breast_cancer")
    with pytest.raises(ValueError, match="the model was trained on columns"):
        read_table(other, columns=trained.columns)
    with pytest.raises(ValueError, match="must be a .csv or .npy file"):
        read_table(tmp_path / "table.parquet")


def test_unknown_category_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,colour\n1,red\n2,blue\n")
    columns = read_table(path).columns
    other = tmp_path / "u.csv"
    other.write_text("a,colour\n1,green\n")
    with pytest.raises(ValueError, match=r"column 'colour' .* \['green'\]"):
        read_table(other, columns=columns)


def test_bundled_tables_are_read_by_name_and_split_like_files():
    from kerasgen import training_data
    from kerasgen.data import sources

    table = read_table("sklearn:breast_cancer", label_column="target")
    assert table.x.shape == (569, 30) and table.classes == ["0", "1"] and table.y.sum() == 357
    with pytest.raises(ValueError, match="'sklearn:iris' is not a bundled table; expected one of"):
        read_table("sklearn:iris")
    # A recipe on a bundled table trains on what `kerasgen evaluate` does not test on.
    spec = {"data": "sklearn:breast_cancer", "table": {"label_column": "target"}, "seed": 0,
            "normal_classes": [1]}
    x, y = training_data.load_spec_data(spec)
    _, (x_test, _) = sources.load_splits("sklearn:breast_cancer", label_column="target", seed=0)
    assert len(x) == 357 - 89 and (y == 1).all() and len(x_test) == 142
    assert not (x[:, None, :] == x_test[None]).all(axis=2).any()  # no test row in training


def test_labels_that_do_not_match_are_one_line_errors(tmp_path, capsys):
    from kerasgen import cli

    data = write_csv(tmp_path / "bc.csv", "breast_cancer")
    code = cli.main(["fit", "vae", "--data", str(data), "--label-column", "diagnosis", "--out",
                     str(tmp_path / "r"), "--epochs", "1"])
    error = capsys.readouterr().err.strip()
    assert code == 2 and error.count("\n") == 0 and "label_column 'diagnosis' is not a column of" in error
    lines = data.read_text().splitlines()
    lines[7] = lines[7].rsplit(",", 1)[0] + ","  # a row without its label
    data.write_text("\n".join(lines) + "\n")
    code = cli.main(["encode", "vae_breast_cancer", "--data", str(data), "--label-column", "target",
                     "-o", str(tmp_path / "codes.npy")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and error.count("\n") == 0 and "label_column 'target'" in error
    assert "has missing labels" in error and not (tmp_path / "codes.npy").exists()
