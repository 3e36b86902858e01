"""The bad-input table: every wrong input gets a precise error or a correct finite model.

Each row builds its inputs (``make(tmp_path) -> dict(X=, y=, sample_weight=)``) and says
what it expects: ``Raises(error, regex)``, or ``Same(reference)`` (the fit succeeds and
gives the model fitted on the reference inputs, e.g. the C-ordered float64 copy), or
``Finite(check)`` (a finite model that passes ``check``). Every row runs for every
estimator configuration it applies to (SoftmaxRegression with each solver, and the
drop-in LogisticRegression), and every case checks that the caller's arrays are
unchanged afterwards (compared with copies taken before the call) and that an
estimator whose fit raised has gained no fitted attribute.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import FeatureScaleWarning, LogisticRegression, SoftmaxRegression

rng = np.random.default_rng(0)
X_OK = rng.standard_normal((30, 4))
Y_OK = np.arange(30) % 3
SW_OK = rng.uniform(0.5, 2.0, size=30)

# Estimator configurations: a short, seeded fit for each solver.
ESTIMATORS = {
    "lbfgs": lambda **p: SoftmaxRegression(**{"solver": "lbfgs", **p}),
    "sgd": lambda **p: SoftmaxRegression(
        **{"solver": "sgd", "random_state": 0, "max_iter": 30, **p}
    ),
    "sag": lambda **p: SoftmaxRegression(
        **{"solver": "sag", "random_state": 0, "max_iter": 30, **p}
    ),
    "saga": lambda **p: SoftmaxRegression(
        **{"solver": "saga", "random_state": 0, "max_iter": 30, **p}
    ),
    "logistic": lambda **p: LogisticRegression(**{"max_iter": 200, **p}),
}
SOFTMAX = ("lbfgs", "sgd", "sag", "saga")
ALL = tuple(ESTIMATORS)


class Raises:
    def __init__(self, error, match):
        self.error, self.match = error, match

    def __repr__(self):
        return f"Raises({self.error.__name__}, {self.match!r})"


class Same:
    """The model fitted on ``reference(tmp_path)`` (default: the clean data)."""

    def __init__(self, reference=None, rtol=1e-10, dtype=np.float64):
        self.reference, self.rtol, self.dtype = reference, rtol, dtype


class Finite:
    def __init__(self, check=None):
        self.check = check


def inputs(X=None, y=None, sample_weight=None):
    return dict(X=X_OK if X is None else X, y=Y_OK if y is None else y, sample_weight=sample_weight)


def with_value(X, i, j, v):
    X = X.copy()
    X[i, j] = v
    return X


def corrupt_csr(kind):
    Xs = sp.csr_matrix(X_OK)
    data, indices, indptr = Xs.data.copy(), Xs.indices.copy(), Xs.indptr.copy()
    if kind == "index_out_of_range":
        indices[3] = 99
    elif kind == "index_equal_to_n_features":
        indices[-1] = X_OK.shape[1]
    elif kind == "negative_index":
        indices[3] = -1
    elif kind == "decreasing_indptr":
        indptr[5], indptr[6] = indptr[6], indptr[5]
    elif kind == "indptr_nnz_mismatch":
        indptr[-1] -= 2
    elif kind == "indptr_beyond_nnz":
        indptr[-1] += 5
    elif kind == "indptr_nonzero_start":
        indptr[0] = 1
    elif kind == "short_indptr":
        indptr = indptr[:-3]
    elif kind == "data_shorter_than_indices":
        data = data[:-1]
    M = sp.csr_matrix(X_OK.shape)
    M.data, M.indices, M.indptr = data, indices, indptr
    return M


CORRUPT = [
    "index_out_of_range",
    "index_equal_to_n_features",
    "negative_index",
    "decreasing_indptr",
    "indptr_nnz_mismatch",
    "indptr_beyond_nnz",
    "indptr_nonzero_start",
    "short_indptr",
    "data_shorter_than_indices",
]
CORRUPT_MESSAGE = r"Corrupt CSR matrix|column index|indptr|indices"


def memmapped(tmp_path, array, name):
    path = tmp_path / f"{name}.npy"
    np.save(path, array)
    return np.load(path, mmap_mode="r")


def memmapped_csr(tmp_path):
    Xs = sp.csr_matrix(X_OK)
    return sp.csr_matrix(
        (
            memmapped(tmp_path, Xs.data, "data"),
            memmapped(tmp_path, Xs.indices, "indices"),
            memmapped(tmp_path, Xs.indptr, "indptr"),
        ),
        shape=Xs.shape,
        copy=False,
    )


def read_only(array):
    array = array.copy()
    array.setflags(write=False)
    return array


def many_classes(_):
    """1,000 classes with 3 samples each, 8 features."""
    r = np.random.default_rng(1)
    centres = r.standard_normal((1000, 8))
    y = np.repeat(np.arange(1000), 3)
    # short fits (the check asks for a better-than-constant model, not the optimum)
    return inputs(centres[y] + 0.3 * r.standard_normal((3000, 8)), y) | {"params": {"max_iter": 5}}


def many_classes_check(model, data):
    assert model.classes_.shape == (1000,) and model.coef_.shape == (1000, 8)
    p = model.predict_proba(data["X"])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-10)
    # a model better than the constant one: mean log-loss below log(1000)
    log_loss = -np.mean(np.log(p[np.arange(3000), data["y"]]))
    assert log_loss < 0.8 * np.log(1000)


def huge_weights_check(model, data):
    ref = fit_quietly(SoftmaxRegression(**model.get_params()), inputs())
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-6, atol=1e-8)


_SCALE = r"(?i)scale"  # the divergence errors advise scaling the features
_NONFINITE = (ValueError, r"NaN|infinity")

# (id, make, expect, applies to)
FIT_ROWS = [
    # non-finite values
    ("nan_dense", lambda t: inputs(with_value(X_OK, 2, 1, np.nan)), Raises(*_NONFINITE), ALL),
    ("inf_dense", lambda t: inputs(with_value(X_OK, 2, 1, np.inf)), Raises(*_NONFINITE), ALL),
    (
        "minus_inf_dense",
        lambda t: inputs(with_value(X_OK, 0, 0, -np.inf)),
        Raises(*_NONFINITE),
        ALL,
    ),
    (
        "nan_csr",
        lambda t: inputs(sp.csr_matrix(with_value(X_OK, 2, 1, np.nan))),
        Raises(*_NONFINITE),
        ALL,
    ),
    (
        "inf_csr",
        lambda t: inputs(sp.csr_array(with_value(X_OK, 0, 0, -np.inf))),
        Raises(*_NONFINITE),
        ALL,
    ),
    (
        "nan_float32",
        lambda t: inputs(with_value(X_OK, 2, 1, np.nan).astype(np.float32)),
        Raises(*_NONFINITE),
        ALL,
    ),
    # labels
    (
        "nan_y",
        lambda t: inputs(y=np.where(Y_OK == 1, np.nan, Y_OK)),
        Raises(ValueError, "NaN"),
        ALL,
    ),
    (
        "inf_y",
        lambda t: inputs(y=np.where(Y_OK == 1, np.inf, Y_OK)),
        Raises(ValueError, "infinity"),
        ALL,
    ),
    ("y_none", lambda t: inputs(y=None) | {"y": None}, Raises(ValueError, "requires y"), ALL),
    ("y_2d", lambda t: inputs(y=np.c_[Y_OK, Y_OK]), Raises(ValueError, "1d array"), ALL),
    ("one_class", lambda t: inputs(y=np.zeros(30)), Raises(ValueError, "only one class"), ALL),
    (
        "continuous_y",
        lambda t: inputs(y=rng.standard_normal(30)),
        Raises(ValueError, "Unknown label type"),
        ALL,
    ),
    (
        "string_labels",
        lambda t: inputs(y=np.array(["a", "b", "c"])[Y_OK]),
        Same(lambda t: inputs()),
        SOFTMAX,
    ),
    # scikit-learn's rule: float labels that are not integers (1e300 is beyond int64) are
    # continuous; the error comes without a RuntimeWarning from the failed integer cast
    (
        "huge_float_labels",
        lambda t: inputs(y=np.array([-1e300, 0.0, 1e300])[Y_OK]),
        Raises(ValueError, "Unknown label type"),
        ALL,
    ),
    # shapes
    ("empty", lambda t: inputs(np.empty((0, 4)), np.empty(0)), Raises(ValueError, "0 sample"), ALL),
    (
        "empty_csr",
        lambda t: inputs(sp.csr_matrix((0, 4)), np.empty(0)),
        Raises(ValueError, "0 sample"),
        ALL,
    ),
    ("no_features", lambda t: inputs(np.empty((30, 0))), Raises(ValueError, "0 feature"), ALL),
    ("X_scalar", lambda t: inputs(np.float64(3.0)), Raises(ValueError, "Expected 2D array"), ALL),
    ("X_1d", lambda t: inputs(X_OK[:, 0]), Raises(ValueError, "Expected 2D array"), ALL),
    ("X_3d", lambda t: inputs(X_OK.reshape(30, 2, 2)), Raises(ValueError, "dim 3"), ALL),
    (
        "y_shorter",
        lambda t: inputs(y=Y_OK[:-1]),
        Raises(ValueError, "inconsistent numbers of samples"),
        ALL,
    ),
    (
        "y_longer",
        lambda t: inputs(y=np.r_[Y_OK, 0]),
        Raises(ValueError, "inconsistent numbers of samples"),
        ALL,
    ),
    # sample weights
    (
        "negative_weight",
        lambda t: inputs(sample_weight=np.r_[-1.0, np.ones(29)]),
        Raises(ValueError, "non-negative"),
        ALL,
    ),
    (
        "nan_weight",
        lambda t: inputs(sample_weight=np.r_[np.nan, np.ones(29)]),
        Raises(ValueError, "sample_weight contains NaN"),
        ALL,
    ),
    (
        "inf_weight",
        lambda t: inputs(sample_weight=np.r_[np.inf, np.ones(29)]),
        Raises(ValueError, "sample_weight contains NaN or infinity"),
        ALL,
    ),
    (
        "short_weight",
        lambda t: inputs(sample_weight=np.ones(29)),
        Raises(ValueError, "29 entries"),
        ALL,
    ),
    (
        "long_weight",
        lambda t: inputs(sample_weight=np.ones(31)),
        Raises(ValueError, "31 entries"),
        ALL,
    ),
    (
        "zero_weights",
        lambda t: inputs(sample_weight=np.zeros(30)),
        Raises(ValueError, "sums to zero"),
        ALL,
    ),
    ("2d_weight", lambda t: inputs(sample_weight=np.ones((30, 1))), Raises(ValueError, "1-D"), ALL),
    (
        "string_weight",
        lambda t: inputs(sample_weight=np.array(["a"] * 30)),
        Raises(ValueError, "sample_weight must be numeric"),
        ALL,
    ),
    (
        "huge_weights",
        lambda t: inputs(sample_weight=np.full(30, 1e300)),
        Finite(huge_weights_check),
        SOFTMAX,
    ),
    # dtypes
    ("string_X", lambda t: inputs(np.array([["a"] * 4] * 30)), Raises(ValueError, "convert"), ALL),
    (
        "object_X_with_strings",
        lambda t: inputs(np.array([[1.0, "a", 2.0, 3.0]] * 30, dtype=object)),
        Raises(ValueError, "convert"),
        ALL,
    ),
    ("object_X_numbers", lambda t: inputs(X_OK.astype(object)), Same(), ALL),
    (
        "complex_X",
        lambda t: inputs(X_OK + 1j),
        Raises(ValueError, "Complex data not supported"),
        ALL,
    ),
    (
        "complex_X_zero_imaginary",
        lambda t: inputs(X_OK + 0j),
        Raises(ValueError, "Complex data not supported"),
        ALL,
    ),
    ("bool_X", lambda t: inputs(X_OK > 0), Same(lambda t: inputs((X_OK > 0).astype(float))), ALL),
    (
        "bool_csr",
        lambda t: inputs(sp.csr_matrix(X_OK > 0)),
        Same(lambda t: inputs((X_OK > 0).astype(float))),
        ALL,
    ),
    (
        "float16_X",
        lambda t: inputs(X_OK.astype(np.float16)),
        Same(lambda t: inputs(X_OK.astype(np.float16).astype(np.float64))),
        ALL,
    ),
    (
        "int64_X",
        lambda t: inputs(np.round(X_OK * 10).astype(np.int64)),
        Same(lambda t: inputs(np.round(X_OK * 10))),
        ALL,
    ),
    (
        "int32_X",
        lambda t: inputs(np.round(X_OK * 10).astype(np.int32)),
        Same(lambda t: inputs(np.round(X_OK * 10))),
        ALL,
    ),
    (
        "uint8_X",
        lambda t: inputs((np.abs(X_OK) * 10).astype(np.uint8)),
        Same(lambda t: inputs((np.abs(X_OK) * 10).astype(np.uint8).astype(float))),
        ALL,
    ),
    ("int16_csr_indices", lambda t: inputs(_csr_index_dtype(np.int16)), Same(), ALL),
    (
        "float32_X",
        lambda t: inputs(X_OK.astype(np.float32)),
        Same(lambda t: inputs(np.ascontiguousarray(X_OK.astype(np.float32))), dtype=np.float32),
        ALL,
    ),
    (
        "csr_without_nonzeros",
        lambda t: inputs(sp.csr_matrix((30, 4))),
        Same(lambda t: inputs(np.zeros((30, 4)))),
        ALL,
    ),
    # corrupt CSR: must raise before any kernel reads out of bounds
    *[
        (
            f"csr_{kind}",
            lambda t, kind=kind: inputs(corrupt_csr(kind)),
            Raises(ValueError, CORRUPT_MESSAGE),
            ALL,
        )
        for kind in CORRUPT
    ],
    # magnitudes
    ("all_values_1e300", lambda t: inputs(X_OK * 1e300), Raises(FloatingPointError, _SCALE), ALL),
    (
        "one_column_1e300",
        lambda t: inputs(X_OK * np.array([1.0, 1e300, 1.0, 1.0])),
        Raises(FloatingPointError, _SCALE),
        ALL,
    ),
    (
        "csr_values_1e300",
        lambda t: inputs(sp.csr_matrix(X_OK * 1e300)),
        Raises(FloatingPointError, _SCALE),
        ALL,
    ),
    ("tiny_values_1e-300", lambda t: inputs(X_OK * 1e-300), Finite(), ALL),
    ("1000_classes_3_samples_each", many_classes, Finite(many_classes_check), ALL),
    # memory layouts and read-only inputs: the same model as the C-ordered copy
    (
        "memmap_dense",
        lambda t: inputs(
            memmapped(t, X_OK, "X"), memmapped(t, Y_OK, "y"), memmapped(t, SW_OK, "sw")
        ),
        Same(lambda t: inputs(sample_weight=SW_OK)),
        ALL,
    ),
    ("memmap_csr", lambda t: inputs(memmapped_csr(t), memmapped(t, Y_OK, "y")), Same(), ALL),
    (
        "read_only_arrays",
        lambda t: inputs(read_only(X_OK), read_only(Y_OK), read_only(SW_OK)),
        Same(lambda t: inputs(sample_weight=SW_OK)),
        ALL,
    ),
    ("fortran_order", lambda t: inputs(np.asfortranarray(X_OK)), Same(), ALL),
    ("column_slice", lambda t: inputs(np.repeat(X_OK, 2, axis=1)[:, ::2]), Same(), ALL),
    (
        "row_slice",
        lambda t: inputs(
            np.repeat(X_OK, 2, axis=0)[::2], np.repeat(Y_OK, 2)[::2], np.repeat(SW_OK, 2)[::2]
        ),
        Same(lambda t: inputs(sample_weight=SW_OK)),
        ALL,
    ),
    (
        "reversed_rows",
        lambda t: inputs(X_OK[::-1], Y_OK[::-1], SW_OK[::-1]),
        Same(lambda t: inputs(X_OK[::-1].copy(), Y_OK[::-1].copy(), SW_OK[::-1].copy())),
        ALL,
    ),
]


def _csr_index_dtype(dtype):
    Xs = sp.csr_matrix(X_OK)
    Xs.indices = Xs.indices.astype(dtype)
    Xs.indptr = Xs.indptr.astype(dtype)
    return Xs


def caller_arrays(data):
    """Every array the caller passed (CSR: its data, indices, indptr)."""
    out = []
    for value in data.values():
        if sp.issparse(value):
            out += [value.data, value.indices, value.indptr]
        elif isinstance(value, np.ndarray):
            out.append(value)
    return out


def fit_quietly(estimator, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FeatureScaleWarning)
        return estimator.fit(data["X"], data["y"], sample_weight=data["sample_weight"])


def check_expectation(make_estimator, data, expect, tmp_path):
    params = data.pop("params", {})
    estimator = make_estimator(**params)
    if isinstance(expect, Raises):
        with pytest.raises(expect.error, match=expect.match):
            fit_quietly(estimator, data)
        assert not hasattr(estimator, "coef_") and not hasattr(estimator, "classes_")
        return
    model = fit_quietly(estimator, data)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    if isinstance(expect, Same):
        reference = inputs() if expect.reference is None else expect.reference(tmp_path)
        ref = fit_quietly(make_estimator(**params), reference)
        assert model.coef_.dtype == expect.dtype
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=expect.rtol, atol=1e-12)
        np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=expect.rtol, atol=1e-12)
    elif expect.check is not None:
        expect.check(model, data)


FIT_CASES = [
    pytest.param(make, expect, name, id=f"{row_id}-{name}")
    for row_id, make, expect, applies in FIT_ROWS
    for name in applies
]


@pytest.mark.parametrize("make, expect, estimator", FIT_CASES)
def test_fit_table(make, expect, estimator, tmp_path):
    data = make(tmp_path)
    snapshots = [a.copy() for a in caller_arrays(data)]
    check_expectation(ESTIMATORS[estimator], data, expect, tmp_path)
    for before, after in zip(snapshots, caller_arrays(data)):
        assert before.dtype == after.dtype
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------- predict


@pytest.fixture(scope="module")
def fitted():
    """One fitted model per estimator configuration (three classes, four features)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {name: make().fit(X_OK, Y_OK) for name, make in ESTIMATORS.items()}


METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")

# (id, make, expect): expect is Raises or Same (same output as on the float64 C copy).
PREDICT_ROWS = [
    (
        "fewer_features",
        lambda t: X_OK[:, :3],
        Raises(ValueError, "3 features, but \\w+ is expecting 4"),
    ),
    (
        "more_features",
        lambda t: np.c_[X_OK, X_OK],
        Raises(ValueError, "8 features, but \\w+ is expecting 4"),
    ),
    ("fewer_features_csr", lambda t: sp.csr_matrix(X_OK[:, :2]), Raises(ValueError, "2 features")),
    ("nan", lambda t: with_value(X_OK, 0, 0, np.nan), Raises(*_NONFINITE)),
    ("inf_csr", lambda t: sp.csr_matrix(with_value(X_OK, 0, 0, np.inf)), Raises(*_NONFINITE)),
    ("X_1d", lambda t: X_OK[0], Raises(ValueError, "Expected 2D array")),
    ("X_3d", lambda t: X_OK.reshape(30, 2, 2), Raises(ValueError, "dim 3")),
    ("empty", lambda t: np.empty((0, 4)), Raises(ValueError, "0 sample")),
    ("string", lambda t: np.array([["a"] * 4] * 3), Raises(ValueError, "convert")),
    ("complex", lambda t: X_OK + 1j, Raises(ValueError, "Complex data not supported")),
    *[
        (f"csr_{kind}", lambda t, kind=kind: corrupt_csr(kind), Raises(ValueError, CORRUPT_MESSAGE))
        for kind in CORRUPT
    ],
    (
        "float16",
        lambda t: X_OK.astype(np.float16),
        Same(lambda t: X_OK.astype(np.float16).astype(np.float64)),
    ),
    ("int64", lambda t: np.round(X_OK).astype(np.int64), Same(lambda t: np.round(X_OK))),
    ("bool", lambda t: X_OK > 0, Same(lambda t: (X_OK > 0).astype(float))),
    ("fortran", lambda t: np.asfortranarray(X_OK), Same()),
    ("column_slice", lambda t: np.repeat(X_OK, 2, axis=1)[:, ::2], Same()),
    ("read_only", lambda t: read_only(X_OK), Same()),
    ("memmap", lambda t: memmapped(t, X_OK, "X"), Same()),
    ("memmap_csr", memmapped_csr, Same()),
    ("1e300", lambda t: X_OK * 1e300, Finite()),
]


@pytest.mark.parametrize("make, expect", [pytest.param(m, e, id=i) for i, m, e in PREDICT_ROWS])
@pytest.mark.parametrize("estimator", ALL)
def test_predict_table(fitted, estimator, make, expect, tmp_path):
    model = fitted[estimator]
    X = make(tmp_path)
    snapshots = [a.copy() for a in caller_arrays({"X": X})]
    state = {k: v.copy() for k, v in vars(model).items() if isinstance(v, np.ndarray)}
    for method in METHODS:
        if isinstance(expect, Raises):
            with pytest.raises(expect.error, match=expect.match):
                getattr(model, method)(X)
            continue
        out = getattr(model, method)(X)
        if isinstance(expect, Same):
            X_ref = X_OK if expect.reference is None else expect.reference(tmp_path)
            ref = getattr(model, method)(X_ref)
            if method == "predict":
                np.testing.assert_array_equal(out, ref)
            else:  # CSR and dense products may round differently in the last bit
                np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
        elif method == "predict_proba":  # huge inputs: probabilities still valid
            assert np.all(np.isfinite(out))
            np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
    for before, after in zip(snapshots, caller_arrays({"X": X})):
        np.testing.assert_array_equal(before, after)
    for name, value in state.items():  # predicting never changes the model
        np.testing.assert_array_equal(getattr(model, name), value)


# ---------------------------------------------------------------- partial_fit

PARTIAL_FIT_ROWS = [
    (
        "first_call_without_classes",
        None,
        dict(X=X_OK, y=Y_OK),
        Raises(ValueError, "classes must be passed"),
    ),
    (
        "label_not_in_classes",
        None,
        dict(X=X_OK, y=Y_OK, classes=[0, 1]),
        Raises(ValueError, r"labels not in classes: array\(\[2\]\)"),
    ),
    (
        "one_class_in_classes",
        None,
        dict(X=X_OK, y=np.zeros(30), classes=[0]),
        Raises(ValueError, "only one class"),
    ),
    (
        "unknown_label_later",
        "fitted",
        dict(X=X_OK, y=Y_OK + 1),
        Raises(ValueError, r"labels not in classes: array\(\[3\]\)"),
    ),
    (
        "other_classes_later",
        "fitted",
        dict(X=X_OK, y=Y_OK, classes=[0, 1, 2, 3]),
        Raises(ValueError, "differs from the classes of earlier calls"),
    ),
    (
        "fewer_features_later",
        "fitted",
        dict(X=X_OK[:, :3], y=Y_OK),
        Raises(ValueError, "3 features, but SoftmaxRegression is expecting 4"),
    ),
    ("nan_later", "fitted", dict(X=with_value(X_OK, 1, 1, np.nan), y=Y_OK), Raises(*_NONFINITE)),
    (
        "corrupt_csr_later",
        "fitted",
        dict(X=corrupt_csr("index_out_of_range"), y=Y_OK),
        Raises(ValueError, CORRUPT_MESSAGE),
    ),
    (
        "negative_weight_later",
        "fitted",
        dict(X=X_OK, y=Y_OK, sample_weight=-SW_OK),
        Raises(ValueError, "non-negative"),
    ),
    (
        "balanced_class_weight",
        "balanced",
        dict(X=X_OK, y=Y_OK, classes=[0, 1, 2]),
        Raises(ValueError, "class_weight='balanced'"),
    ),
    ("subset_of_classes_later", "fitted", dict(X=X_OK[Y_OK < 2], y=Y_OK[Y_OK < 2]), Finite()),
    ("float16_later", "fitted", dict(X=X_OK.astype(np.float16), y=Y_OK), Finite()),
]


@pytest.mark.parametrize(
    "start, call, expect", [pytest.param(s, c, e, id=i) for i, s, c, e in PARTIAL_FIT_ROWS]
)
def test_partial_fit_table(start, call, expect):
    model = SoftmaxRegression(
        solver="sgd", random_state=0, class_weight="balanced" if start == "balanced" else None
    )
    if start == "fitted":
        model.partial_fit(X_OK, Y_OK, classes=[0, 1, 2])
    before = {
        k: (v.copy() if isinstance(v, np.ndarray) else v)
        for k, v in vars(model).items()
        if k != "_sgd_state"
    }
    snapshots = [a.copy() for a in caller_arrays(call)]
    if isinstance(expect, Raises):
        with pytest.raises(expect.error, match=expect.match):
            model.partial_fit(**call)
        assert vars(model).keys() - {"_sgd_state"} == before.keys()
        for name, value in before.items():  # the model is as it was
            np.testing.assert_array_equal(getattr(model, name), value)
    else:
        model.partial_fit(**call)
        assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    for before_array, after in zip(snapshots, caller_arrays(call)):
        np.testing.assert_array_equal(before_array, after)
