"""The loss/gradient kernel against an independent NumPy reference and finite differences.

Crossed over float32/float64 x ndarray/csr_matrix/csr_array x int32/int64 indices x
with/without sample weights x binomial/multinomial x one or several thread blocks.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import log_softmax, logsumexp

from softmaxreg._objective import Objective


def reference_objective(X, y, sw, W, b, alpha, binomial):
    """Plain NumPy value and gradient of the objective (L2 only)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    raw = X @ W + b
    S = sw.sum()
    if binomial:
        z = raw[:, 0]
        loss = np.logaddexp(0.0, z) - y * z
        r = (1.0 / (1.0 + np.exp(-z)) - y)[:, None]
    else:
        loss = logsumexp(raw, axis=1) - raw[np.arange(len(y)), y]
        r = np.exp(log_softmax(raw, axis=1))
        r[np.arange(len(y)), y] -= 1.0
    value = (sw @ loss) / S + 0.5 * alpha * np.sum(W * W)
    gW = X.T @ (sw[:, None] * r) / S + alpha * W
    gb = (sw @ r) / S
    return value, gW, gb


def make_problem(container, dtype, index_dtype, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    n, d = 60, 15
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.3)
    y = rng.integers(n_classes, size=n)
    y[:n_classes] = np.arange(n_classes)
    X = X.astype(dtype)
    if container == "ndarray":
        return X, y
    Xs = getattr(sp, container)(X)
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    return Xs, y


CONTAINERS = [
    ("ndarray", np.int32),
    ("csr_matrix", np.int32),
    ("csr_matrix", np.int64),
    ("csr_array", np.int32),
    ("csr_array", np.int64),
]


@pytest.mark.parametrize("container, index_dtype", CONTAINERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("n_blocks", [1, 3])
def test_loss_gradient_matches_numpy(container, index_dtype, dtype, weighted, n_classes, n_blocks):
    X, y = make_problem(container, dtype, index_dtype, n_classes)
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.1, 3.0, size=len(y)) if weighted else np.ones(len(y))
    alpha = 0.05
    obj = Objective(X, y.astype(np.int32), sw, n_classes, alpha, 0.0, True)
    # force the thread-block path regardless of the size heuristic
    obj.block_starts = obj.rows.block_starts(n_blocks)
    obj._work = np.empty((len(obj.block_starts) - 2, obj.n_params + obj.n_columns))
    params = rng.standard_normal(obj.n_params + obj.n_columns)
    value, grad = obj.value_and_gradient(params)
    W, b = obj.split(params)
    ref_value, ref_gW, ref_gb = reference_objective(X, y, sw, W, b, alpha, n_classes == 2)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(value, ref_value, rtol=rtol)
    gW, gb = obj.split(grad)
    np.testing.assert_allclose(gW, ref_gW, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(gb, ref_gb, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("container", ["ndarray", "csr_matrix"])
def test_gradient_matches_finite_differences(n_classes, container):
    X, y = make_problem(container, np.float64, np.int32, n_classes, seed=3)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    obj = Objective(X, y.astype(np.int32), sw, n_classes, 0.1, 0.0, True)
    params = np.random.default_rng(4).standard_normal(obj.n_params + obj.n_columns) * 0.5
    _, grad = obj.value_and_gradient(params)
    eps = 1e-6
    numeric = np.empty_like(params)
    for j in range(params.size):
        e = np.zeros_like(params)
        e[j] = eps
        numeric[j] = (obj.value(params + e) - obj.value(params - e)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_thread_blocks_are_deterministic_and_agree():
    X, y = make_problem("csr_matrix", np.float64, np.int32, 4, seed=5)
    sw = np.ones(len(y))
    params = np.random.default_rng(0).standard_normal(X.shape[1] * 4 + 4)
    results = []
    for n_blocks in (1, 2, 4):
        obj = Objective(X, y.astype(np.int32), sw, 4, 0.01, 0.0, True)
        obj.block_starts = obj.rows.block_starts(n_blocks)
        obj._work = np.empty((len(obj.block_starts) - 2, obj.n_params + 4))
        results.append(obj.value_and_gradient(params))
        again = obj.value_and_gradient(params)
        assert again[0] == results[-1][0]
        np.testing.assert_array_equal(again[1], results[-1][1])
    for value, grad in results[1:]:
        np.testing.assert_allclose(value, results[0][0], rtol=1e-14)
        np.testing.assert_allclose(grad, results[0][1], rtol=1e-12, atol=1e-15)


def test_extreme_scores_stay_finite():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 2], dtype=np.int32)
    obj = Objective(X, y, np.ones(3), 3, 0.0, 0.0, True)
    params = np.array([1e4, -1e4, 0.0, -1e4, 1e4, 0.0, 0.0, 0.0, 0.0])
    value, grad = obj.value_and_gradient(params)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    W, b = obj.split(params)
    ref_value, _, _ = reference_objective(X, y, np.ones(3), W, b, 0.0, False)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)


def test_block_starts_balance_nonzeros():
    X, _ = make_problem("csr_matrix", np.float64, np.int32, 3)
    obj = Objective(
        X,
        np.zeros(X.shape[0], dtype=np.int32) + np.arange(X.shape[0]) % 3,
        np.ones(X.shape[0]),
        3,
        0.0,
        0.0,
        True,
    )
    starts = obj.rows.block_starts(4)
    assert starts[0] == 0 and starts[-1] == X.shape[0]
    assert np.all(np.diff(starts) > 0)
    nnz = np.diff(X.indptr[starts])
    assert nnz.max() - nnz.min() <= 2 * np.diff(X.indptr).max()


def test_thread_count_follows_n_threads_and_problem_size():
    from softmaxreg import make_text_classification

    X, y = make_text_classification(
        n_samples=20_000, n_features=20_000, n_classes=10, random_state=0
    )
    sw = np.ones(X.shape[0])
    big = [Objective(X, y.astype(np.int32), sw, 10, 1e-4, 0.0, True, n_threads=t) for t in (1, 2)]
    assert [o.n_threads for o in big] == [1, 2]
    small = Objective(X[:100], y[:100].astype(np.int32), sw[:100], 10, 1e-4, 0.0, True, n_threads=2)
    assert small.n_threads == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 7])
@pytest.mark.parametrize("n_blocks", [1, 3])
@pytest.mark.parametrize("d", [37, 900])
def test_dense_blas_path_across_chunks(dtype, n_classes, n_blocks, d):
    # Dense X runs through dgemm in chunks of about 160 KB (256 rows for d = 37, 22 rows
    # for d = 900), prefetching the next chunk: 1000 rows give full and partial chunks in
    # every thread block; the result must match the reference and CSR input.
    rng = np.random.default_rng(3)
    n = 1000
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(n_classes, size=n)
    sw = rng.uniform(0.1, 3.0, size=n)
    results = []
    for data in (X, sp.csr_matrix(X)):
        obj = Objective(data, y.astype(np.int32), sw, n_classes, 0.01, 0.0, True)
        obj.block_starts = obj.rows.block_starts(n_blocks)
        obj._work = np.empty((len(obj.block_starts) - 2, obj.n_params + obj.n_columns))
        params = np.random.default_rng(4).standard_normal(obj.n_params + obj.n_columns) * 0.1
        results.append(obj.value_and_gradient(params))
    W, b = obj.split(params)
    ref_value, ref_gW, ref_gb = reference_objective(X, y, sw, W, b, 0.01, n_classes == 2)
    for value, grad in results:
        np.testing.assert_allclose(value, ref_value, rtol=1e-12)
        gW, gb = obj.split(grad)
        np.testing.assert_allclose(gW, ref_gW, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(gb, ref_gb, rtol=1e-11, atol=1e-13)
