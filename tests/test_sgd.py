"""solver="sgd" and partial_fit: against a plain NumPy SGD, the optimum, and the contract."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax
from sgd_problems import sparse_rows_problem as small_problem
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmaxreg import SoftmaxRegression, make_text_classification, objective_value
from softmaxreg._solvers import sgd as _sgd_solver

# short fits on purpose; test_convergence_warning_and_stopping checks the warning itself
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def reference_sgd(
    X,
    y,
    sample_weight,
    n_classes,
    *,
    alpha,
    l1_ratio,
    batch_size,
    learning_rate,
    eta0,
    power_t,
    average,
    n_epochs,
    fit_intercept=True,
):
    """Mini-batch SGD written plainly: real weights, explicit shrink, explicit average.

    Rows are visited in their order. Returns (coef (K, d), intercept (K,)) as the
    estimator exposes them. L1: the cumulative clipped penalty (Tsuruoka et al. 2009) on
    the features a batch touches, and on all weights at the end of each epoch.
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, d = X.shape
    binomial = n_classes == 2
    K = 1 if binomial else n_classes
    W, b = np.zeros((d, K)), np.zeros(K)
    Q, u = np.zeros((d, K)), 0.0
    W_sum, b_sum, n_avg = np.zeros((d, K)), np.zeros(K), 0
    l2, l1 = alpha * (1 - l1_ratio), alpha * l1_ratio
    t0 = 1.0 / (alpha**-0.25 * alpha) if learning_rate == "optimal" else 0.0
    steps = seen = 0

    def clip(mask):
        for j, k in zip(*np.nonzero(mask)):
            z = W[j, k]
            if z > 0:
                w = max(0.0, z - (u + Q[j, k]))
            elif z < 0:
                w = min(0.0, z + (u - Q[j, k]))
            else:
                continue
            Q[j, k] += w - z
            W[j, k] = w

    for _ in range(n_epochs):
        for p in range(0, n, batch_size):
            rows = np.arange(p, min(p + batch_size, n))
            t = steps + 1
            if learning_rate == "optimal":
                eta = 1.0 / (alpha * (t0 + t - 1))
            elif learning_rate == "invscaling":
                eta = eta0 / t**power_t
            else:
                eta = eta0
            Z = X[rows] @ W + b
            if binomial:
                R = expit(Z) - y[rows, None]
            else:
                R = softmax(Z, axis=1)
                R[np.arange(len(rows)), y[rows]] -= 1.0
            R *= sample_weight[rows, None]
            G = X[rows].T @ R / len(rows)
            W = max(0.0, 1.0 - eta * l2) * W - eta * G
            if fit_intercept:
                b = b - eta * R.mean(axis=0)
            if l1 > 0:
                u += eta * l1
                touched = (X[rows] != 0).any(axis=0)
                clip(np.repeat(touched[:, None], K, axis=1))
            steps += 1
            seen += len(rows)
            if average and seen >= average:
                W_sum += W
                b_sum += b
                n_avg += 1
        if l1 > 0:
            clip(np.ones_like(W, dtype=bool))
    if n_avg:
        return (W_sum / n_avg).T, b_sum / n_avg
    return W.T, b


def fit_epochs(X, y, n_epochs, sample_weight=None, **params):
    """SoftmaxRegression(solver="sgd") for exactly n_epochs epochs in row order."""
    params.setdefault("shuffle", False)
    est = SoftmaxRegression(solver="sgd", max_iter=n_epochs, n_iter_no_change=1000, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("n_classes", [3, 2])
@pytest.mark.parametrize(
    "penalty",
    [{"alpha": 1e-2, "l1_ratio": 0.0}, {"alpha": 2e-2, "l1_ratio": 0.5}],
    ids=["l2", "enet"],
)
@pytest.mark.parametrize("batch_size", [1, 7])
@pytest.mark.parametrize("average", [False, 25])
@pytest.mark.parametrize("learning_rate", ["optimal", "invscaling"])
def test_matches_numpy_reference(n_classes, penalty, batch_size, average, learning_rate):
    X, y = small_problem(n_classes)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    params = dict(
        batch_size=batch_size,
        average=average,
        learning_rate=learning_rate,
        eta0=0.5,
        power_t=0.5,
        **penalty,
    )
    # fit divides the weights by their mean: the reference gets them that way
    est = fit_epochs(sp.csr_matrix(X), y, 4, sample_weight=sw, **params)
    coef, intercept = reference_sgd(X, y, sw / sw.mean(), n_classes, n_epochs=4, **params)
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-10)
    if penalty["l1_ratio"] > 0 and not average:  # L1 gives exact zeros (not on average)
        assert np.any(est.coef_ == 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_more_classes_than_a_local_chunk_matches_reference(dtype):
    """70 classes: the kernel's class loops run in chunks of 64 (local arrays)."""
    n_classes = 70
    X, y = small_problem(n_classes, n_samples=200, n_features=12)
    y[:n_classes] = np.arange(n_classes)
    params = dict(
        batch_size=1,
        average=False,
        learning_rate="optimal",
        eta0=0.5,
        power_t=0.5,
        alpha=1e-2,
        l1_ratio=0.0,
    )
    est = fit_epochs(sp.csr_matrix(X.astype(dtype)), y, 3, **params)
    coef, intercept = reference_sgd(
        X.astype(dtype).astype(np.float64), y, np.ones(len(y)), n_classes, n_epochs=3, **params
    )
    tol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(est.coef_, coef, rtol=tol, atol=tol)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=tol, atol=tol)


def test_wscale_fold_matches_reference():
    # alpha * eta large enough that the weight scale drops below 1e-9 and is folded
    X, y = small_problem(3)
    params = {
        "alpha": 0.5,
        "l1_ratio": 0.0,
        "batch_size": 3,
        "learning_rate": "constant",
        "eta0": 1.5,
        "power_t": 0.5,
        "average": 10,
    }
    est = fit_epochs(X, y, 3, **params)
    coef, intercept = reference_sgd(X, y, np.ones(len(y)), 3, n_epochs=3, **params)
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def text():
    """A TF-IDF-like problem and its optimum objective (L-BFGS at a tight tol)."""
    X, y = make_text_classification(n_samples=3000, n_features=5000, n_classes=5, random_state=0)
    ref = SoftmaxRegression(solver="lbfgs", tol=1e-8, max_iter=5000, n_jobs=1).fit(X, y)
    return X, y, objective_value(ref.coef_, ref.intercept_, X, y, alpha=1e-4)


def test_defaults_reach_optimum(text):
    X, y, f_opt = text
    est = SoftmaxRegression(solver="sgd", random_state=0).fit(X, y)
    f = objective_value(est.coef_, est.intercept_, X, y, alpha=1e-4)
    assert f_opt <= f < f_opt * (1 + 1e-2)


def test_partial_fit_reaches_optimum(text):
    X, y, f_opt = text
    est = SoftmaxRegression(solver="sgd", random_state=0)
    classes = np.unique(y)
    chunks = np.array_split(np.arange(X.shape[0]), 10)
    for _ in range(5):
        for rows in chunks:
            est.partial_fit(X[rows], y[rows], classes=classes)
    f = objective_value(est.coef_, est.intercept_, X, y, alpha=1e-4)
    assert f < f_opt * (1 + 3e-2)
    assert est._sgd_state.steps == 5 * X.shape[0]


def test_defaults_reach_optimum_on_text_corpus(reuters, reuters_sklearn_optimum):
    """Reuters R52 TF-IDF from ../shared/data (52 imbalanced classes), scikit-learn's C=1."""
    X, _, y, _ = reuters
    alpha, f_opt = reuters_sklearn_optimum
    est = SoftmaxRegression(alpha=alpha, solver="sgd", random_state=0).fit(X, y)
    f = objective_value(est.coef_, est.intercept_, X, y, alpha=alpha)
    assert f_opt * (1 - 1e-6) <= f < f_opt * (1 + 1e-2)


def test_partial_fit_reaches_optimum_on_text_corpus(reuters, reuters_sklearn_optimum):
    """Five passes over the corpus in ten chunks, as a stream would feed them.

    The corpus file lists its documents grouped by label; the stream is the rows in one
    random order (an out-of-core reader shuffles once: chunks of one or two labels each
    are another problem, on which any SGD forgets the labels it saw before).
    """
    X, _, y, _ = reuters
    alpha, f_opt = reuters_sklearn_optimum
    est = SoftmaxRegression(alpha=alpha, solver="sgd", random_state=0)
    classes = np.unique(y)
    chunks = np.array_split(np.random.RandomState(0).permutation(X.shape[0]), 10)
    for _ in range(5):
        for rows in chunks:
            est.partial_fit(X[rows], y[rows], classes=classes)
    f = objective_value(est.coef_, est.intercept_, X, y, alpha=alpha)
    assert f_opt * (1 - 1e-6) <= f < f_opt * (1 + 3e-2)
    assert est._sgd_state.steps == 5 * X.shape[0]


def test_partial_fit_equals_fit_epochs():
    # one partial_fit call per epoch over the whole data == fit with shuffle=False
    X, y = small_problem(3)
    params = {
        "alpha": 1e-2,
        "learning_rate": "invscaling",
        "eta0": 0.3,
        "average": 5,
        "shuffle": False,
    }
    est = SoftmaxRegression(solver="sgd", **params)
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1, 2])
    ref = fit_epochs(X, y, 3, **params)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-12, atol=1e-14)


def test_partial_fit_after_fit_continues_the_run():
    # fit for 3 epochs then one partial_fit pass == fit for 4 epochs (row order fixed)
    X, y = small_problem(3)
    params = {"alpha": 1e-2, "average": 5, "l1_ratio": 0.2}
    est = fit_epochs(X, y, 3, **params)
    est.set_params(shuffle=False).partial_fit(X, y)
    ref = fit_epochs(X, y, 4, **params)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
    assert est._sgd_state.steps == 4 * X.shape[0]


def test_partial_fit_errors():
    X, y = small_problem(3)
    est = SoftmaxRegression(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    assert not hasattr(est, "coef_")
    est.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="labels not in classes"):
        est.partial_fit(X, np.where(y == 0, 7, y))
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:, :5], y)
    with pytest.raises(ValueError, match="differs from the classes"):
        est.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert not hasattr(SoftmaxRegression(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as info:
        SoftmaxRegression(solver="lbfgs").partial_fit(X, y, classes=[0, 1, 2])
    assert "only available with solver='sgd'" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        SoftmaxRegression(solver="sgd", class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )
    # penalties and averaging switched on between calls
    est.set_params(l1_ratio=0.5, average=True).partial_fit(X, y)
    assert np.all(np.isfinite(est.coef_))
    # a chunk with a single class is fine once the classes are known
    est.partial_fit(X[y == 1], y[y == 1])
    assert est.coef_.shape == (3, X.shape[1])


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_dense_equals_csr(container, l1_ratio):
    X, y = small_problem(4)
    params = {
        "alpha": 1e-2,
        "l1_ratio": l1_ratio,
        "random_state": 3,
        "average": True,
        "batch_size": 3,
        "learning_rate": "optimal",
    }
    dense = fit_epochs(X, y, 5, **params)
    sparse = fit_epochs(container(X), y, 5, **params)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dense.intercept_, sparse.intercept_, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_float32(n_classes):
    X, y = make_text_classification(
        n_samples=500, n_features=300, n_classes=n_classes, random_state=1
    )
    params = {
        "solver": "sgd",
        "alpha": 1e-3,
        "random_state": 0,
        "max_iter": 10,
        "n_iter_no_change": 100,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est64 = SoftmaxRegression(**params).fit(X, y)
        est32 = SoftmaxRegression(**params).fit(X.astype(np.float32), y)
    assert est32.coef_.dtype == np.float32 and est32.intercept_.dtype == np.float32
    np.testing.assert_allclose(est32.coef_, est64.coef_, rtol=1e-3, atol=1e-3)
    f32, f64 = (objective_value(e.coef_, e.intercept_, X, y, alpha=1e-3) for e in (est32, est64))
    assert abs(f32 - f64) < 1e-5 * f64


def test_int32_equals_int64_indices():
    X, y = make_text_classification(n_samples=300, n_features=200, n_classes=3, random_state=2)
    X64 = sp.csr_matrix(
        (X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)), shape=X.shape
    )
    a = SoftmaxRegression(solver="sgd", random_state=0, max_iter=5, tol=1e-2).fit(X, y)
    b = SoftmaxRegression(solver="sgd", random_state=0, max_iter=5, tol=1e-2).fit(X64, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_class_weight_balanced_equals_sample_weight():
    X, y = small_problem(3, n_samples=90)
    y[:40] = 0
    sw = compute_class_weight("balanced", classes=np.unique(y), y=y)[y]
    a = fit_epochs(X, y, 4, alpha=1e-2, class_weight="balanced", random_state=0)
    b = fit_epochs(X, y, 4, sample_weight=sw, alpha=1e-2, random_state=0)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)


def test_integer_weights_equal_repeated_rows():
    # With one batch per epoch SGD is gradient descent on the objective, which is the same
    # for integer weights and repeated rows; the iterates agree to rounding.
    X, y = small_problem(3, n_samples=80, n_features=5, seed=4)
    sw = np.random.default_rng(5).integers(1, 4, size=len(y))
    X_rep, y_rep = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    params = {"alpha": 1e-2, "learning_rate": "constant", "eta0": 0.5, "l1_ratio": 0.2}
    a = fit_epochs(X, y, 50, sample_weight=sw, batch_size=len(y), **params)
    b = fit_epochs(X_rep, y_rep, 50, batch_size=len(y_rep), **params)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-10, atol=1e-12)


def test_same_seed_same_model():
    X, y = make_text_classification(n_samples=400, n_features=300, n_classes=4, random_state=3)
    a = SoftmaxRegression(solver="sgd", random_state=7, max_iter=8).fit(X, y)
    b = SoftmaxRegression(solver="sgd", random_state=7, max_iter=8).fit(X, y)
    c = SoftmaxRegression(solver="sgd", random_state=8, max_iter=8).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_chunking_does_not_change_the_result(monkeypatch):
    X, y = make_text_classification(n_samples=300, n_features=200, n_classes=3, random_state=2)
    params = {
        "solver": "sgd",
        "random_state": 0,
        "max_iter": 4,
        "batch_size": 5,
        "l1_ratio": 0.3,
        "average": True,
        "learning_rate": "optimal",
    }
    a = SoftmaxRegression(**params).fit(X, y)
    monkeypatch.setattr(_sgd_solver, "CHUNK_WORK", 500)
    b = SoftmaxRegression(**params).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize("dtype, eta0", [(np.float64, 1e300), (np.float32, 1e33)])
def test_non_finite_is_an_error_not_a_nan_model(dtype, eta0):
    # the loss gradient is bounded, so the weights overflow only for huge steps
    X, y = small_problem(3)
    X = (X * 1e6).astype(dtype)
    est = SoftmaxRegression(solver="sgd", learning_rate="constant", eta0=eta0, alpha=0.0)
    with pytest.raises(FloatingPointError, match="Lower eta0.*MaxAbsScaler"):
        est.fit(X, y)
    assert not hasattr(est, "coef_")
    with pytest.raises(FloatingPointError, match="Lower eta0"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(est, "coef_")


def test_interrupt_leaves_estimator_unchanged(monkeypatch):
    X, y = small_problem(3)
    est = SoftmaxRegression(solver="sgd", max_iter=5, random_state=0).partial_fit(
        X, y, classes=[0, 1, 2]
    )
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(est).items()}
    steps = est._sgd_state.steps
    calls = []
    real = _sgd_solver._sgd.sgd_pass

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(_sgd_solver, "CHUNK_WORK", 200)
    monkeypatch.setattr(_sgd_solver._sgd, "sgd_pass", interrupted)
    for call in (lambda: est.partial_fit(X, y), lambda: est.fit(X, y)):
        calls.clear()
        with pytest.raises(KeyboardInterrupt):
            call()
        assert set(vars(est)) == set(before)
        for k, v in before.items():
            np.testing.assert_array_equal(getattr(est, k), v) if isinstance(v, np.ndarray) else None
        assert est._sgd_state.steps == steps


def test_convergence_warning_and_stopping():
    X, y = small_problem(3)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        SoftmaxRegression(solver="sgd", max_iter=2, random_state=0).fit(X, y)
    est = SoftmaxRegression(solver="sgd", max_iter=500, tol=1e-3, random_state=0).fit(X, y)
    assert est.n_iter_ < 500
    est = SoftmaxRegression(solver="sgd", early_stopping=True, max_iter=500, random_state=0).fit(
        X, y
    )
    assert est.n_iter_ < 500


@pytest.mark.parametrize(
    "params, match",
    [
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"learning_rate": "fast"}, "learning_rate must be one of"),
        ({"learning_rate": "constant", "eta0": 0.0}, "eta0 must be > 0"),
        ({"average": -1}, "average must be >= 0"),
        ({"validation_fraction": 1.0}, "validation_fraction must be < 1"),
        ({"n_iter_no_change": 0}, "n_iter_no_change must be >= 1"),
        ({"alpha": 0.0, "learning_rate": "optimal"}, "alpha must be > 0 with solver='sgd'"),
        ({"shuffle": 1}, "shuffle must be a bool"),
    ],
)
def test_invalid_params(params, match):
    X, y = small_problem(3)
    with pytest.raises((ValueError, TypeError), match=match):
        SoftmaxRegression(solver="sgd", **params).fit(X, y)


SGD_EXPECTED_FAILURES = {
    check: (
        "SGD's iterates depend on the order and number of steps: integer weights and repeated "
        "rows minimise the same objective (test_integer_weights_equal_repeated_rows) but do "
        "not give the same model after finitely many shuffled epochs; SGDClassifier marks "
        "this check the same way."
    )
    for check in (
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data",
    )
}


@parametrize_with_checks(
    [SoftmaxRegression(solver="sgd", random_state=0)],
    expected_failed_checks=lambda est: SGD_EXPECTED_FAILURES,
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# --- classes split into parts, on threads ---------------------------------------------------


def _with_parts(monkeypatch, n_parts, on_threads, call):
    """Run ``call()`` with the classes split into ``n_parts`` parts, on threads or not."""
    from softmaxreg._solvers import parts as _parts

    with monkeypatch.context() as m:
        m.setattr(_sgd_solver, "thread_parts", lambda *args: n_parts)
        if not on_threads:
            real = _sgd_solver._sgd.sgd_pass
            m.setattr(_sgd_solver._sgd, "sgd_pass", lambda *args, **kw: real(*args[:-1], 1, **kw))
        assert _parts.class_parts  # the split the driver uses
        return call()


PART_PARAMS = [
    dict(alpha=1e-2, l1_ratio=0.0, batch_size=1, average=False, learning_rate="optimal"),
    dict(alpha=2e-2, l1_ratio=0.5, batch_size=7, average=25, learning_rate="invscaling"),
    dict(
        alpha=0.5, l1_ratio=0.0, batch_size=3, average=10, learning_rate="constant", eta0=1.5
    ),  # the weight scale is folded
]


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [9, 13])
@pytest.mark.parametrize("params", PART_PARAMS, ids=["l2", "enet-avg", "fold"])
def test_class_parts_give_the_same_model(monkeypatch, container, dtype, n_classes, params):
    """2 or 3 parts, on threads or one thread: the same model, bit for bit, as one part
    (each class's arithmetic is the same), and the NumPy reference's."""
    X, y = small_problem(n_classes, n_samples=80, n_features=10)
    y[:n_classes] = np.arange(n_classes)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    params = {"eta0": 0.5, "power_t": 0.5, **params}
    Xc = container(X.astype(dtype))

    def fit():
        return fit_epochs(Xc, y, 3, sample_weight=sw, **params)

    one = _with_parts(monkeypatch, 1, False, fit)
    for n_parts, on_threads in [(2, True), (2, False), (3, True)]:
        split = _with_parts(monkeypatch, n_parts, on_threads, fit)
        assert len(split._sgd_state.ranges) == n_parts
        np.testing.assert_array_equal(split.coef_, one.coef_)
        np.testing.assert_array_equal(split.intercept_, one.intercept_)
    if dtype == np.float64:
        coef, intercept = reference_sgd(X, y, sw / sw.mean(), n_classes, n_epochs=3, **params)
        np.testing.assert_allclose(split.coef_, coef, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(split.intercept_, intercept, rtol=1e-9, atol=1e-10)


def test_class_parts_partial_fit_and_errors(monkeypatch):
    """partial_fit continues a split state; a non-finite score on threads raises (both
    threads stop at the same row: no hang)."""
    X, y = small_problem(10, n_samples=90, n_features=10)
    y[:10] = np.arange(10)

    def stream():
        est = SoftmaxRegression(solver="sgd", random_state=0, average=5)
        for lo in range(0, 90, 30):
            est.partial_fit(X[lo : lo + 30], y[lo : lo + 30], classes=np.arange(10))
        return est

    one = _with_parts(monkeypatch, 1, False, stream)
    two = _with_parts(monkeypatch, 2, True, stream)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.intercept_, two.intercept_)
    big = SoftmaxRegression(solver="sgd", learning_rate="constant", eta0=1e300, alpha=0.0)
    with pytest.raises(FloatingPointError, match="Lower eta0"):
        _with_parts(monkeypatch, 2, True, lambda: big.fit(X * 1e6, y))
    assert not hasattr(big, "coef_")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weights_start_on_cache_lines(dtype):
    """V (and A) of every part start on a 64-byte line, also in a copied state, and hold
    the starting weights exactly (a row of 8 float64 weights then fills one line)."""
    from softmaxreg._solvers.parts import on_cache_lines

    rng = np.random.default_rng(0)
    W = rng.standard_normal((1001, 20))
    for a in (W, W[:, 3:11], W.ravel()):
        out = on_cache_lines(a, dtype)
        assert out.ctypes.data % 64 == 0 and out.flags.c_contiguous
        np.testing.assert_array_equal(out, a.astype(dtype))
    state = _sgd_solver.SGDState(
        W, np.zeros(20), dtype, l1=False, average=True, ranges=[(0, 12), (12, 8)]
    )
    for s in (state, state.copy()):
        for V, A in zip(s.V, s.A):
            assert V.ctypes.data % 64 == 0 and A.ctypes.data % 64 == 0
            assert V.dtype == dtype
    np.testing.assert_array_equal(np.hstack(state.copy().V), W.astype(dtype))
