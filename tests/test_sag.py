"""solver="sag" and solver="saga": against a plain NumPy reference, scikit-learn's optimum,
and the estimator contract (containers, dtypes, weights, warm start, seeds, errors)."""

import functools
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from threadpoolctl import threadpool_limits

import softmaxreg
from softmaxreg import SoftmaxRegression, objective_value
from softmaxreg._solvers import sag as _sag_solver

sys.path.insert(0, str(Path(__file__).parent))
from sag_reference import reference_sag  # noqa: E402

CONTAINERS = [np.asarray, sp.csr_matrix, sp.csr_array]


def small_problem(n_classes, seed=0, n=40, d=12, density=0.35):
    """A small sparse-ish problem with uneven sample weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * (rng.random((n, d)) < density)
    X[:, 0] += 1.0  # one dense-ish column
    y = rng.integers(0, n_classes, size=n)
    y[:n_classes] = np.arange(n_classes)
    sw = rng.uniform(0.2, 3.0, size=n)
    return X, y, sw


def fit_quiet(X, y, sw=None, **kwargs):
    """Fit with ConvergenceWarning silenced (fixed-epoch runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SoftmaxRegression(**kwargs).fit(X, y, sample_weight=sw)


# --- the kernel against the plain NumPy reference, step for step --------------------------

REFERENCE_CASES = [
    # solver, n_classes, alpha, l1_ratio, fit_intercept
    ("sag", 3, 0.01, 0.0, True),
    ("sag", 2, 0.01, 0.0, True),
    ("sag", 4, 0.0, 0.0, False),
    ("sag", 3, 5.0, 0.0, True),  # L2 shrink: weight scale folded mid-epoch
    ("saga", 3, 0.01, 0.0, True),
    ("saga", 2, 0.05, 1.0, True),
    ("saga", 3, 0.05, 0.5, True),
    ("saga", 3, 0.08, 1.0, False),
    ("saga", 3, 5.0, 0.3, True),
]


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("solver, n_classes, alpha, l1_ratio, fit_intercept", REFERENCE_CASES)
def test_matches_numpy_reference(container, solver, n_classes, alpha, l1_ratio, fit_intercept):
    X, y, sw = small_problem(n_classes)
    W_ref, b_ref = reference_sag(
        X,
        y,
        n_classes,
        alpha=alpha,
        l1_ratio=l1_ratio,
        sample_weight=sw,
        fit_intercept=fit_intercept,
        saga=solver == "saga",
        n_epochs=4,
        seed=7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SoftmaxRegression(
            alpha=alpha,
            l1_ratio=l1_ratio,
            solver=solver,
            fit_intercept=fit_intercept,
            tol=0.0,
            max_iter=4,
            random_state=7,
        ).fit(container(X), y, sample_weight=sw)
    scale = max(1.0, np.abs(W_ref).max())
    np.testing.assert_allclose(model.coef_.T, W_ref, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(
        model.intercept_, b_ref if fit_intercept else 0.0, rtol=0, atol=1e-10 * scale
    )
    if l1_ratio > 0:
        assert np.any(W_ref == 0.0)
        np.testing.assert_array_equal(model.coef_.T == 0.0, W_ref == 0.0)


def test_matches_reference_across_segment_cap(monkeypatch):
    """A segment cap of a few steps (forced catch-up of all features) changes nothing."""
    X, y, sw = small_problem(3, seed=1)
    W_ref, b_ref = reference_sag(
        X, y, 3, alpha=0.05, l1_ratio=0.5, sample_weight=sw, saga=True, n_epochs=3, seed=3
    )
    monkeypatch.setattr(_sag_solver, "MAX_SEGMENT", 7)
    model = fit_quiet(
        sp.csr_matrix(X),
        y,
        alpha=0.05,
        l1_ratio=0.5,
        solver="saga",
        tol=0.0,
        max_iter=3,
        random_state=3,
        sw=sw,
    )
    np.testing.assert_allclose(model.coef_.T, W_ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, b_ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver, l1_ratio", [("sag", 0.0), ("saga", 0.3)])
def test_matches_reference_with_mid_epoch_scale_folds(dtype, solver, l1_ratio):
    """A strong L2 shrink over enough rows that the weight scale falls below the fold
    threshold mid-epoch (1e-240 for float64 X: here every ~800 SAG or ~2400 SAGA steps
    of the 4000 of an epoch; 1e-9 for float32 X: every few dozen steps)."""
    X, y, sw = small_problem(3, seed=2, n=4000)
    X = X.astype(dtype)  # the reference then runs on X rounded to float32 too
    W_ref, b_ref = reference_sag(
        X.astype(np.float64),
        y,
        3,
        alpha=50.0,
        l1_ratio=l1_ratio,
        sample_weight=sw,
        saga=solver == "saga",
        n_epochs=2,
        seed=5,
    )
    model = fit_quiet(
        sp.csr_matrix(X),
        y,
        alpha=50.0,
        l1_ratio=l1_ratio,
        solver=solver,
        tol=0.0,
        max_iter=2,
        random_state=5,
        sw=sw,
    )
    atol = 1e-10 if dtype == np.float64 else 1e-4
    scale = max(1.0, np.abs(W_ref).max())
    np.testing.assert_allclose(model.coef_.T, W_ref, rtol=0, atol=atol * scale)
    np.testing.assert_allclose(model.intercept_, b_ref, rtol=0, atol=atol * scale)


def test_chunking_does_not_change_the_model(monkeypatch):
    X, y, _ = small_problem(3, n=200, d=30)
    kwargs = dict(alpha=0.01, l1_ratio=0.5, solver="saga", tol=0.0, max_iter=3, random_state=0)
    one = fit_quiet(sp.csr_matrix(X), y, **kwargs)
    monkeypatch.setattr(_sag_solver, "CHUNK_WORK", 50)
    many = fit_quiet(sp.csr_matrix(X), y, **kwargs)
    np.testing.assert_array_equal(one.coef_, many.coef_)
    np.testing.assert_array_equal(one.intercept_, many.intercept_)


# --- the optimum of scikit-learn's LogisticRegression --------------------------------------


@functools.lru_cache(maxsize=None)
def digits(binary):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:1000])
    y = y[:1000]
    return X, (y == 3).astype(int) if binary else y


@functools.lru_cache(maxsize=None)
def text(binary, n_samples=2000):
    X, y = softmaxreg.make_text_classification(
        n_samples=n_samples, n_features=5000, n_classes=5, random_state=0
    )
    return X, (y == 1).astype(int) if binary else y


@functools.lru_cache(maxsize=None)
def sklearn_optimum(data, binary, C, l1_ratio):
    X, y = digits(binary) if data == "digits" else text(binary)
    alpha = 1.0 / (C * X.shape[0])
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if l1_ratio == 0:
            ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
        else:
            ref = LogisticRegression(
                C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-6, max_iter=10_000
            ).fit(X, y)
    return objective_value(
        ref.coef_, ref.intercept_, X, y, alpha=alpha, l1_ratio=l1_ratio, classes=ref.classes_
    ), ref.coef_


@pytest.mark.parametrize("solver", ["sag", "saga"])
@pytest.mark.parametrize(
    "data, binary, C",
    [
        ("digits", False, 0.01),
        ("digits", True, 0.01),
        ("text", False, 10.0),
        ("text", True, 10.0),
    ],
)
def test_reaches_sklearn_optimum(solver, data, binary, C):
    X, y = digits(binary) if data == "digits" else text(binary)
    alpha = 1.0 / (C * X.shape[0])
    f_ref, _ = sklearn_optimum(data, binary, C, 0.0)
    model = SoftmaxRegression(
        alpha=alpha, solver=solver, tol=1e-5, max_iter=2000, random_state=0
    ).fit(X, y)
    f = objective_value(model.coef_, model.intercept_, X, y, alpha=alpha)
    assert abs(f - f_ref) <= 1e-6 * f_ref


@pytest.mark.parametrize("l1_ratio, C, binary", [(1.0, 0.5, False), (0.5, 0.3, True)])
def test_saga_l1_reaches_sklearn_optimum(l1_ratio, C, binary):
    X, y = text(binary)
    alpha = 1.0 / (C * X.shape[0])
    f_ref, coef_ref = sklearn_optimum("text", binary, C, l1_ratio)
    model = SoftmaxRegression(
        alpha=alpha, l1_ratio=l1_ratio, solver="saga", tol=1e-5, max_iter=2000, random_state=0
    ).fit(X, y)
    f = objective_value(model.coef_, model.intercept_, X, y, alpha=alpha, l1_ratio=l1_ratio)
    assert abs(f - f_ref) <= 1e-6 * f_ref
    zeros = model.coef_ == 0.0
    assert zeros.mean() > 0.5  # exact zeros, not small numbers
    assert np.mean(zeros == (coef_ref == 0.0)) > 0.999


def test_sag_rejects_l1():
    X, y, _ = small_problem(3)
    with pytest.raises(ValueError, match="solver='saga'"):
        SoftmaxRegression(solver="sag", l1_ratio=0.5).fit(X, y)


# --- containers, dtypes, weights ---------------------------------------------------------


@pytest.mark.parametrize("solver, l1_ratio", [("sag", 0.0), ("saga", 0.5)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_equals_csr(solver, l1_ratio, dtype):
    X, y = text(False, n_samples=300)
    X = X.astype(dtype)
    kwargs = dict(alpha=1e-3, l1_ratio=l1_ratio, solver=solver, tol=0.0, max_iter=3, random_state=1)
    models = [
        fit_quiet(c(X.toarray()) if c is np.asarray else c(X), y, **kwargs) for c in CONTAINERS
    ]
    atol = 1e-10 if dtype == np.float64 else 1e-4
    for m in models[1:]:
        assert m.coef_.dtype == dtype
        np.testing.assert_allclose(m.coef_, models[0].coef_, rtol=0, atol=atol)
        np.testing.assert_allclose(m.intercept_, models[0].intercept_, rtol=0, atol=atol)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_int32_equals_int64_indices(solver):
    X, y = text(False, n_samples=300)
    X64 = sp.csr_matrix(
        (X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)), shape=X.shape
    )
    kwargs = dict(alpha=1e-3, solver=solver, tol=0.0, max_iter=3, random_state=0)
    a, b = fit_quiet(X, y, **kwargs), fit_quiet(X64, y, **kwargs)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_float32_close_to_float64(solver):
    X, y = text(False)
    alpha = 1.0 / (10.0 * X.shape[0])
    kwargs = dict(alpha=alpha, solver=solver, tol=1e-4, max_iter=1000, random_state=0)
    m64 = SoftmaxRegression(**kwargs).fit(X, y)
    m32 = SoftmaxRegression(**kwargs).fit(X.astype(np.float32), y)
    assert m32.coef_.dtype == np.float32 and m32.intercept_.dtype == np.float32
    f64 = objective_value(m64.coef_, m64.intercept_, X, y, alpha=alpha)
    f32 = objective_value(m32.coef_, m32.intercept_, X, y, alpha=alpha)
    assert abs(f32 - f64) <= 1e-5 * f64
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=0, atol=2e-3)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_class_weight_balanced_equals_sample_weight(solver):
    X, y = text(False, n_samples=300)
    y = np.where(y < 3, 0, y)  # unbalanced
    kwargs = dict(alpha=1e-3, solver=solver, tol=0.0, max_iter=3, random_state=0)
    a = fit_quiet(X, y, class_weight="balanced", **kwargs)
    b = fit_quiet(X, y, sw=compute_sample_weight("balanced", y), **kwargs)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)


@pytest.mark.parametrize("solver, l1_ratio", [("sag", 0.0), ("saga", 0.5)])
def test_integer_weights_equal_repeated_rows(solver, l1_ratio):
    X, y = text(False, n_samples=300)
    sw = np.random.default_rng(0).integers(0, 4, size=X.shape[0])
    rep = np.repeat(np.arange(X.shape[0]), sw)
    kwargs = dict(
        alpha=1e-2, l1_ratio=l1_ratio, solver=solver, tol=1e-9, max_iter=3000, random_state=0
    )
    a = SoftmaxRegression(**kwargs).fit(X, y, sample_weight=sw)
    b = SoftmaxRegression(**kwargs).fit(X[rep], y[rep])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=0, atol=1e-6)


# --- estimator behaviour -----------------------------------------------------------------


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_warm_start_stops_quickly(solver):
    X, y = text(False)
    model = SoftmaxRegression(
        alpha=5e-5, solver=solver, tol=1e-6, max_iter=1000, random_state=0, warm_start=True
    )
    model.fit(X, y)  # to the optimum
    assert model.n_iter_ > 10
    model.fit(X, y)
    assert model.n_iter_ <= 2
    del model._sag_state  # weights alone, memory refilled from zero: many epochs
    model.fit(X, y)
    assert model.n_iter_ > 10
    model.set_params(warm_start=False).fit(X, y)
    assert not hasattr(model, "_sag_state")  # the memory is not kept (nor pickled)


@pytest.mark.parametrize("container", CONTAINERS)
def test_read_only_input(container):
    X, y = text(False, n_samples=300)
    X = container(X.toarray()) if container is np.asarray else container(X, copy=True)
    arrays = [X] if container is np.asarray else [X.data, X.indices, X.indptr]
    for a in arrays:
        a.setflags(write=False)
    fit_quiet(X, y, solver="saga", l1_ratio=0.5, max_iter=2, random_state=0)


def test_same_seed_same_model():
    X, y = text(False, n_samples=300)
    kwargs = dict(alpha=1e-3, solver="saga", l1_ratio=0.2, tol=0.0, max_iter=2)
    a = fit_quiet(X, y, random_state=5, **kwargs)
    b = fit_quiet(X, y, random_state=5, **kwargs)
    c = fit_quiet(X, y, random_state=6, **kwargs)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_convergence_warning_on_max_iter(solver):
    X, y = text(False, n_samples=300)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = SoftmaxRegression(solver=solver, tol=1e-12, max_iter=2).fit(X, y)
    assert model.n_iter_ == 2


def test_diverging_fit_raises(monkeypatch):
    X, y = text(False, n_samples=300)
    monkeypatch.setattr(_sag_solver, "step_sizes", lambda objective, saga: (1e300, 1.0))
    model = SoftmaxRegression(solver="sag", max_iter=5)
    with pytest.raises(FloatingPointError, match="Scale the features"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_huge_features_raise():
    X, y = text(False, n_samples=300)
    with pytest.raises(FloatingPointError, match="Scale the features"):
        SoftmaxRegression(solver="saga").fit(X * 1e160, y)


def assert_interrupt_leaves_estimator_unchanged(monkeypatch, model, X, y):
    """Ctrl-C in the third kernel call of a refit: ``model`` (fitted, ``warm_start``)
    keeps its coefficients and gradient memory."""
    coef, memory = model.coef_.copy(), model._sag_state["memory"].copy()
    calls = []
    real = _sag_solver._sag.sag_steps

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(_sag_solver, "CHUNK_WORK", 1000)
    monkeypatch.setattr(_sag_solver, "_sag_steps", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, coef)
    np.testing.assert_array_equal(model._sag_state["memory"], memory)


def test_interrupt_leaves_estimator_unchanged(monkeypatch):
    X, y = text(False, n_samples=300)
    model = SoftmaxRegression(
        alpha=1e-3, solver="sag", warm_start=True, max_iter=1000, random_state=0
    )
    model.fit(X, y)
    assert_interrupt_leaves_estimator_unchanged(monkeypatch, model, X, y)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sklearn_estimator_checks(solver):
    """scikit-learn's estimator checks, none skipped.

    The sample-weight equivalence check compares a weighted fit with a fit on repeated
    rows to rtol 1e-7, which a stochastic solver meets only at its optimum; alpha=0.1
    and a tight tol get there in well under max_iter on the checks' small data sets.
    """
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(
            SoftmaxRegression(solver=solver, alpha=0.1, tol=1e-12, max_iter=10_000, random_state=0)
        )


def test_lazy_prox_closed_form_matches_step_by_step():
    """The exact closed form of m - p soft-threshold steps, on random step sequences.

    ``a_t = eta R_t / s_t`` and ``b_t = eta l1 / s_t`` as in the kernel, with 1/n_t
    non-increasing (the first epoch) or constant, and starts on either side of zero.
    """
    from softmaxreg._kernels import sag as _sag

    rng = np.random.default_rng(0)
    l1 = 0.05
    for trial in range(3000):
        n_steps = int(rng.integers(1, 40))
        first_epoch = trial % 2 == 0
        n_t = np.sort(rng.integers(1, 30, size=n_steps)) if first_epoch else np.full(n_steps, 20)
        scale = np.cumprod(np.full(n_steps, 1 - rng.uniform(0, 0.3)))
        eta = rng.uniform(0.1, 2.0)
        a = eta / (n_t * scale)
        b = eta * l1 / scale
        A = np.concatenate([[0.0], np.cumsum(a)])
        B = np.concatenate([[0.0], np.cumsum(b)])
        R = np.concatenate([[1.0], 1.0 / n_t])
        G = rng.normal() * rng.choice([0.0, 0.3, 1.0, 3.0])
        v0 = rng.normal() * rng.choice([0.0, 0.1, 1.0])
        p = int(rng.integers(0, n_steps))
        m = int(rng.integers(p, n_steps + 1))
        v = v0
        for t in range(p + 1, m + 1):
            u = v - a[t - 1] * G
            v = np.sign(u) * max(abs(u) - b[t - 1], 0.0)
        got = _sag.prox_catch_up(v0, G, p, m, A, B, R, l1)
        assert got == pytest.approx(v, abs=1e-12 * (1 + abs(v0) + abs(G) * A[-1])), trial
        assert (got == 0.0) == (v == 0.0) or abs(v) < 1e-12


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_text_corpus_reaches_sklearn_optimum(solver, reuters, reuters_sklearn_optimum):
    """A real TF-IDF corpus (Reuters R52, 52 imbalanced classes) from ../shared/data."""
    X, _, y, _ = reuters
    alpha, f_theirs = reuters_sklearn_optimum
    model = SoftmaxRegression(
        solver=solver, alpha=alpha, tol=1e-6, max_iter=3000, random_state=0
    ).fit(X, y)
    f_ours = objective_value(model.coef_, model.intercept_, X, y, alpha=alpha)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs


# --- classes split into parts, on threads ---------------------------------------------------

PART_CASES = [
    # solver, n_classes, alpha, l1_ratio, fit_intercept: parts of 8 + 1, 8 + 5, ...
    ("sag", 9, 0.01, 0.0, True),
    ("sag", 8, 5.0, 0.0, True),  # L2 shrink: weight scale folded mid-epoch
    ("saga", 13, 0.05, 0.5, True),
    ("saga", 10, 0.05, 1.0, False),
]


def _fit_with_parts(monkeypatch, n_parts, on_threads, X, y, sw, **kwargs):
    """Fit with the classes split into ``n_parts`` parts, on that many threads or on one."""
    with monkeypatch.context() as m:
        m.setattr(_sag_solver, "sag_threads", lambda est, rows, n_columns: n_parts)
        if not on_threads:
            real = _sag_solver._sag.sag_steps
            m.setattr(_sag_solver, "_sag_steps", lambda *args: real(*args[:-1], 1))
        return fit_quiet(X, y, sw=sw, **kwargs)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver, n_classes, alpha, l1_ratio, fit_intercept", PART_CASES)
def test_class_parts_give_the_same_model(
    monkeypatch, container, dtype, solver, n_classes, alpha, l1_ratio, fit_intercept
):
    """Split into 2 or 3 parts, on threads or on one thread: the same model, bit for bit,
    as the single part (each class's arithmetic is the same), and the NumPy reference's."""
    X, y, sw = small_problem(n_classes, n=60, d=14)
    X = container(X.astype(dtype))
    kwargs = dict(
        alpha=alpha,
        l1_ratio=l1_ratio,
        solver=solver,
        fit_intercept=fit_intercept,
        tol=0.0,
        max_iter=4,
        random_state=7,
    )
    one = _fit_with_parts(monkeypatch, 1, False, X, y, sw, **kwargs)
    for n_parts, on_threads in [(2, True), (2, False), (3, True), (3, False)]:
        split = _fit_with_parts(monkeypatch, n_parts, on_threads, X, y, sw, **kwargs)
        np.testing.assert_array_equal(split.coef_, one.coef_)
        np.testing.assert_array_equal(split.intercept_, one.intercept_)
    if dtype == np.float64:
        W_ref, b_ref = reference_sag(
            np.asarray(X.todense() if sp.issparse(X) else X),
            y,
            n_classes,
            alpha=alpha,
            l1_ratio=l1_ratio,
            sample_weight=sw,
            fit_intercept=fit_intercept,
            saga=solver == "saga",
            n_epochs=4,
            seed=7,
        )
        scale = max(1.0, np.abs(W_ref).max())
        np.testing.assert_allclose(split.coef_.T, W_ref, rtol=0, atol=1e-10 * scale)
        np.testing.assert_allclose(
            split.intercept_, b_ref if fit_intercept else 0.0, rtol=0, atol=1e-10 * scale
        )


def test_class_parts_warm_start_and_segment_cap(monkeypatch):
    """Warm start keeps the whole (n, K) memory; forced mid-epoch catch-ups change nothing."""
    X, y, sw = small_problem(11, n=80, d=20)
    X = sp.csr_matrix(X)
    kwargs = dict(alpha=0.02, solver="sag", tol=0.0, max_iter=3, random_state=1, warm_start=True)
    monkeypatch.setattr(_sag_solver, "MAX_SEGMENT", 13)
    models = []
    for n_parts in (1, 2):
        with monkeypatch.context() as m:
            m.setattr(_sag_solver, "sag_threads", lambda est, rows, n_columns, n=n_parts: n)
            model = SoftmaxRegression(**kwargs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y, sample_weight=sw)
                assert model._sag_state["memory"].shape == (80, 11)
                model.fit(X, y, sample_weight=sw)  # from the kept memory
        models.append(model)
    np.testing.assert_array_equal(models[0].coef_, models[1].coef_)
    np.testing.assert_array_equal(models[0]._sag_state["memory"], models[1]._sag_state["memory"])


def test_class_parts_nonfinite_and_interrupt(monkeypatch):
    """Overflow on threads raises (both threads stop at the same row, no hang); Ctrl-C
    between kernel calls leaves the estimator as it was."""
    X10, y10 = softmaxreg.make_text_classification(300, 400, 10, random_state=1)
    monkeypatch.setattr(_sag_solver, "sag_threads", lambda est, rows, n_columns: 2)
    with pytest.raises(FloatingPointError, match="Scale the features"):
        SoftmaxRegression(solver="saga").fit(X10 * 1e160, y10)
    model = fit_quiet(
        X10, y10, alpha=1e-3, solver="sag", warm_start=True, max_iter=50, random_state=0
    )
    assert_interrupt_leaves_estimator_unchanged(monkeypatch, model, X10, y10)


def test_thread_parts_rule(monkeypatch):
    """Threads only for rows with enough work, never more than cores or 4-class chunks."""
    from softmaxreg._objective import RowData
    from softmaxreg._solvers import parts as _parts

    X, _ = softmaxreg.make_text_classification(200, 3000, 5, random_state=0)
    rows = RowData(sp.csr_matrix(X))
    per_row = rows.nnz / rows.n_samples
    assert _parts.thread_parts(None, rows, 1, True) == 1
    assert _parts.thread_parts(None, rows, 4, True) == 1  # one chunk
    monkeypatch.setattr(_parts, "MIN_ROW_WORK", per_row * 20 + 1)
    assert _parts.thread_parts(None, rows, 20, True) == 1  # too little work a row
    monkeypatch.setattr(_parts, "MIN_ROW_WORK", 0)
    n_cores = softmaxreg._threads.effective_n_threads(None)
    assert _parts.thread_parts(None, rows, 20, True) == min(n_cores, 5)
    # SGD's own bound (MIN_SGD_ROW_WORK), passed by its driver
    assert _parts.thread_parts(None, rows, 20, True, per_row * 20 + 1) == 1
    assert _parts.thread_parts(None, rows, 20, True, per_row * 20) == min(n_cores, 5)
    assert _parts.thread_parts(None, rows, 20, False) == 1  # a build without threads
    assert _parts.thread_parts(1, rows, 20, True) == 1
    assert _parts.thread_parts(-1, rows, 8, True) == min(n_cores, 2)
    assert _parts.class_parts(20, 2) == [(0, 12), (12, 8)]
    assert _parts.class_parts(9, 3) == [(0, 4), (4, 4), (8, 1)]
    assert _parts.class_parts(7, 1) == [(0, 7)]
    assert _parts.class_parts(8, 3) == [(0, 4), (4, 4)]  # no empty part
