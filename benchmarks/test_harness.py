"""The comparison benchmark's protocol (``harness.py``) on tiny problems."""

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# the lab's modules, beside this file
from compare import results_record
from harness import default_methods, format_table, reference_objective, run_comparison
from problems import Problem, corpus_problem, dense_problem
from results import check
from sklearn.datasets import dump_svmlight_file

from softmaxreg import make_text_classification

COMPARE = Path(__file__).resolve().parent / "compare.py"


@pytest.fixture(scope="module")
def tiny():
    X, y = make_text_classification(900, 2_000, 3, tokens_per_row=40, random_state=0)
    return Problem("tiny", X[:600], X[600:], y[:600], y[600:], alpha=1.0 / 600)


def _methods(*names):
    return [m for m in default_methods() if m.name in names]


def test_ladder_reaches_target_and_table(tiny, tmp_path):
    methods = _methods(
        "softmaxreg sag", "softmaxreg lbfgs", "scikit-learn sag", "scikit-learn SGDClassifier"
    )
    problem, ref, results = run_comparison(
        tiny, methods, repeat=1, budget=20.0, cache_dir=tmp_path, log=io.StringIO()
    )
    by_name = {r.method: r for r in results}
    for name in ("softmaxreg sag", "softmaxreg lbfgs", "scikit-learn sag"):
        r = by_name[name]
        assert r.reached and r.rel_subopt <= 1e-4
        # the rung before the one timed did not reach the target
        assert len(r.rungs) == 1 or r.rungs[-2][2] > 1e-4
        assert r.best_time > 0 and r.peak_tracemalloc > 0 and 0.5 < r.accuracy <= 1.0
    assert set(by_name["scikit-learn sag"].times) == {"as installed", "BLAS 1 thread"}
    assert set(by_name["softmaxreg lbfgs"].times) == {"default", "n_jobs=1"}
    assert not by_name["scikit-learn SGDClassifier"].optimises
    table = format_table(problem, ref, results)
    assert "ratio vs the fastest scikit-learn solver (scikit-learn sag" in table
    assert len(table.splitlines()) == 4 + 7 + 1  # header, a row per (method, variant), note


def test_reference_is_cached(tiny, tmp_path):
    first = reference_objective(tiny, tmp_path, io.StringIO())
    second = reference_objective(tiny, tmp_path, io.StringIO())
    assert not first["cached"] and second["cached"]
    assert second["f_star"] == first["f_star"]
    other = Problem(
        "tiny", tiny.X_train, tiny.X_test, tiny.y_train, tiny.y_test, alpha=2 * tiny.alpha
    )
    assert not reference_objective(other, tmp_path, io.StringIO())["cached"]


def test_corpus_formats(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    records = [
        {"label": str(k % 3), "text": " ".join(rng.choice(words, 8)) + f" topic{k % 3}"}
        for k in range(60)
    ]
    with gzip.open(tmp_path / "all.jsonl.gz", "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    p = corpus_problem(tmp_path / "all.jsonl.gz", C=10.0)
    assert p.X_train.shape[0] == 48 and p.X_test.shape[0] == 12
    assert p.alpha == pytest.approx(1.0 / (10.0 * 48))
    X, y = make_text_classification(50, 30, 2, tokens_per_row=10, random_state=0)
    dump_svmlight_file(X, y, str(tmp_path / "data.svm"))
    p = corpus_problem(tmp_path / "data.svm", C=1.0)
    assert p.X_train.shape == (40, 30) and p.n_classes == 2


def test_dense_problem_is_standardised():
    p = dense_problem(2_000, 10, 4, n_test=100)
    np.testing.assert_allclose(p.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(p.X_train.std(axis=0), 1.0)
    assert p.X_train.flags.c_contiguous and p.n_classes == 4


def test_results_record_follows_the_schema(tiny, tmp_path):
    methods = _methods("softmaxreg sag", "scikit-learn sag", "scikit-learn SGDClassifier")
    problem, ref, results = run_comparison(
        tiny, methods, repeat=1, budget=20.0, cache_dir=tmp_path, memory=False, log=io.StringIO()
    )
    record = check(results_record(problem, ref, results))
    assert [row[0] for row in record["rows"]] == [m.name for m in methods]
    assert "speed-up" in record["summary"]
    assert record["rows"][-1][4] == "own"


def compare(*args):
    """Run ``python benchmarks/compare.py ARGS`` as a user would, from a checkout."""
    return subprocess.run(
        [sys.executable, str(COMPARE), *map(str, args)], capture_output=True, text=True, timeout=600
    )


def test_compare_script_on_a_corpus_file(tmp_path):
    X, y = make_text_classification(
        n_samples=300, n_features=200, n_classes=3, tokens_per_row=20, random_state=0
    )
    path = tmp_path / "tiny.svm"
    dump_svmlight_file(X, y, str(path))
    result = compare(
        "--corpus",
        path,
        "--repeat",
        "1",
        "--budget",
        "20",
        "--no-sgd",
        "--cache-dir",
        tmp_path / "cache",
        "--save",
        tmp_path / "tiny.json",
    )
    assert result.returncode == 0, result.stderr
    for method in ("softmaxreg lbfgs", "softmaxreg sag", "scikit-learn lbfgs", "scikit-learn sag"):
        assert method in result.stdout, result.stdout
    assert any((tmp_path / "cache").iterdir())  # f* cached
    record = check(json.loads((tmp_path / "tiny.json").read_text()))
    assert record["command"].startswith("python benchmarks/compare.py --corpus")
    assert record["versions"]["softmaxreg"]
