"""L-BFGS in whitened coordinates (``softmaxreg._solvers.whitening``): same objective, same
optimum, same stopping rule, fewer iterations; only for dense X with few features."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import SoftmaxRegression
from softmaxreg._objective import Objective
from softmaxreg._solvers import lbfgs as _lbfgs
from softmaxreg._solvers.whitening import MAX_FEATURES_PER_COLUMN, SHRINKAGE, whitening


def correlated_problem(n=3000, d=12, n_classes=4, seed=0, weighted=True):
    """Dense Gaussian classes with correlated columns on scales from 1 to 10."""
    rng = np.random.default_rng(seed)
    y = rng.integers(n_classes, size=n)
    means = rng.normal(scale=0.5, size=(n_classes, d))
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    X = ((means[y] + rng.standard_normal((n, d))) @ Q) * np.logspace(0, 1, d) + 3.0
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else np.ones(n)
    return X, y, sw


def make_objective(X, y, sw, n_classes, alpha=1e-3, fit_intercept=True):
    return Objective(X, y.astype(np.int32), sw, n_classes, alpha, 0.0, fit_intercept)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_whitening_maps(n_classes, fit_intercept):
    """P is (H0 + c I)^(-1/2) for the NumPy H0 (c: SHRINKAGE x its mean eigenvalue);
    the two coordinate maps are inverse."""
    X, y, sw = correlated_problem(n=500, d=6, n_classes=n_classes)
    obj = make_objective(X, y, sw, n_classes, fit_intercept=fit_intercept)
    white = whitening(obj)
    Xa = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    h = 0.25 if n_classes == 2 else 0.5
    H0 = h * (Xa.T * sw) @ Xa / sw.sum()
    H0[np.arange(6), np.arange(6)] += 1e-3
    H0 += SHRINKAGE * np.trace(H0) / len(H0) * np.eye(len(H0))
    np.testing.assert_allclose(white.P @ H0 @ white.P, np.eye(len(H0)), atol=1e-8)
    np.testing.assert_allclose(white.P @ white.P_inverse, np.eye(len(H0)), atol=1e-8)
    params = np.random.default_rng(1).standard_normal(obj.n_params + obj.n_columns)
    np.testing.assert_allclose(white.to_params(white.to_z(params)), params, rtol=1e-9, atol=1e-12)
    if not fit_intercept:  # the intercepts are left as they are
        np.testing.assert_array_equal(
            white.to_params(params)[obj.n_params :], params[obj.n_params :]
        )


def test_whitening_only_with_few_features():
    """Dense and CSR X alike (the same P, so the same model), up to 16 features per
    weight column."""
    X, y, sw = correlated_problem(n=200, d=12, n_classes=4)
    X[X < 3.0] = 0.0  # sparse enough for CSR to mean something
    dense = whitening(make_objective(X, y, sw, 4))
    for Xs in (sp.csr_matrix(X), sp.csr_matrix(X.astype(np.float32))):
        reference = (
            dense
            if Xs.dtype == np.float64
            else whitening(make_objective(X.astype(np.float32), y, sw, 4))
        )
        np.testing.assert_allclose(
            whitening(make_objective(Xs, y, sw, 4)).P, reference.P, rtol=1e-10, atol=1e-12
        )
    wide = np.hstack([X] * 6)  # 72 features > 16 per column for 4 classes
    assert wide.shape[1] > MAX_FEATURES_PER_COLUMN * 4
    assert whitening(make_objective(wide, y, sw, 4)) is None
    y2 = (y > 1).astype(int)  # binomial: one column, so at most 16 features
    assert whitening(make_objective(X[:, :16], y2, sw, 2)) is not None
    assert whitening(make_objective(X[:, :12].repeat(2, axis=1), y2, sw, 2)) is None


def fit(X, y, sw, white=True, monkeypatch=None, **params):
    kwargs = dict(alpha=1e-3, solver="lbfgs", tol=1e-10, max_iter=5000)
    kwargs.update(params)
    with monkeypatch.context() as m:
        if not white:
            m.setattr(_lbfgs, "whitening", lambda objective: None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return SoftmaxRegression(**kwargs).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_whitened_lbfgs_reaches_the_same_optimum(monkeypatch, n_classes, fit_intercept, dtype):
    X, y, sw = correlated_problem(n_classes=n_classes)
    X = X.astype(dtype)
    white = fit(X, y, sw, True, monkeypatch, fit_intercept=fit_intercept)
    plain = fit(X, y, sw, False, monkeypatch, fit_intercept=fit_intercept)
    obj = make_objective(X, y, sw, n_classes, fit_intercept=fit_intercept)
    values, grads = zip(
        *(
            obj.value_and_gradient(np.concatenate([m.coef_.T.ravel(), m.intercept_]))
            for m in (white, plain)
        )
    )
    # whitened: at the optimum (plain L-BFGS stops on ftol first on these columns)
    assert np.max(np.abs(grads[0])) <= (1e-3 if dtype == np.float32 else 1e-5)
    assert values[0] <= values[1] * (1 + 1e-12)
    scale = np.abs(plain.coef_).max()
    np.testing.assert_allclose(white.coef_, plain.coef_, rtol=0, atol=1e-3 * scale)
    np.testing.assert_allclose(white.intercept_, plain.intercept_, rtol=0, atol=1e-3 * scale)
    assert white.n_iter_ < plain.n_iter_


def test_whitened_tol_is_the_original_gradient_norm(monkeypatch):
    """``tol`` bounds the gradient's max-norm in the original coordinates, as without
    whitening; a start that already meets it takes no iteration."""
    X, y, sw = correlated_problem()
    obj = make_objective(X, y, sw, 4)
    assert whitening(obj) is not None
    for tol in (1e-3, 1e-6):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = SoftmaxRegression(alpha=1e-3, solver="lbfgs", tol=tol, max_iter=1000).fit(
                X, y, sample_weight=sw
            )
        _, grad = obj.value_and_gradient(np.concatenate([model.coef_.T.ravel(), model.intercept_]))
        assert np.max(np.abs(grad)) <= tol
        assert model.n_iter_ >= 1
    model = SoftmaxRegression(alpha=1e-3, solver="lbfgs", tol=1e-6, warm_start=True)
    model.fit(X, y, sample_weight=sw)
    coef = model.coef_.copy()
    model.set_params(tol=1e-3).fit(X, y, sample_weight=sw)  # already converged
    assert model.n_iter_ == 0
    np.testing.assert_array_equal(model.coef_, coef)
