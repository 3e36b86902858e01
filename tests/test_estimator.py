"""SoftmaxRegression(solver="lbfgs") against scikit-learn's LogisticRegression on the same objective."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from softmaxreg import SoftmaxRegression, make_text_classification, objective_value


def fit_pair(X, y, C, sample_weight=None, tol=1e-8, **kwargs):
    """Fit ours and scikit-learn's to the same objective; return both objective values."""
    S = len(y) if sample_weight is None else np.sum(sample_weight)
    alpha = 1.0 / (C * S)
    ours = SoftmaxRegression(alpha=alpha, tol=tol, max_iter=5000, **kwargs)
    ours.fit(X, y, sample_weight=sample_weight)
    theirs = LogisticRegression(C=C, tol=tol, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y, sample_weight=sample_weight)
    f_ours = objective_value(
        ours.coef_,
        ours.intercept_,
        X,
        y,
        alpha=alpha,
        sample_weight=sample_weight,
        classes=ours.classes_,
    )
    f_theirs = objective_value(
        theirs.coef_,
        theirs.intercept_,
        X,
        y,
        alpha=alpha,
        sample_weight=sample_weight,
        classes=theirs.classes_,
    )
    return ours, theirs, f_ours, f_theirs


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_dense_multiclass_digits_reaches_sklearn_optimum(digits):
    X, y = digits
    ours, theirs, f_ours, f_theirs = fit_pair(X, y, C=1.0)
    assert f_ours <= f_theirs * (1 + 1e-6)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs
    assert ours.coef_.shape == (10, 64) and ours.intercept_.shape == (10,)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-3)
    assert np.mean(ours.predict(X) == theirs.predict(X)) > 0.99


def test_dense_binary_reaches_sklearn_optimum(digits):
    X, y = digits
    yb = np.where(y >= 5, "high", "low")
    ours, theirs, f_ours, f_theirs = fit_pair(X, yb, C=0.5)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs
    assert ours.coef_.shape == (1, 64) and ours.intercept_.shape == (1,)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-4, atol=1e-5)
    assert list(ours.classes_) == ["high", "low"]
    assert ours.decision_function(X).shape == (len(yb),)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_sparse_generated_text_reaches_sklearn_optimum(container):
    X, y = make_text_classification(
        n_samples=1500, n_features=3000, n_classes=6, topic_fraction=0.05, random_state=1
    )
    ours, theirs, f_ours, f_theirs = fit_pair(container(X), y, C=10.0)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs


def test_sparse_text_corpus_reaches_sklearn_optimum(reuters, reuters_sklearn_optimum):
    X, _, y, _ = reuters
    alpha, f_theirs = reuters_sklearn_optimum
    ours = SoftmaxRegression(alpha=alpha, tol=1e-7, max_iter=5000).fit(X, y)
    f_ours = objective_value(ours.coef_, ours.intercept_, X, y, alpha=alpha)
    assert f_ours <= f_theirs * (1 + 1e-6)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs


def test_sample_weight_reaches_sklearn_optimum(digits):
    X, y = digits
    sw = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    _, _, f_ours, f_theirs = fit_pair(X, y, C=1.0, sample_weight=sw)
    assert abs(f_ours - f_theirs) <= 1e-6 * f_theirs


def test_integer_weights_equal_repeated_rows(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    sw = np.random.default_rng(0).integers(0, 4, size=len(y))
    kw = dict(alpha=1e-3, tol=1e-10, max_iter=5000)
    a = SoftmaxRegression(**kw).fit(X, y, sample_weight=sw)
    b = SoftmaxRegression(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)


def test_class_weight_balanced_equals_sample_weight(digits):
    X, y = digits
    keep = (y != 3) | (np.arange(len(y)) % 4 == 0)
    X, y = X[keep], y[keep]
    from sklearn.utils.class_weight import compute_sample_weight

    kw = dict(alpha=1e-3, tol=1e-10, max_iter=5000)
    a = SoftmaxRegression(class_weight="balanced", **kw).fit(X, y)
    b = SoftmaxRegression(**kw).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)


def test_class_weight_balanced_counts_sample_weights(digits):
    # "balanced" counts each class by its total sample weight (scikit-learn >= 1.6): integer
    # weights then give the model of the repeated rows, and scikit-learn's model.
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = digits
    X, y = X[:300], y[:300]
    sw = np.random.default_rng(1).integers(0, 4, size=len(y))
    sw[y == 3] *= 3  # make the weighted class counts differ from the plain ones
    kw = dict(alpha=1e-3, tol=1e-10, max_iter=5000, class_weight="balanced")
    a = SoftmaxRegression(**kw).fit(X, y, sample_weight=sw)
    b = SoftmaxRegression(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)
    sk = SkLogisticRegression(
        C=1 / (1e-3 * sw.sum()), class_weight="balanced", tol=1e-10, max_iter=5000
    ).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(a.coef_, sk.coef_, rtol=1e-4, atol=1e-5)


def test_float32_gives_float32_model_close_to_float64(digits):
    X, y = digits
    kw = dict(alpha=1e-3, tol=1e-8, max_iter=5000)
    m32 = SoftmaxRegression(**kw).fit(X.astype(np.float32), y)
    m64 = SoftmaxRegression(**kw).fit(X, y)
    assert m32.coef_.dtype == np.float32 and m32.intercept_.dtype == np.float32
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=1e-3, atol=1e-3)
    assert m32.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_dense_equals_csr_and_int32_equals_int64(digits):
    X, y = digits
    kw = dict(alpha=1e-3, tol=1e-10, max_iter=5000, n_jobs=1)
    dense = SoftmaxRegression(**kw).fit(X, y)
    Xs = sp.csr_matrix(X)
    Xs64 = sp.csr_matrix(
        (Xs.data, Xs.indices.astype(np.int64), Xs.indptr.astype(np.int64)), shape=Xs.shape
    )
    a = SoftmaxRegression(**kw).fit(Xs, y)
    b = SoftmaxRegression(**kw).fit(Xs64, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    # Dense X goes through BLAS, CSR through the row loop: the sums round differently, so
    # L-BFGS takes a slightly different path to the same optimum. Its f-stopping rule
    # (ftol = 64 eps) bounds the weights' error by about sqrt(ftol * f / alpha) ~ 4e-6.
    f_dense, f_csr = (
        objective_value(m.coef_, m.intercept_, X, y, alpha=kw["alpha"]) for m in (dense, a)
    )
    assert abs(f_dense - f_csr) <= 1e-12 * f_csr
    np.testing.assert_allclose(a.coef_, dense.coef_, rtol=0, atol=1e-5)


def test_no_intercept_and_no_penalty():
    X, y = make_text_classification(n_samples=400, n_features=500, n_classes=3, random_state=2)
    m = SoftmaxRegression(alpha=1e-2, fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(m.intercept_, 0.0)
    theirs = LogisticRegression(
        C=1.0 / (1e-2 * 400), fit_intercept=False, tol=1e-10, max_iter=5000
    ).fit(X, y)
    f_ours = objective_value(m.coef_, m.intercept_, X, y, alpha=1e-2)
    f_theirs = objective_value(theirs.coef_, theirs.intercept_, X, y, alpha=1e-2)
    assert f_ours <= f_theirs * (1 + 1e-4)
    Xd = np.random.default_rng(0).standard_normal((200, 3))
    yd = (Xd[:, 0] + 0.5 * np.random.default_rng(1).standard_normal(200) > 0).astype(int)
    m0 = SoftmaxRegression(alpha=0.0, tol=1e-10).fit(Xd, yd)
    assert np.all(np.isfinite(m0.coef_))


def test_predict_proba_and_log_proba_consistent(digits):
    X, y = digits
    m = SoftmaxRegression(alpha=1e-3).fit(X, y)
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(m.predict_log_proba(X)), p, rtol=1e-10, atol=1e-300)
    np.testing.assert_array_equal(m.classes_[p.argmax(axis=1)], m.predict(X))
    yb = (y >= 5).astype(int)
    mb = SoftmaxRegression(alpha=1e-3).fit(X, yb)
    pb = mb.predict_proba(X)
    np.testing.assert_allclose(pb[:, 1], 1.0 / (1.0 + np.exp(-mb.decision_function(X))))
    np.testing.assert_allclose(np.exp(mb.predict_log_proba(X)), pb, rtol=1e-10)
    assert m.score(X, y) > 0.95


def test_warm_start_converges_immediately(digits):
    X, y = digits
    m = SoftmaxRegression(alpha=1e-3, tol=1e-6, max_iter=5000, warm_start=True).fit(X, y)
    first = m.n_iter_
    m.fit(X, y)
    assert first > 10 and m.n_iter_ <= 2


def test_max_iter_warns(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        m = SoftmaxRegression(alpha=1e-4, max_iter=3).fit(X, y)
    assert m.n_iter_ == 3


def test_lbfgs_rejects_l1(digits):
    X, y = digits
    with pytest.raises(ValueError, match="l1_ratio"):
        SoftmaxRegression(l1_ratio=0.5, solver="lbfgs").fit(X, y)


def test_verbose_reports_iterations(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SoftmaxRegression(verbose=1, max_iter=5).fit(X, y)
    err = capsys.readouterr().err
    assert "iter    1" in err and "objective" in err


def test_n_jobs_gives_same_optimum():
    X, y = make_text_classification(n_samples=3000, n_features=4000, n_classes=5, random_state=3)
    kw = dict(alpha=1e-3, tol=1e-8, max_iter=5000)
    ref = SoftmaxRegression(n_jobs=1, **kw).fit(X, y)
    f_ref = objective_value(ref.coef_, ref.intercept_, X, y, alpha=1e-3)
    for n_jobs in (2, None, -1):
        m = SoftmaxRegression(n_jobs=n_jobs, **kw).fit(X, y)
        f = objective_value(m.coef_, m.intercept_, X, y, alpha=1e-3)
        assert abs(f - f_ref) <= 1e-9 * f_ref
