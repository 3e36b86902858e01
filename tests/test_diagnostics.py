"""variance_inflation_factors against statsmodels; check_feature_scales and the SGD warning."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import (
    FeatureScaleWarning,
    SoftmaxRegression,
    check_feature_scales,
    variance_inflation_factors,
)

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.outliers_influence import variance_inflation_factor  # noqa: E402


def correlated(n=300, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 5))
    return np.column_stack(
        [
            Z[:, 0],
            Z[:, 0] + 0.3 * Z[:, 1],
            Z[:, 2] * 50 + 7,
            Z[:, 0] - Z[:, 2] + 0.3 * Z[:, 3],
            Z[:, 4],
        ]
    )


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_vif_matches_statsmodels(container):
    X = correlated()
    exog = sm.add_constant(X)
    expected = [variance_inflation_factor(exog, j + 1) for j in range(X.shape[1])]
    np.testing.assert_allclose(variance_inflation_factors(container(X)), expected, rtol=1e-8)
    assert max(expected) > 10  # the data really are collinear


def test_vif_independent_columns_near_one():
    X = np.random.default_rng(1).normal(size=(5000, 3))
    np.testing.assert_allclose(variance_inflation_factors(X), 1.0, atol=0.01)


def test_vif_exact_collinearity_and_constant_column():
    X = correlated()
    Xe = np.column_stack([X, X[:, 0] + X[:, 4], np.full(len(X), 2.0)])
    vif = variance_inflation_factors(Xe)
    assert np.isinf(vif[0]) and np.isinf(vif[4]) and np.isinf(vif[5])
    assert np.isnan(vif[6]) and np.all(np.isfinite(vif[1:4]))


def test_vif_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        variance_inflation_factors(np.array([[1.0, np.nan], [2.0, 3.0]]))


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_check_feature_scales(container):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FeatureScaleWarning)
        assert check_feature_scales(container(X)) < 2
    X[:, 1] *= 1e5
    with pytest.warns(FeatureScaleWarning, match="StandardScaler"):
        ratio = check_feature_scales(container(X))
    assert 1e4 < ratio < 1e6
    assert check_feature_scales(container(X), warn=False) == ratio
    assert check_feature_scales(np.zeros((5, 3))) == 1.0  # all-zero columns are ignored


def test_tfidf_text_does_not_warn():
    """Rare terms have tiny TF-IDF values by design: that is not a scaling problem."""
    from softmaxreg import make_text_classification

    X, _ = make_text_classification(n_samples=3000, n_features=20_000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FeatureScaleWarning)
        assert check_feature_scales(X) < 1e2


def test_sgd_fit_and_partial_fit_warn_lbfgs_does_not():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) * [1.0, 1e4]
    y = (X[:, 0] > 0).astype(int)
    sgd = SoftmaxRegression(solver="sgd", max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", FeatureScaleWarning)
        with pytest.warns(FeatureScaleWarning) as record:
            sgd.fit(X, y)
        assert record[0].filename == __file__  # points at the caller's line
        with pytest.warns(FeatureScaleWarning):
            SoftmaxRegression(solver="sgd").partial_fit(X, y, classes=[0, 1])
        warnings.simplefilter("error", FeatureScaleWarning)
        SoftmaxRegression(solver="lbfgs", max_iter=5).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_column_square_sums_matches_bincount(dtype, index_dtype):
    from softmaxreg._kernels import scales as _scales

    X = sp.random(50, 30, density=0.2, format="csr", random_state=0, dtype=dtype)
    X.data[::7] = 0.0  # explicit zeros are stored but not counted
    X.data[1] = -1e30 if dtype == np.float32 else -3e160  # squares would overflow unscaled
    indices = X.indices.astype(index_dtype)
    top = float(np.max(np.abs(X.data)))
    sq, count = np.zeros(30), np.zeros(30)
    _scales.column_square_sums(X.data, indices, 1.0 / top, sq, count)
    unit = X.data.astype(np.float64) / top
    np.testing.assert_allclose(
        sq, np.bincount(indices, weights=unit * unit, minlength=30), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_array_equal(count, np.bincount(indices[X.data != 0], minlength=30))


def test_check_feature_scales_rejects_corrupt_csr():
    X = sp.csr_matrix((np.array([1.0, 2.0]), np.array([0, 5]), np.array([0, 1, 2])), shape=(2, 3))
    with pytest.raises(ValueError, match="column indices must lie in"):
        check_feature_scales(X)


def test_collinear_columns_match_the_vifs():
    from softmaxreg import CollinearityWarning, SoftmaxRegression
    from softmaxreg._diagnostics import collinear_columns

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    X[:, 3] = X[:, 0] + 0.05 * rng.normal(size=300)
    names = ["a", "b", "c", "a_copy"]
    vif = variance_inflation_factors(X)
    found = dict(collinear_columns(X, names))
    assert set(found) == {"a", "a_copy"}
    np.testing.assert_allclose([found["a"], found["a_copy"]], vif[[0, 3]], rtol=1e-8)
    exact = np.column_stack([X, X[:, 1] + X[:, 2]])
    assert dict(collinear_columns(exact, [*names, "b+c"]))["b+c"] == np.inf
    y = (X[:, 1] + rng.normal(size=300) > 0).astype(int)
    model = SoftmaxRegression(alpha=1e-3).fit(X, y)
    with pytest.warns(CollinearityWarning, match=r"'a(_copy)?' [\d.]+, 'a(_copy)?' [\d.]+"):
        model.summary(X, y, feature_names=names)
    model = SoftmaxRegression(alpha=1e-3).fit(X[:, :3], y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollinearityWarning)
        table = model.summary(X[:, :3], y, feature_names=names[:3])
    assert list(table["term"]) == ["a", "b", "c", "intercept"]
    with pytest.raises(ValueError, match="feature_names has 2 names, but the model has 3"):
        model.summary(X[:, :3], y, feature_names=names[:2])


def test_convergence_warning_names_badly_scaled_columns():
    from sklearn.exceptions import ConvergenceWarning

    from softmaxreg import SoftmaxRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)) * np.array([1.0, 1.0, 1.0, 1e4])
    y = (X[:, 0] + X[:, 3] / 1e4 > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match=r"badly scaled: 'x3'.*Standardise"):
        SoftmaxRegression(solver="lbfgs", alpha=0.0, max_iter=3, tol=1e-12).fit(X, y)
    with pytest.warns(ConvergenceWarning) as record:
        SoftmaxRegression(solver="lbfgs", alpha=0.0, max_iter=3, tol=1e-12).fit(X[:, :3], y)
    assert all("badly scaled" not in str(w.message) for w in record)
