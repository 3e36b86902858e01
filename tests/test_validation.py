"""Bad input gets a clear error naming the problem; caller arrays are never modified."""

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import SoftmaxRegression

rng = np.random.default_rng(0)
X_OK = rng.standard_normal((30, 4))
Y_OK = np.arange(30) % 3


def with_value(X, i, j, v):
    X = X.copy()
    X[i, j] = v
    return X


def corrupt_csr(kind):
    Xs = sp.csr_matrix(X_OK)
    data, indices, indptr = Xs.data.copy(), Xs.indices.copy(), Xs.indptr.copy()
    if kind == "index_out_of_range":
        indices[3] = 99
    elif kind == "negative_index":
        indices[3] = -1
    elif kind == "decreasing_indptr":
        indptr[5], indptr[6] = indptr[6], indptr[5]
    elif kind == "indptr_nnz_mismatch":
        indptr[-1] -= 2
    M = sp.csr_matrix(X_OK.shape)
    M.data, M.indices, M.indptr = data, indices, indptr
    return M


# (id, X, y, sample_weight, params, error, message)
BAD_FIT = [
    ("nan_dense", with_value(X_OK, 2, 1, np.nan), Y_OK, None, {}, ValueError, "NaN"),
    ("inf_dense", with_value(X_OK, 2, 1, np.inf), Y_OK, None, {}, ValueError, "infinity"),
    ("nan_csr", sp.csr_matrix(with_value(X_OK, 2, 1, np.nan)), Y_OK, None, {}, ValueError, "NaN"),
    ("inf_csr", sp.csr_matrix(with_value(X_OK, 0, 0, -np.inf)), Y_OK, None, {}, ValueError,
     "infinity"),
    ("nan_y", X_OK, np.where(Y_OK == 1, np.nan, Y_OK), None, {}, ValueError, "NaN"),
    ("one_class", X_OK, np.zeros(30), None, {}, ValueError, "only one class"),
    ("empty", np.empty((0, 4)), np.empty(0), None, {}, ValueError, "0 sample"),
    ("no_features", np.empty((30, 0)), Y_OK, None, {}, ValueError, "0 feature"),
    ("X_1d", X_OK[:, 0], Y_OK, None, {}, ValueError, "Expected 2D array"),
    ("X_3d", X_OK.reshape(30, 2, 2), Y_OK, None, {}, ValueError, "dim"),
    ("length_mismatch", X_OK, Y_OK[:-1], None, {}, ValueError, "inconsistent numbers of samples"),
    ("negative_weight", X_OK, Y_OK, -np.ones(30), {}, ValueError, "non-negative"),
    ("nan_weight", X_OK, Y_OK, np.full(30, np.nan), {}, ValueError, "NaN"),
    ("short_weight", X_OK, Y_OK, np.ones(29), {}, ValueError, "29 entries"),
    ("zero_weights", X_OK, Y_OK, np.zeros(30), {}, ValueError, "sums to zero"),
    ("2d_weight", X_OK, Y_OK, np.ones((30, 1)), {}, ValueError, "1-D"),
    ("string_X", np.array([["a"] * 4] * 30), Y_OK, None, {}, ValueError, "convert"),
    ("complex_X", X_OK + 1j, Y_OK, None, {}, ValueError, "omplex"),
    ("continuous_y", X_OK, rng.standard_normal(30), None, {}, ValueError, "Unknown label type"),
    ("csr_index_out_of_range", corrupt_csr("index_out_of_range"), Y_OK, None, {}, ValueError,
     "column indices"),
    ("csr_negative_index", corrupt_csr("negative_index"), Y_OK, None, {}, ValueError,
     "column indices"),
    ("csr_decreasing_indptr", corrupt_csr("decreasing_indptr"), Y_OK, None, {}, ValueError,
     "indptr"),
    ("csr_indptr_nnz_mismatch", corrupt_csr("indptr_nnz_mismatch"), Y_OK, None, {}, ValueError,
     "indptr"),
    ("alpha_negative", X_OK, Y_OK, None, {"alpha": -1.0}, ValueError, "alpha must be >= 0"),
    ("alpha_nan", X_OK, Y_OK, None, {"alpha": np.nan}, ValueError, "alpha must be finite"),
    ("alpha_string", X_OK, Y_OK, None, {"alpha": "big"}, TypeError, "alpha must be of type"),
    ("l1_ratio_above_1", X_OK, Y_OK, None, {"l1_ratio": 1.5}, ValueError, "l1_ratio must be <= 1"),
    ("solver_unknown", X_OK, Y_OK, None, {"solver": "newton"}, ValueError, "solver must be one of"),
    ("tol_negative", X_OK, Y_OK, None, {"tol": -1e-3}, ValueError, "tol must be >= 0"),
    ("max_iter_zero", X_OK, Y_OK, None, {"max_iter": 0}, ValueError, "max_iter must be >= 1"),
    ("max_iter_float", X_OK, Y_OK, None, {"max_iter": 10.5}, TypeError, "max_iter must be of type"),
    ("fit_intercept_str", X_OK, Y_OK, None, {"fit_intercept": "yes"}, TypeError, "fit_intercept"),
    ("warm_start_int", X_OK, Y_OK, None, {"warm_start": 2}, TypeError, "warm_start"),
    ("n_jobs_zero", X_OK, Y_OK, None, {"n_jobs": 0}, ValueError, "n_jobs"),
    ("verbose_negative", X_OK, Y_OK, None, {"verbose": -1}, ValueError, "verbose"),
    ("class_weight_bad", X_OK, Y_OK, None, {"class_weight": "heavy"}, ValueError, "class_weight"),
    ("class_weight_unknown_label", X_OK, Y_OK, None, {"class_weight": {7: 2.0}}, ValueError,
     "not in class_weight"),
]


@pytest.mark.parametrize(
    "X, y, sample_weight, params, error, message",
    [case[1:] for case in BAD_FIT],
    ids=[case[0] for case in BAD_FIT],
)
def test_bad_fit_input_raises_and_leaves_input_alone(X, y, sample_weight, params, error, message):
    def arrays():
        out = [sample_weight, y] if sample_weight is not None else [y]
        return out + ([X.data, X.indices, X.indptr] if sp.issparse(X) else [X])

    snapshots = [a.copy() for a in arrays()]
    with pytest.raises(error, match=message):
        SoftmaxRegression(**params).fit(X, y, sample_weight=sample_weight)
    for before, after in zip(snapshots, arrays()):
        np.testing.assert_array_equal(before, after)


@pytest.fixture(scope="module")
def fitted():
    return SoftmaxRegression().fit(X_OK, Y_OK)


@pytest.mark.parametrize(
    "X, message",
    [
        (X_OK[:, :3], "3 features, but SoftmaxRegression is expecting 4"),
        (with_value(X_OK, 0, 0, np.nan), "NaN"),
        (X_OK[0], "Expected 2D array"),
        (sp.csr_matrix(X_OK[:, :2]), "2 features"),
    ],
)
def test_bad_predict_input(fitted, X, message):
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        with pytest.raises(ValueError, match=message):
            getattr(fitted, method)(X)


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


def test_fortran_readonly_and_integer_inputs():
    Xf = np.asfortranarray(X_OK)
    Xf.setflags(write=False)
    m = SoftmaxRegression(tol=1e-10).fit(Xf, Y_OK)
    ref = SoftmaxRegression(tol=1e-10).fit(X_OK, Y_OK)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    Xi = np.round(X_OK * 10).astype(np.int64)
    assert SoftmaxRegression().fit(Xi, Y_OK).coef_.dtype == np.float64
    X16 = X_OK.astype(np.float16)
    assert SoftmaxRegression().fit(X16, Y_OK).coef_.dtype == np.float64


def test_string_and_mixed_labels():
    y = np.array(["cat", "dog", "emu"])[Y_OK]
    m = SoftmaxRegression().fit(X_OK, y)
    assert set(m.predict(X_OK)) <= {"cat", "dog", "emu"}
    assert list(m.classes_) == ["cat", "dog", "emu"]
    with pytest.raises((TypeError, ValueError)):
        SoftmaxRegression().fit(X_OK, np.array(["a", 1] * 15, dtype=object))


def test_huge_values_give_finite_model_or_clear_error():
    X = X_OK * 1e300
    try:
        m = SoftmaxRegression().fit(X, Y_OK)
    except (ValueError, FloatingPointError) as exc:
        assert "scale" in str(exc)
    else:
        assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(m.intercept_))
