"""learning_rate="adagrad": against a plain NumPy proximal AdaGrad, and the optimum."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sgd_problems import sparse_rows_problem
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import SoftmaxRegression
from softmaxreg._solvers import sgd as _sgd_solver
from softmaxreg._solvers.contract import SGDSettings

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def reference_adagrad(
    X, y, sample_weight, n_classes, *, alpha, l1_ratio, eta0, power_t, average, n_epochs
):
    """Proximal row-wise AdaGrad written plainly: every weight takes the proximal step of
    every step (a zero gradient for the features a row lacks), rows in their order, at
    its feature's step (G: the feature's summed squared gradient norms).

    ``eta0`` may be a list, one per epoch; each is divided by the mean squared row norm
    to the power ``1 - power_t``. ``average="linear"`` weights step t of the average by
    t. Returns (coef (K, d), intercept (K,)) as the estimator exposes them.
    """
    eta0s = list(eta0) if isinstance(eta0, (list, tuple)) else [eta0] * n_epochs
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, d = X.shape
    binomial = n_classes == 2
    K = 1 if binomial else n_classes
    W, b, G, Gb = np.zeros((d, K)), np.zeros(K), np.zeros((d, 1)), np.zeros(K)
    W_sum, b_sum, n_avg, weight_sum = np.zeros((d, K)), np.zeros(K), 0, 0.0
    row_scale = np.mean(np.sum(X**2, axis=1))
    start = 1 if average == "linear" else average
    l2, l1 = alpha * (1 - l1_ratio), alpha * l1_ratio
    seen = 0

    def rate(G, eta0):
        with np.errstate(divide="ignore"):
            return np.where(G > 0, eta0 / G**power_t, 0.0)

    for eta0 in eta0s:
        eta0 = eta0 / row_scale ** (1.0 - power_t)
        for i in range(n):
            z = b + X[i] @ W
            if binomial:
                r = sample_weight[i] * (expit(z) - y[i])
            else:
                r = sample_weight[i] * (np.exp(z - logsumexp(z)) - np.eye(K)[y[i]])
            g = np.outer(X[i], r)
            G += (X[i] ** 2 * (r @ r))[:, None]
            e = rate(G, eta0)
            Z = W - e * g
            W = np.sign(Z) * np.maximum(np.abs(Z) - e * l1, 0.0) / (1.0 + e * l2)
            Gb += r * r
            b = b - rate(Gb, eta0) * r
            seen += 1
            if start and seen >= start:
                n_avg += 1
                weight = n_avg if average == "linear" else 1.0
                W_sum += weight * W
                b_sum += weight * b
                weight_sum += weight
    if n_avg:
        return (W_sum / weight_sum).T, b_sum / weight_sum
    return W.T, b


def small_problem(n_classes, **kwargs):
    """Sparser rows than test_sgd's, every class present."""
    return sparse_rows_problem(n_classes, zero_fraction=0.6, every_class=True, **kwargs)


def fit_epochs(X, y, n_epochs, sample_weight=None, **params):
    """SoftmaxRegression(solver="sgd", learning_rate="adagrad") for n_epochs epochs."""
    params.setdefault("shuffle", False)
    est = SoftmaxRegression(
        solver="sgd", learning_rate="adagrad", max_iter=n_epochs, n_iter_no_change=10**6, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight=sample_weight)


def numpy_objective(coef, intercept, X, y, sample_weight, alpha, l1_ratio):
    """(1/S) sum_i s_i loss_i + alpha ((1 - l1_ratio)/2 ||W||^2 + l1_ratio ||W||_1)."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    Z = X @ np.asarray(coef, dtype=np.float64).T + intercept
    if Z.shape[1] == 1:  # binomial: log(1 + exp(-+z))
        loss = np.logaddexp(0.0, Z[:, 0]) - y * Z[:, 0]
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    penalty = (1 - l1_ratio) / 2 * np.sum(coef**2) + l1_ratio * np.sum(np.abs(coef))
    return np.dot(sample_weight, loss) / sample_weight.sum() + alpha * penalty


@pytest.mark.parametrize("n_classes", [3, 2])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
@pytest.mark.parametrize("average", [False, 25, "linear"])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("power_t", [0.5, 0.3])
def test_matches_numpy_reference(n_classes, l1_ratio, average, container, power_t):
    """The lazy closed-form catch-up (and its averaged sum) equals taking every proximal
    step explicitly, dense or CSR (the CSR rows skip the zeros)."""
    X, y = small_problem(n_classes)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    params = dict(alpha=0.05, l1_ratio=l1_ratio, eta0=0.7, power_t=power_t, average=average)
    est = fit_epochs(container(X), y, 4, sample_weight=sw, **params)
    coef, intercept = reference_adagrad(X, y, sw / sw.mean(), n_classes, n_epochs=4, **params)
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("alpha, l1_ratio", [(0.3, 1.0), (0.3, 0.5), (0.0, 0.0)])
@pytest.mark.parametrize("average", [30, "linear"])
def test_strong_l1_and_no_penalty_match_reference(alpha, l1_ratio, average):
    """A penalty strong enough to zero weights between touches (l1_ratio=1: no L2, the
    skipped steps shrink linearly), and none at all."""
    X, y = small_problem(3, seed=2)
    params = dict(alpha=alpha, l1_ratio=l1_ratio, eta0=0.5, power_t=0.5, average=average)
    est = fit_epochs(sp.csr_matrix(X), y, 3, **params)
    coef, intercept = reference_adagrad(X, y, np.ones(len(y)), 3, n_epochs=3, **params)
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-12)
    if alpha > 0:
        last = fit_epochs(sp.csr_matrix(X), y, 3, **{**params, "average": False})
        assert np.any(last.coef_ == 0.0)


@pytest.fixture(scope="module")
def optimum_problem():
    X, y = small_problem(3, n_samples=150, n_features=6, seed=3)
    return X, y


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reaches_the_optimum(optimum_problem, l1_ratio, container, dtype):
    """Many averaged epochs reach the optimum of a tight lbfgs (L2) or saga (enet) fit."""
    X, y = optimum_problem
    alpha, ones = 0.05, np.ones(len(y))
    tight = SoftmaxRegression(
        alpha=alpha,
        l1_ratio=l1_ratio,
        solver="saga" if l1_ratio else "lbfgs",
        tol=1e-12,
        max_iter=10000,
        random_state=0,
    ).fit(X, y)
    f_star = numpy_objective(tight.coef_, tight.intercept_, X, y, ones, alpha, l1_ratio)
    est = fit_epochs(
        container(X.astype(dtype)),
        y,
        800,
        alpha=alpha,
        l1_ratio=l1_ratio,
        eta0=0.5,
        power_t=0.5,
        average=len(y) * 100,
        shuffle=True,
        random_state=0,
    )
    assert est.coef_.dtype == dtype
    f = numpy_objective(est.coef_, est.intercept_, X, y, ones, alpha, l1_ratio)
    assert 0 <= (f - f_star) / f_star < 2e-3 or abs(f - f_star) < 1e-6


def test_integer_weights_reach_the_repeated_rows_optimum(optimum_problem):
    """Integer weights and repeated rows have the same objective: both fits end near its
    optimum."""
    X, y = optimum_problem
    sw = np.random.default_rng(5).integers(1, 4, size=len(y))
    X_rep, y_rep = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    alpha = 0.05
    tight = SoftmaxRegression(alpha=alpha, solver="lbfgs", tol=1e-12, max_iter=10000)
    tight.fit(X_rep, y_rep)
    f_star = numpy_objective(
        tight.coef_, tight.intercept_, X_rep, y_rep, np.ones(len(y_rep)), alpha, 0.0
    )
    params = dict(alpha=alpha, eta0=0.5, shuffle=True, random_state=0)
    a = fit_epochs(X, y, 600, sample_weight=sw, average=len(y) * 100, **params)
    b = fit_epochs(X_rep, y_rep, 600, average=len(y_rep) * 100, **params)
    for est in (a, b):
        f = numpy_objective(est.coef_, est.intercept_, X, y, sw.astype(float), alpha, 0.0)
        assert 0 <= (f - f_star) / f_star < 2e-3


@pytest.mark.parametrize("alpha", [1e-6, 2e-4, 0.02])
def test_linear_average_matches_reference_at_weak_and_strong_penalties(alpha):
    """The skipped steps' weighted sums in both of their forms (a series where the
    penalty's decay over the skipped steps is tiny, the closed form elsewhere) equal the
    explicit sum."""
    X, y = small_problem(4, n_samples=60, n_features=12, seed=5)
    params = dict(alpha=alpha, l1_ratio=0.0, eta0=2.0, power_t=0.2, average="linear")
    est = fit_epochs(sp.csr_matrix(X), y, 5, **params)
    coef, intercept = reference_adagrad(X, y, np.ones(len(y)), 4, n_epochs=5, **params)
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-12)


def test_auto_runs_adagrad_in_partial_fit_and_optimal_in_fit():
    """learning_rate="auto": partial_fit runs "adagrad" with eta0=2, power_t=0.2,
    average="linear"; fit runs "optimal" (SGDClassifier's eta0=0.01, power_t=0.5, no
    average), or "adagrad" where "optimal" cannot run (alpha=0)."""
    X, y = small_problem(3, seed=7)
    classes = np.arange(3)
    auto = SoftmaxRegression(solver="sgd", random_state=0, shuffle=False)
    explicit = SoftmaxRegression(
        solver="sgd",
        random_state=0,
        shuffle=False,
        learning_rate="adagrad",
        eta0=2.0,
        power_t=0.2,
        average="linear",
    )
    for est in (auto, explicit):
        est.partial_fit(X, y, classes=classes)
    np.testing.assert_array_equal(auto.coef_, explicit.coef_)

    def fit(**params):
        est = SoftmaxRegression(solver="sgd", random_state=0, max_iter=2, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X, y)

    np.testing.assert_array_equal(fit().coef_, fit(learning_rate="optimal").coef_)
    np.testing.assert_array_equal(
        fit(alpha=0.0).coef_,
        fit(alpha=0.0, learning_rate="adagrad", eta0=2.0, power_t=0.2, average="linear").coef_,
    )
    # partial_fit after fit continues fit's schedule
    continued = fit().partial_fit(X, y)
    assert continued._sgd_state.rate == "optimal"
    settings = SGDSettings(learning_rate="invscaling")
    assert (settings.eta0, settings.power_t, settings.average) == (0.01, 0.5, False)
    assert SGDSettings(batch_size=4).resolve(partial=True, alpha=1.0).learning_rate == "optimal"


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_stream_chunks_settled_once_equal_partial_fit(l1_ratio):
    """A stream's chunks leave the untouched weights owing their steps and write no
    model; settled at the end of the pass, the model is partial_fit's."""
    X, y = small_problem(4, n_samples=120, n_features=30, seed=8)
    X = sp.csr_matrix(X)
    params = dict(solver="sgd", alpha=0.01, l1_ratio=l1_ratio, random_state=0)
    one, streamed = SoftmaxRegression(**params), SoftmaxRegression(**params)
    classes = np.arange(4)
    for _ in range(2):
        losses = []
        for rows in np.array_split(np.arange(120), 5):
            one.partial_fit(X[rows], y[rows], classes=classes)
            losses.append(streamed._partial_fit(X[rows], y[rows], classes, None, stream=True))
        streamed._settle_stream(float(np.mean(losses)))
    np.testing.assert_allclose(streamed.coef_, one.coef_, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(streamed.intercept_, one.intercept_, rtol=1e-10, atol=1e-13)
    assert len(streamed.loss_curve_) == 2 and np.all(np.isfinite(streamed.loss_curve_))


def test_partial_fit_continues_and_switches_schedules():
    """partial_fit passes equal fit's epochs; a stream may switch from another schedule
    to "adagrad" and back (the scaled weights and pending L1 are settled first)."""
    X, y = small_problem(4, n_samples=80)
    params = dict(alpha=0.02, l1_ratio=0.3, eta0=0.4, average=20)
    a = fit_epochs(X, y, 3, **params)
    b = SoftmaxRegression(solver="sgd", learning_rate="adagrad", shuffle=False, **params)
    for _ in range(3):
        b.partial_fit(X, y, classes=np.arange(4))
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-12, atol=1e-14)
    c = SoftmaxRegression(solver="sgd", alpha=0.02, l1_ratio=0.3, average=20, random_state=0)
    c.partial_fit(X, y, classes=np.arange(4))
    c.set_params(learning_rate="adagrad", eta0=0.4)
    c.partial_fit(X, y)
    c = pickle.loads(pickle.dumps(c))
    c.set_params(learning_rate="optimal")
    c.partial_fit(X, y)
    c.set_params(learning_rate="adagrad")
    c.partial_fit(X, y)
    assert np.all(np.isfinite(c.coef_)) and c.score(X, y) > 0.3


def test_partial_fit_with_a_new_eta0_uses_it():
    """set_params(eta0=...) between partial_fit calls: the next pass steps at the new
    eta0, the skipped steps' sizes included."""
    X, y = small_problem(3, seed=6)
    params = dict(alpha=0.1, l1_ratio=0.5, power_t=0.5, average=40)
    est = SoftmaxRegression(solver="sgd", learning_rate="adagrad", shuffle=False, **params)
    for eta0 in (0.8, 0.2, 0.5):
        est.set_params(eta0=eta0)
        est.partial_fit(sp.csr_matrix(X), y, classes=np.arange(3))
    coef, intercept = reference_adagrad(
        X, y, np.ones(len(y)), 3, eta0=[0.8, 0.2, 0.5], n_epochs=3, **params
    )
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, intercept, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_class_parts_give_the_same_model(monkeypatch, container):
    """Classes split over parts, on threads or one thread: the same model, bit for bit."""
    X, y = small_problem(10, n_samples=80, n_features=10)
    params = dict(alpha=0.02, l1_ratio=0.4, eta0=0.5, average=30)

    def fit(n_parts, on_threads):
        with monkeypatch.context() as m:
            m.setattr(_sgd_solver, "thread_parts", lambda *args: n_parts)
            if not on_threads:
                real = _sgd_solver._sgd.sgd_pass
                m.setattr(
                    _sgd_solver._sgd, "sgd_pass", lambda *args, **kw: real(*args[:-1], 1, **kw)
                )
            return fit_epochs(container(X), y, 3, **params)

    one = fit(1, False)
    for n_parts, on_threads in [(2, True), (2, False), (3, True)]:
        split = fit(n_parts, on_threads)
        assert len(split._sgd_state.ranges) == n_parts
        np.testing.assert_array_equal(split.coef_, one.coef_)
        np.testing.assert_array_equal(split.intercept_, one.intercept_)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"eta0": 0.0}, ValueError, "eta0 must be > 0"),
        ({"eta0": -1.0}, ValueError, "eta0 must be > 0"),
        ({"eta0": "1"}, TypeError, "eta0 must be of type"),
        ({"power_t": -0.5}, ValueError, "power_t must be >= 0"),
        ({"batch_size": 4}, ValueError, "batch_size must be 1"),
    ],
)
def test_invalid_params(params, error, match):
    X, y = small_problem(3)
    est = SoftmaxRegression(solver="sgd", learning_rate="adagrad", **params)
    with pytest.raises(error, match=match):
        est.fit(X, y)
    with pytest.raises(error, match=match):
        SoftmaxRegression(solver="sgd", learning_rate="adagrad", **params).partial_fit(
            X, y, classes=np.arange(3)
        )
