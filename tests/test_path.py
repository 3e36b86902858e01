"""regularization_path: warm-started fits along decreasing alphas against cold fits."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import (
    SoftmaxRegression,
    make_text_classification,
    objective_value,
    regularization_path,
)
from softmaxreg._objective import Objective
from softmaxreg._path import path_fits, path_steps, run_interleaved
from softmaxreg._solvers import sag as _sag_solver
from softmaxreg._solvers.contract import SagSettings
from softmaxreg._solvers.progress import ProgressLog
from softmaxreg._solvers.sag import fit_sag


@pytest.fixture(scope="module")
def text():
    X, y = make_text_classification(n_samples=300, n_features=2000, n_classes=4, random_state=0)
    return X, y


def _alphas(n):
    return 1.0 / (np.array([0.1, 1.0, 10.0]) * n)


@pytest.mark.parametrize(
    "solver, l1_ratio",
    [("lbfgs", 0.0), ("sag", 0.0), ("saga", 0.0), ("saga", 0.5)],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_path_matches_cold_fits(text, solver, l1_ratio, dtype):
    """Each path model is a cold fit's model at the same alpha, to the fit's tolerance."""
    X, y = text
    X = X.astype(dtype)
    alphas = _alphas(X.shape[0])
    tol = 1e-7 if solver == "lbfgs" else 1e-6
    kw = dict(solver=solver, l1_ratio=l1_ratio, tol=tol, max_iter=3000, random_state=0)
    path = regularization_path(X, y, alphas, **kw)
    assert path.solver == solver
    assert path.coefs.dtype == dtype and path.coefs.shape == (3, 4, X.shape[1])
    for alpha, coef, intercept in zip(path.alphas, path.coefs, path.intercepts):
        cold = SoftmaxRegression(alpha=alpha, **kw).fit(X, y)
        f_path = objective_value(coef, intercept, X, y, alpha=alpha, l1_ratio=l1_ratio)
        f_cold = objective_value(cold.coef_, cold.intercept_, X, y, alpha=alpha, l1_ratio=l1_ratio)
        rtol = 1e-5 if dtype == np.float32 else 1e-7
        assert f_path == pytest.approx(f_cold, rel=rtol)
        scale = np.abs(cold.coef_).max()
        atol = 1e-2 if dtype == np.float32 else 2e-3
        np.testing.assert_allclose(coef, cold.coef_, atol=atol * scale)
        np.testing.assert_allclose(intercept, cold.intercept_, atol=atol * max(1.0, scale))


def test_path_matches_sklearn(text):
    """On the same objective, scikit-learn's LogisticRegression(C) at alpha = 1/(C n)."""
    from sklearn.linear_model import LogisticRegression

    X, y = text
    n = X.shape[0]
    Cs = np.array([0.1, 1.0, 10.0])
    path = regularization_path(X, y, 1.0 / (Cs * n), solver="lbfgs", tol=1e-8, max_iter=2000)
    for C, alpha, coef, intercept in zip(Cs, path.alphas, path.coefs, path.intercepts):
        ref = LogisticRegression(C=C, tol=1e-10, max_iter=5000).fit(X, y)
        f_ref = objective_value(ref.coef_, ref.intercept_, X, y, alpha=alpha)
        assert objective_value(coef, intercept, X, y, alpha=alpha) <= f_ref + 1e-9
        np.testing.assert_allclose(coef, ref.coef_, atol=1e-4 * np.abs(ref.coef_).max())


def test_path_binary_dense_and_order():
    """Two classes give one weight vector; alphas come back decreasing whatever the order."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = (X[:, 0] + 0.5 * rng.standard_normal(120) > 0).astype(int)
    path = regularization_path(X, y, [1e-3, 1e-1, 1e-2], tol=1e-8)
    np.testing.assert_array_equal(path.alphas, [1e-1, 1e-2, 1e-3])
    assert path.coefs.shape == (3, 1, 5) and path.intercepts.shape == (3, 1)
    # a smaller penalty gives larger weights
    norms = np.linalg.norm(path.coefs.reshape(3, -1), axis=1)
    assert np.all(np.diff(norms) > 0)
    assert path.n_iter.shape == (3,) and np.all(path.n_iter >= 1)


def test_path_warm_starts_save_work(text):
    """Warm-started SAG runs no more epochs in total than cold fits to the same rule."""
    X, y = text
    alphas = _alphas(X.shape[0])
    kw = dict(solver="sag", tol=1e-5, max_iter=3000, random_state=0)
    path = regularization_path(X, y, alphas, **kw)
    cold = [SoftmaxRegression(alpha=a, **kw).fit(X, y).n_iter_ for a in path.alphas]
    assert path.n_iter[0] == cold[0]  # the first fit is a cold one
    assert path.n_iter.sum() <= sum(cold)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_sag_state_keeps_gradient_sums(text, container):
    """The returned sums are X.T @ memory, so a warm start needs no pass over X."""
    X, y = text
    X = container(X.toarray()) if container is np.asarray else X
    objective = Objective(X, y.astype(np.int32), np.ones(X.shape[0]), 4, 1e-3, 0.0, True)
    settings = SagSettings(tol=1e-4, max_iter=5, random_state=0, warm_start=True)
    params0 = np.zeros(objective.n_params + objective.n_columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = fit_sag(objective, params0, settings, ProgressLog("sag", 0))
    memory, sums = result.state["memory"], result.state["sums"]
    np.testing.assert_allclose(sums, X.T @ memory, rtol=1e-10, atol=1e-12)


def test_path_thread_count_may_change_between_fits(monkeypatch):
    """``n_jobs_at`` sets each fit's threads (SoftmaxRegressionCV's freed threads); the
    gradient memory is split into other class parts from one fit to the next, and the
    models are those of one thread, bit for bit."""
    X, y = make_text_classification(n_samples=200, n_features=500, n_classes=12, random_state=1)
    objective = Objective(X, y.astype(np.int32), np.ones(X.shape[0]), 12, 1e-3, 0.0, True)
    alphas = _alphas(X.shape[0])
    settings = SagSettings(tol=1e-4, max_iter=20, random_state=0)
    seen = []

    def parts(settings, rows, n_columns):
        seen.append(settings.n_jobs)
        return settings.n_jobs

    monkeypatch.setattr(_sag_solver, "sag_threads", parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one, n_one, _ = path_fits(objective, alphas, "sag", settings, n_jobs_at=lambda: 1)
        counts = iter([1, 3, 2])
        more, n_more, _ = path_fits(objective, alphas, "sag", settings, n_jobs_at=counts.__next__)
    assert seen == [1, 1, 1, 1, 3, 2]
    np.testing.assert_array_equal(n_one, n_more)
    for a, b in zip(one, more):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(alphas=0.1), TypeError, "1-D sequence"),
        (dict(alphas=[]), ValueError, "at least one"),
        (dict(alphas=[0.1, -1.0]), ValueError, "finite and >= 0"),
        (dict(alphas=[0.1, np.nan]), ValueError, "finite and >= 0"),
        (dict(alphas=["a"]), TypeError, "1-D sequence"),
        (dict(alphas=[0.1], solver="sgd"), ValueError, "solver must be one of"),
        (dict(alphas=[0.1], tol=-1.0), ValueError, "tol"),
        (dict(alphas=[0.1], solver="lbfgs", l1_ratio=0.5), ValueError, "L2 penalty"),
    ],
)
def test_path_bad_input(text, kwargs, error, match):
    X, y = text
    with pytest.raises(error, match=match):
        regularization_path(X, y, **kwargs)


def _job(name, n_steps, log, fail_at=None):
    """A path_steps-like generator: logs (name, step) per step, returns name."""
    for step in range(n_steps):
        if step == fail_at:
            raise FloatingPointError(f"{name} failed")
        log.append((name, step))
        yield step
    return name


@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_run_interleaved_results_in_order_and_jobs_take_turns(n_workers):
    """Every job runs all its steps in order, the results come back in the jobs' order,
    and the jobs advance together (no job is more than n_workers steps ahead of one that
    has steps left), so the work left at the end is a step, not a job."""
    log = []
    jobs = [_job(name, 4, log) for name in "abcde"]
    assert run_interleaved(jobs, n_workers) == list("abcde")
    assert sorted(log) == [(name, step) for name in "abcde" for step in range(4)]
    for name in "abcde":
        assert [s for n, s in log if n == name] == [0, 1, 2, 3]
    if n_workers == 1:  # one thread: turn by turn, exactly
        assert log == [(name, step) for step in range(4) for name in "abcde"]
    for i in range(len(log)):
        done = {name: sum(1 for n, _ in log[: i + 1] if n == name) for name in "abcde"}
        assert max(done.values()) - min(done.values()) <= 1 + n_workers


@pytest.mark.parametrize("n_workers", [1, 2])
def test_run_interleaved_raises_the_first_error(n_workers):
    log = []
    jobs = [_job("a", 3, log), _job("b", 3, log, fail_at=1), _job("c", 3, log)]
    with pytest.raises(FloatingPointError, match="b failed"):
        run_interleaved(jobs, n_workers)


def test_path_steps_interleaved_match_path_fits(text):
    """Two paths run a fit at a time, in turns on two threads, give what each gives alone."""
    X, y = text
    y = np.unique(y, return_inverse=True)[1]
    alphas = _alphas(X.shape[0])
    alone, jobs = [], []
    for seed in (0, 1):
        objective = Objective(X, y, np.ones(X.shape[0]), 4, alphas[-1], 0.0, True)
        settings = SagSettings(tol=1e-4, max_iter=20, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            alone.append(path_fits(objective, alphas, "sag", settings))
        jobs.append(path_steps(objective, alphas, "sag", settings))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        both = run_interleaved(jobs, 2)
    for (params, n_iter, _), (params2, n_iter2, _) in zip(alone, both):
        np.testing.assert_array_equal(n_iter, n_iter2)
        for p, p2 in zip(params, params2):
            np.testing.assert_array_equal(p, p2)
