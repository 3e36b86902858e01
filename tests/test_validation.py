"""How input is converted: CSR used without a copy, other formats converted, labels of any type.

The bad-input table (errors, conversions, layouts, caller arrays unchanged) is in
test_bad_input.py.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import SoftmaxRegression

rng = np.random.default_rng(0)
X_OK = rng.standard_normal((30, 4))
Y_OK = np.arange(30) % 3


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SoftmaxRegression().predict(X_OK)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_csr_used_without_copy(monkeypatch, container, dtype, index_dtype):
    """The arrays handed to the kernel share memory with the caller's CSR."""
    from softmaxreg import _objective

    Xs = container(X_OK.astype(dtype))
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    seen = {}
    original = _objective.RowData.__init__

    def spy(self, X):
        original(self, X)
        seen.update(data=self.data, indices=self.indices, indptr=self.indptr)

    monkeypatch.setattr(_objective.RowData, "__init__", spy)
    SoftmaxRegression().fit(Xs, Y_OK)
    assert np.shares_memory(seen["data"], Xs.data)
    assert np.shares_memory(seen["indices"], Xs.indices)
    assert np.shares_memory(seen["indptr"], Xs.indptr)


def test_unsorted_csr_indices_are_fine():
    Xs = sp.csr_matrix(X_OK)
    shuffled = Xs.copy()
    for i in range(shuffled.shape[0]):
        lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
        order = np.arange(lo, hi)[::-1]
        shuffled.indices[lo:hi] = shuffled.indices[order]
        shuffled.data[lo:hi] = shuffled.data[order]
    shuffled.has_sorted_indices = False
    a = SoftmaxRegression(tol=1e-10, n_jobs=1).fit(Xs, Y_OK)
    b = SoftmaxRegression(tol=1e-10, n_jobs=1).fit(shuffled, Y_OK)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fmt", ["csc", "coo", "lil"])
def test_other_sparse_formats_are_converted(fmt):
    Xs = sp.csr_matrix(X_OK).asformat(fmt)
    m = SoftmaxRegression(tol=1e-10).fit(Xs, Y_OK)
    ref = SoftmaxRegression(tol=1e-10).fit(X_OK, Y_OK)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_string_and_mixed_labels():
    y = np.array(["cat", "dog", "emu"])[Y_OK]
    m = SoftmaxRegression().fit(X_OK, y)
    assert set(m.predict(X_OK)) <= {"cat", "dog", "emu"}
    assert list(m.classes_) == ["cat", "dog", "emu"]
    with pytest.raises((TypeError, ValueError)):
        SoftmaxRegression().fit(X_OK, np.array(["a", 1] * 15, dtype=object))
