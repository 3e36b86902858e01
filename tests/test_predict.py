"""The CSR scoring kernel behind decision_function/predict_proba against NumPy."""

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg._estimator import linear_scores


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n_classes", [1, 3, 20])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_linear_scores_match_numpy(dtype, index_dtype, n_classes, n_threads):
    rng = np.random.default_rng(0)
    X = sp.random(300, 50, density=0.1, format="lil", random_state=1, dtype=dtype)
    X[5] = 0.0  # an empty row
    X = X.tocsr()
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    coef = rng.standard_normal((n_classes, 50)).astype(dtype)
    intercept = rng.standard_normal(n_classes).astype(dtype)
    expected = X.toarray().astype(np.float64) @ coef.T.astype(np.float64) + intercept
    got = linear_scores(X, coef, intercept, n_threads=n_threads)
    assert got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(
        got,
        expected,
        rtol=1e-5 if dtype == np.float32 else 1e-12,
        atol=1e-5 if dtype == np.float32 else 1e-12,
    )
    np.testing.assert_array_equal(got[5], intercept)
    np.testing.assert_allclose(
        linear_scores(X.toarray(), coef, intercept), got, rtol=1e-5, atol=1e-5
    )


def test_linear_scores_mixed_dtypes_and_no_nonzeros():
    X = sp.csr_matrix((4, 6), dtype=np.float32)
    coef = np.ones((2, 6))
    got = linear_scores(X, coef, np.array([1.0, -1.0]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.tile([1.0, -1.0], (4, 1)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threaded_kernel_equals_one_thread(dtype):
    # Enough rows that both threads run many rows at once; a row pointer shared between
    # the threads (a prange privatisation slip) shows up as wrong rows here.
    from softmaxreg._kernels import predict as _predict

    X = sp.random(6000, 400, density=0.05, format="csr", random_state=2, dtype=dtype)
    W = np.random.default_rng(3).standard_normal((400, 20))
    b = np.zeros(20)
    expected = X.astype(np.float64) @ W
    for _ in range(5):
        out = np.empty((6000, 20))
        _predict.linear_scores(X.data, X.indices, X.indptr, 400, W, b, out, 2)
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
