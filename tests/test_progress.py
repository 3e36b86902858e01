"""verbose, callback and loss_curve_ for every solver."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sag_reference import reference_sag
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import LogisticRegression, SoftmaxRegression, objective_value
from softmaxreg._datasets import make_text_classification

SOLVERS = ["lbfgs", "sgd", "sag", "saga"]


@pytest.fixture(scope="module")
def text():
    X, y = make_text_classification(n_samples=600, n_features=800, n_classes=4, random_state=1)
    return X, y


def fit_quiet(X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SoftmaxRegression(**kwargs).fit(X, y)


@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_one_line_per_iteration(solver, text, capsys):
    X, y = text
    model = fit_quiet(X, y, solver=solver, alpha=1e-3, max_iter=6, verbose=1, random_state=0)
    lines = capsys.readouterr().err.strip().splitlines()
    unit = "iter" if solver == "lbfgs" else "epoch"
    pattern = rf"\[softmaxreg {solver}\] {unit} +(\d+)  objective (\S+).*elapsed ([\d.]+)s$"
    parsed = [re.match(pattern, line) for line in lines]
    assert all(parsed), lines
    assert [int(m.group(1)) for m in parsed] == list(range(1, model.n_iter_ + 1))
    np.testing.assert_allclose([float(m.group(2)) for m in parsed], model.loss_curve_, rtol=1e-9)
    elapsed = [float(m.group(3)) for m in parsed]
    assert elapsed == sorted(elapsed)


def test_verbose_zero_prints_nothing(text, capsys):
    X, y = text
    fit_quiet(X, y, solver="sag", alpha=1e-3, max_iter=3)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("solver", SOLVERS)
def test_callback_stops_the_fit_without_warning(solver, text):
    X, y = text
    records = []

    def callback(record):
        records.append(record)
        return record["iteration"] == 3

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning when the callback stops
        model = SoftmaxRegression(
            solver=solver, alpha=1e-4, tol=1e-12, max_iter=500, random_state=0, callback=callback
        ).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert [r["iteration"] for r in records] == [1, 2, 3]
    assert {r["solver"] for r in records} == {solver}
    np.testing.assert_array_equal([r["objective"] for r in records], model.loss_curve_)
    assert all(r["elapsed"] >= 0 for r in records)
    # the stopped model is the third iterate: a refit with max_iter=3 gives the same
    ref = fit_quiet(X, y, solver=solver, alpha=1e-4, tol=1e-12, max_iter=3, random_state=0)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-12, atol=1e-14)


def test_callback_returning_none_does_not_stop(text):
    X, y = text
    calls = []
    model = SoftmaxRegression(alpha=1e-2, callback=calls.append).fit(X, y)
    assert len(calls) == model.n_iter_ == len(model.loss_curve_)


def test_lbfgs_curve_is_the_exact_objective(text):
    X, y = text
    model = SoftmaxRegression(alpha=1e-3, solver="lbfgs", tol=1e-8, max_iter=500).fit(X, y)
    curve = model.loss_curve_
    assert curve.dtype == np.float64 and curve.shape == (model.n_iter_,)
    assert np.all(np.diff(curve) <= 1e-15)
    exact = objective_value(model.coef_, model.intercept_, X, y, alpha=1e-3)
    assert curve[-1] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    "solver, n_classes, alpha, l1_ratio",
    [
        ("sag", 3, 0.01, 0.0),
        ("sag", 2, 0.01, 0.0),
        ("saga", 3, 0.05, 0.5),
        ("saga", 2, 0.05, 1.0),
    ],
)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_sag_curve_matches_numpy_reference(solver, n_classes, alpha, l1_ratio, container):
    rng = np.random.default_rng(0)
    n, d = 40, 12
    X = rng.normal(size=(n, d)) * (rng.random((n, d)) < 0.4)
    X[:, 0] += 1.0
    y = rng.integers(0, n_classes, size=n)
    y[:n_classes] = np.arange(n_classes)
    sw = rng.uniform(0.2, 3.0, size=n)
    expected = []
    reference_sag(
        X,
        y,
        n_classes,
        alpha=alpha,
        l1_ratio=l1_ratio,
        sample_weight=sw,
        saga=solver == "saga",
        n_epochs=4,
        seed=0,
        epoch_objectives=expected,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SoftmaxRegression(
            solver=solver, alpha=alpha, l1_ratio=l1_ratio, max_iter=4, tol=0.0, random_state=0
        ).fit(container(X), y, sample_weight=sw)
    np.testing.assert_allclose(model.loss_curve_, expected, rtol=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "sag", "saga"])
def test_stochastic_curve_approaches_the_objective(solver, text):
    """At the end of a long fit the estimate is close to the exact objective.

    SAGA visits every row once per epoch, so at the optimum the estimate is the
    objective; SAG samples rows with replacement and SGD keeps moving, so theirs are
    noisy.
    """
    X, y = text
    kw = dict(learning_rate="constant", eta0=0.05) if solver == "sgd" else {}
    model = fit_quiet(X, y, solver=solver, alpha=1e-3, tol=1e-7, max_iter=300, random_state=0, **kw)
    exact = objective_value(model.coef_, model.intercept_, X, y, alpha=1e-3)
    rel = 1e-5 if solver == "saga" else 2e-2
    assert model.loss_curve_[-1] == pytest.approx(exact, rel=rel)
    assert len(model.loss_curve_) == model.n_iter_


def test_partial_fit_appends_one_value_per_call(text):
    X, y = text
    model = SoftmaxRegression(solver="sgd", alpha=1e-3)
    for k in range(3):
        model.partial_fit(X, y, classes=np.unique(y))
        assert model.loss_curve_.shape == (k + 1,)
    assert np.all(np.isfinite(model.loss_curve_))


def test_logistic_regression_passes_callback_through(text):
    X, y = text
    records = []
    clf = LogisticRegression(C=10.0, callback=lambda r: records.append(r) or len(records) == 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    ovr = LogisticRegression(multi_class="ovr", max_iter=1000).fit(X, y)
    assert len(ovr.loss_curve_) == 4
    assert [len(c) for c in ovr.loss_curve_] == [m.n_iter_ for m in ovr.estimators_]


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, LogisticRegression])
def test_callback_must_be_callable(Estimator, text):
    X, y = text
    with pytest.raises(TypeError, match="callback must be None or a callable"):
        Estimator(callback="print").fit(X, y)


def test_callback_error_leaves_model_unchanged(text):
    X, y = text
    model = SoftmaxRegression(alpha=1e-2).fit(X, y)
    coef = model.coef_.copy()

    def broken(record):
        raise RuntimeError("from the callback")

    model.set_params(callback=broken, alpha=1.0)
    with pytest.raises(RuntimeError, match="from the callback"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.callback is broken
