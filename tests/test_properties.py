"""Property-based tests of the kernels (hypothesis): random shapes, sparsity, dtypes, magnitudes.

For any problem drawn, the loss/gradient kernel gives a finite loss equal to a NumPy
reference, a gradient matching central finite differences (float64), and identical
results for dense and CSR storage and for int32 and int64 indices; the row-wise softmax
functions give finite probabilities summing to 1; one epoch of the SGD and SAG/SAGA
kernels gives the same finite weights on dense and on CSR storage of the same rows.
The examples are derandomised and bounded (``max_examples``) so the run is short and
repeatable; the debug (bounds-checked) CI pass runs this file too.
"""

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import logsumexp as scipy_logsumexp
from scipy.special import softmax as scipy_softmax

from softmaxreg import log_softmax, logsumexp, softmax
from softmaxreg._objective import Objective
from softmaxreg._solvers.progress import ProgressLog
from softmaxreg._solvers.sag import fit_sag, fit_saga
from softmaxreg._solvers.sgd import fit_sgd

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def problems(draw, max_samples=12, max_features=7, max_classes=5):
    """A random weighted problem: (X dense float64, y, sample_weight, n_classes)."""
    n = draw(st.integers(1, max_samples))
    d = draw(st.integers(1, max_features))
    n_classes = draw(st.integers(2, max_classes))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
    magnitude = draw(st.sampled_from([1e-3, 1.0, 30.0]))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * magnitude * (rng.random((n, d)) < density)
    y = rng.integers(n_classes, size=n).astype(np.int32)
    sw = rng.uniform(0.0, 3.0, size=n)
    sw[rng.integers(n)] += 0.5  # a positive total
    return X, y, sw, n_classes


def stored(X, container, dtype, index_dtype):
    X = X.astype(dtype)
    if container == "dense":
        return X
    Xs = sp.csr_matrix(X)
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    return Xs


def reference(X, y, sw, W, b, alpha, binomial):
    """NumPy objective and gradient (written independently of the kernel)."""
    raw = X @ W + b
    if binomial:
        z = raw[:, 0]
        loss = np.logaddexp(0.0, z) - y * z
        r = (scipy_softmax(np.c_[np.zeros_like(z), z], axis=1)[:, 1] - y)[:, None]
    else:
        loss = scipy_logsumexp(raw, axis=1) - raw[np.arange(len(y)), y]
        r = scipy_softmax(raw, axis=1)
        r[np.arange(len(y)), y] -= 1.0
    S = sw.sum()
    value = sw @ loss / S + 0.5 * alpha * np.sum(W * W)
    return value, np.concatenate([(X.T @ (sw[:, None] * r) / S + alpha * W).ravel(), sw @ r / S])


@PROPERTY
@given(
    problem=problems(),
    container=st.sampled_from(["dense", "csr"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    index_dtype=st.sampled_from([np.int32, np.int64]),
    weight_scale=st.sampled_from([0.01, 1.0, 100.0]),
    n_blocks=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_loss_gradient_is_finite_and_matches_numpy(
    problem, container, dtype, index_dtype, weight_scale, n_blocks, seed
):
    X, y, sw, n_classes = problem
    Xk = stored(X, container, dtype, index_dtype)
    obj = Objective(Xk, y, sw, n_classes, 0.01, 0.0, True)
    obj.block_starts = obj.rows.block_starts(n_blocks)
    obj._work = np.empty((len(obj.block_starts) - 2, obj.n_params + obj.n_columns))
    params = np.random.default_rng(seed).standard_normal(obj.n_params + obj.n_columns)
    params *= weight_scale
    value, grad = obj.value_and_gradient(params)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    W, b = obj.split(params)
    ref_value, ref_grad = reference(
        X.astype(dtype).astype(np.float64), y, sw, W, b, 0.01, n_classes == 2
    )
    np.testing.assert_allclose(value, ref_value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        grad, ref_grad, rtol=1e-8, atol=1e-10 * max(1.0, np.abs(ref_grad).max())
    )


@PROPERTY
@given(
    problem=problems(max_samples=8, max_features=4, max_classes=4),
    container=st.sampled_from(["dense", "csr"]),
    seed=st.integers(0, 2**16),
)
def test_gradient_matches_finite_differences(problem, container, seed):
    X, y, sw, n_classes = problem
    obj = Objective(stored(X, container, np.float64, np.int32), y, sw, n_classes, 0.1, 0.0, True)
    params = np.random.default_rng(seed).standard_normal(obj.n_params + obj.n_columns) * 0.3
    _, grad = obj.value_and_gradient(params)
    eps = 1e-6
    numeric = np.empty_like(params)
    for j in range(params.size):
        step = np.zeros_like(params)
        step[j] = eps
        numeric[j] = (obj.value(params + step) - obj.value(params - step)) / (2 * eps)
    scale = max(1.0, np.abs(X).max()) ** 2
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7 * scale)


@PROPERTY
@given(
    problem=problems(), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16)
)
def test_dense_csr_int32_int64_agree(problem, dtype, seed):
    X, y, sw, n_classes = problem
    results = []
    for container, index_dtype in [("dense", np.int32), ("csr", np.int32), ("csr", np.int64)]:
        obj = Objective(stored(X, container, dtype, index_dtype), y, sw, n_classes, 0.01, 0.0, True)
        params = np.random.default_rng(seed).standard_normal(obj.n_params + obj.n_columns)
        results.append(obj.value_and_gradient(params))
    for value, grad in results[1:]:
        np.testing.assert_allclose(value, results[0][0], rtol=1e-12)
        np.testing.assert_allclose(grad, results[0][1], rtol=1e-10, atol=1e-12)


logits = st.tuples(
    st.integers(1, 10),
    st.integers(1, 8),
    st.integers(0, 2**16),
    st.sampled_from([1e-3, 1.0, 50.0, 1e4]),
    st.sampled_from([np.float32, np.float64]),
)


@PROPERTY
@given(spec=logits)
def test_softmax_rows_are_probabilities(spec):
    n, k, seed, magnitude, dtype = spec
    Z = (np.random.default_rng(seed).standard_normal((n, k)) * magnitude).astype(dtype)
    p, lp, lse = softmax(Z), log_softmax(Z), logsumexp(Z)
    assert p.dtype == lp.dtype == lse.dtype == dtype
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.all(np.isfinite(lse))
    assert np.all(p >= 0) and np.all(p <= 1) and np.all(lp <= 0)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=rtol)
    Z64 = Z.astype(np.float64)
    np.testing.assert_allclose(p, scipy_softmax(Z64, axis=1), rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(lp, scipy_log_softmax(Z64, axis=1), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(lse, scipy_logsumexp(Z64, axis=1), rtol=rtol)


def _settings(solver, **kw):
    """The solver's settings dataclass, for a constant-eta SGD and one-thread-safe
    defaults (what the drivers read)."""
    from dataclasses import fields

    from softmaxreg._solvers.registry import SOLVERS

    values = {
        "tol": 0.0,
        "max_iter": 1,
        "random_state": 0,
        "batch_size": 1,
        "learning_rate": "constant",
        "eta0": 0.01,
        "power_t": 0.5,
        "average": False,
        "n_jobs": None,
        **kw,
    }
    cls = SOLVERS[solver].settings
    return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


@PROPERTY
@given(
    problem=problems(),
    dtype=st.sampled_from([np.float32, np.float64]),
    solver=st.sampled_from(["sgd", "sag", "saga"]),
    l1_ratio=st.sampled_from([0.0, 0.5]),
    batch_size=st.integers(1, 4),
    fit_intercept=st.booleans(),
)
def test_one_epoch_of_stochastic_kernels_is_finite_and_storage_independent(
    problem, dtype, solver, l1_ratio, batch_size, fit_intercept
):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y, sw, n_classes = problem
    X = X / max(1.0, np.abs(X).max())  # a step size the constant-eta SGD survives
    if solver == "sag":
        l1_ratio = 0.0
    fit = {"sgd": fit_sgd, "sag": fit_sag, "saga": fit_saga}[solver]
    results = []
    for container, index_dtype in [("dense", np.int32), ("csr", np.int32), ("csr", np.int64)]:
        obj = Objective(
            stored(X, container, dtype, index_dtype),
            y,
            sw,
            n_classes,
            0.01,
            l1_ratio,
            fit_intercept,
        )
        params0 = np.zeros(obj.n_params + obj.n_columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            params = fit(
                obj,
                params0,
                _settings(solver, batch_size=batch_size, max_iter=2),
                ProgressLog(solver),
            ).params
        assert np.all(np.isfinite(params))
        if not fit_intercept:
            assert np.all(params[obj.n_params :] == 0.0)
        value = obj.value(params)
        assert np.isfinite(value)
        results.append(params)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    for params in results[1:]:
        np.testing.assert_allclose(params, results[0], rtol=rtol, atol=rtol * 1e-2)
