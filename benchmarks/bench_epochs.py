"""One solver epoch, softmaxreg vs scikit-learn, in the same pytest-benchmark group.

- ``sag_epoch_float64`` / ``sag_epoch_float32``: a one-epoch SAG fit
  (``max_iter=1, tol=0``, setup included) against ``LogisticRegression(solver="sag",
  max_iter=1, tol=0)`` on the same float64 or float32 TF-IDF rows.
- ``sgd_epoch``: one epoch of softmax SGD against one epoch of
  ``SGDClassifier(loss="log_loss", max_iter=1, tol=None)`` (K one-vs-rest passes).

The rows are the training part of ``text_corpus`` (20newsgroups when present). The
scikit-learn fits warn that one epoch did not converge; the warnings are filtered.
Read the ratios from one run: ``pytest benchmarks/bench_epochs.py --benchmark-enable``.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import SoftmaxRegression


@pytest.fixture(scope="module", params=["float64", "float32"])
def train(request, text_corpus):
    _, X, _, y, _ = text_corpus
    return X.astype(request.param), y, request.param


def _quiet(fit):
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return fit(*args)

    return run


def test_softmaxreg_sag_epoch(benchmark, train):
    X, y, dtype = train
    benchmark.group = f"sag_epoch_{dtype}"
    model = SoftmaxRegression(
        alpha=1.0 / (10 * X.shape[0]), solver="sag", max_iter=1, tol=0.0, random_state=0
    )
    benchmark(_quiet(model.fit), X, y)
    assert model.n_iter_ == 1 and model.coef_.dtype == X.dtype


def test_sklearn_sag_epoch(benchmark, train):
    from sklearn.linear_model import LogisticRegression

    X, y, dtype = train
    benchmark.group = f"sag_epoch_{dtype}"
    model = LogisticRegression(C=10.0, solver="sag", max_iter=1, tol=0.0, random_state=0)
    benchmark(_quiet(model.fit), X, y)
    assert model.n_iter_[0] == 1


def test_softmaxreg_sgd_epoch(benchmark, text_corpus):
    _, X, _, y, _ = text_corpus
    benchmark.group = "sgd_epoch"
    # SGDClassifier's schedule, so that the epochs compare like for like
    model = SoftmaxRegression(
        alpha=1e-5, solver="sgd", learning_rate="optimal", max_iter=1, tol=0.0, random_state=0
    )
    benchmark(_quiet(model.fit), X, y)
    assert model.n_iter_ == 1 and np.all(np.isfinite(model.coef_))


def test_sklearn_sgd_epoch(benchmark, text_corpus):
    from sklearn.linear_model import SGDClassifier

    _, X, _, y, _ = text_corpus
    benchmark.group = "sgd_epoch"
    model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=1, tol=None, random_state=0)
    benchmark(_quiet(model.fit), X, y)
    assert model.n_iter_ == 1


def test_compare_epochs_script_runs():
    """Smoke test of ``benchmarks/compare_epochs.py`` (the interleaved table) on tiny data."""
    from compare_epochs import run

    from softmaxreg import make_text_classification

    X, y = make_text_classification(700, 2_000, 4, tokens_per_row=30, random_state=0)
    lines = []
    med = run((X[:500], X[500:], y[:500], y[500:]), repeat=1, out=lines.append)
    ratios = med.pop("ratios")
    # on data this small an epoch, t(5) - t(2), is within the timers' noise and may come
    # out negative (wall-clock rows on threads most of all): check that every row is there
    assert len(med) == 15 and all(np.isfinite(v) for v in med.values())
    assert len(ratios) == 12 and all(np.isfinite(r) for r in ratios.values())
    assert sum(line.startswith("ratio ") for line in lines) == 12


def test_compare_ceiling_script_runs():
    """Smoke test of ``benchmarks/compare_ceiling.py`` (the plain C loop) on tiny data."""
    from compare_ceiling import compiler, run

    from softmaxreg import make_text_classification

    if compiler() is None:
        pytest.skip("no C compiler ($CC or cc) to build benchmarks/plain_sag_epoch.c")
    X, y = make_text_classification(700, 2_000, 4, tokens_per_row=30, random_state=0)
    lines = []
    med = run((X[:500], X[500:], y[:500], y[500:]), repeat=1, epochs=40, out=lines.append)
    objectives, ratios = med.pop("objectives"), med.pop("ratios")
    # t(5) - t(2) of a fit this small is within the timers' noise: check the rows exist
    assert len(med) == 8 and all(np.isfinite(v) for v in med.values())
    assert len(ratios) == 6 and sum(line.startswith("ratio ") for line in lines) == 6
    # the same SAG (other sample orders): after 40 epochs both are at the optimum
    for dtype in ("float64", "float32"):
        assert objectives[dtype] == pytest.approx(objectives["softmaxreg"], rel=1e-4)
