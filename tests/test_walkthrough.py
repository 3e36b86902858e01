"""A newcomer's first hour, scripted: the README's command-line walk-through, run as a user would.

1. A tabular CSV (scikit-learn's breast-cancer data with an ``id`` column and a string
   target): ``fit`` converges without a warning in under 200 iterations, because the
   numeric features are standardised by default.
2. ``predict --id id`` on labelled rows keeps the ids and reports the accuracy.
3. 20newsgroups (skipped without the corpus): ``fit --ngram-range 1 2 --stop-words
   english --min-df 2`` then ``predict`` reports an accuracy. A slice of the corpus keeps
   the test to a few seconds; the README gives the full corpus's figures.

Also ``softmaxreg --version``, and a scaler pipeline round trip through ``save_model``.
"""

import gzip
import itertools
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import DATA
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from softmaxreg import SoftmaxRegression, __version__, load_model, save_model


def softmaxreg(*args, cwd):
    """``softmaxreg ARGS`` (as ``python -m softmaxreg``), failing the test on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-m", "softmaxreg", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    """cancer.csv: an id column, 30 numeric features, the target 'diagnosis' as strings."""
    d = tmp_path_factory.mktemp("walkthrough")
    data = load_breast_cancer()
    names = ["id", *data.feature_names, "diagnosis"]
    labels = np.where(data.target == 1, "benign", "malignant")
    with open(d / "cancer.csv", "w") as f:
        f.write(",".join(names) + "\n")
        for i, (row, label) in enumerate(zip(data.data, labels)):
            f.write(",".join([str(842300 + i), *map(repr, row.tolist()), label]) + "\n")
    return d


def test_version():
    result = softmaxreg("--version", cwd=".")
    assert result.stdout.strip() == f"softmaxreg {__version__}"


def test_tabular_csv_fit_then_predict_with_ids(cancer):
    fit = softmaxreg(
        "fit",
        "cancer.csv",
        "--target",
        "diagnosis",
        "--drop",
        "id",
        "--model",
        "cancer.npz",
        cwd=cancer,
    )
    print(fit.stdout, fit.stderr)
    n_iter = int(re.search(r"^training: \d+ rows, [\d.]+ s, (\d+) iterations", fit.stdout, re.M)[1])
    assert n_iter < 200
    assert "ConvergenceWarning" not in fit.stderr and "did not converge" not in fit.stderr
    assert "badly scaled" not in fit.stderr
    assert "(standardised)" in fit.stdout and "per standard deviation" in fit.stdout
    # the collinear columns are named with their figures
    assert re.search(r"Collinear columns .*'mean radius' [\d.e+]+", fit.stderr)
    held_out = float(re.search(r"held-out \(114 rows\): accuracy ([\d.]+)", fit.stdout)[1])
    assert held_out > 0.9

    predict = softmaxreg("predict", "cancer.npz", "cancer.csv", "--id", "id", cwd=cancer)
    print(predict.stderr)
    lines = predict.stdout.splitlines()
    assert lines[0] == "id,prediction" and len(lines) == 570
    assert [line.split(",")[0] for line in lines[1:]] == [str(842300 + i) for i in range(569)]
    accuracy = float(re.search(r"accuracy ([\d.]+)", predict.stderr)[1])
    truth = np.where(load_breast_cancer().target == 1, "benign", "malignant")
    predicted = np.array([line.split(",")[1] for line in lines[1:]])
    assert accuracy == pytest.approx(np.mean(predicted == truth), abs=5e-5)


@pytest.fixture(scope="module")
def news_slice(tmp_path_factory):
    """The first 2,000 training and 1,000 test posts of 20newsgroups, as JSON lines."""
    source = DATA / "20newsgroups"
    if not (source / "train.jsonl.gz").exists():
        pytest.skip(f"20newsgroups corpus not found at {source} (set SOFTMAXREG_DATA)")
    d = tmp_path_factory.mktemp("news")
    for name, n in (("train", 2000), ("test", 1000)):
        with gzip.open(source / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
            lines = list(itertools.islice(f, n))
        (d / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
    return d


def test_text_fit_with_ngrams_then_predict(news_slice):
    fit = softmaxreg(
        "fit",
        "train.jsonl",
        "--ngram-range",
        "1",
        "2",
        "--stop-words",
        "english",
        "--min-df",
        "2",
        "--top",
        "3",
        "--model",
        "news.npz",
        cwd=news_slice,
    )
    print(fit.stdout, fit.stderr)
    assert "ConvergenceWarning" not in fit.stderr
    vec = load_model(news_slice / "news.npz")[0]
    assert vec.ngram_range == (1, 2) and vec.stop_words == "english" and vec.min_df == 2
    predict = softmaxreg("predict", "news.npz", "test.jsonl", cwd=news_slice)
    print(predict.stderr)
    accuracy = float(re.search(r"accuracy ([\d.]+)", predict.stderr)[1])
    assert accuracy > 0.5  # 20 classes: chance is 0.05


def test_scaler_pipeline_round_trips(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SoftmaxRegression())]).fit(X, y)
    save_model(pipe, tmp_path / "pipe.npz")
    loaded = load_model(tmp_path / "pipe.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
