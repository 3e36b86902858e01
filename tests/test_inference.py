"""summary() and odds_ratios_: standard errors against statsmodels, warnings, output forms."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import (
    InferenceResult,
    LogisticRegression,
    SingularHessianWarning,
    SoftmaxRegression,
    _inference,
)

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-4


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + 0.3 + rng.logistic(size=400) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 3))
    y = np.argmax(X @ rng.normal(size=(3, 4)) + rng.gumbel(size=(500, 4)), axis=1)
    return X, np.array(["a", "b", "c", "d"])[y]


def statsmodels_order(table):
    """statsmodels puts the constant first; we put the intercept last."""
    table = np.asarray(table)
    return np.concatenate([table[1:], table[:1]])


@pytest.mark.parametrize("model", ["softmax", "logistic"])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
def test_binary_unpenalised_matches_statsmodels_logit(binary, model, container):
    X, y = binary
    est = (
        SoftmaxRegression(alpha=0.0, tol=1e-10, max_iter=1000)
        if model == "softmax"
        else LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000)
    )
    est.fit(container(X), y)
    res = est.summary(container(X), y)
    sm_res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(res["std_err"], statsmodels_order(sm_res.bse), rtol=RTOL)
    np.testing.assert_allclose(res["estimate"], statsmodels_order(sm_res.params), rtol=RTOL)
    np.testing.assert_allclose(res["p_value"], statsmodels_order(sm_res.pvalues), rtol=1e-3)
    ci = statsmodels_order(sm_res.conf_int(0.05))
    np.testing.assert_allclose(res["ci_lower"], ci[:, 0], rtol=RTOL, atol=1e-8)
    np.testing.assert_allclose(res["ci_upper"], ci[:, 1], rtol=RTOL, atol=1e-8)
    np.testing.assert_allclose(res["odds_ratio_ci_lower"], np.exp(ci[:, 0]), rtol=RTOL)


def test_binary_frequency_weights_equal_repeated_rows(binary):
    X, y = binary
    w = np.random.default_rng(2).integers(1, 4, len(y))
    est = SoftmaxRegression(alpha=0.0, tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)
    rep = SoftmaxRegression(alpha=0.0, tol=1e-10, max_iter=1000)
    rep.fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(
        est.summary(X, y, sample_weight=w)["std_err"],
        rep.summary(np.repeat(X, w, axis=0), np.repeat(y, w))["std_err"],
        rtol=1e-5,
    )


@pytest.mark.parametrize("model", ["softmax", "logistic"])
def test_multinomial_reference_class_matches_statsmodels_mnlogit(multiclass, model):
    X, y = multiclass
    est = (
        SoftmaxRegression(alpha=0.0, tol=1e-10, max_iter=2000)
        if model == "softmax"
        else LogisticRegression(C=np.inf, tol=1e-10, max_iter=2000)
    )
    est.fit(X, y)
    res = est.summary(X, y, reference_class="a")
    y_codes = np.searchsorted(est.classes_, y)
    sm_res = sm.MNLogit(y_codes, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    # statsmodels: (n_features + 1, n_classes - 1), constant first, class 0 the reference
    bse = statsmodels_order(sm_res.bse).T.ravel()
    params = statsmodels_order(sm_res.params).T.ravel()
    np.testing.assert_allclose(res["std_err"], bse, rtol=RTOL)
    np.testing.assert_allclose(res["estimate"], params, rtol=RTOL, atol=1e-7)
    assert list(res["class"][::4]) == ["b", "c", "d"]


def test_multinomial_other_reference_and_sum_to_zero_agree(multiclass):
    """Every parameterisation has the same covariance of the contrasts."""
    X, y = multiclass
    est = SoftmaxRegression(alpha=0.0, tol=1e-10, max_iter=2000).fit(X, y)
    full = est.summary(X, y)
    by_c = est.summary(X, y, reference_class="c")
    q = X.shape[1] + 1
    # contrast a - c from the sum-to-zero covariance
    A = np.zeros((q, 4 * q))
    A[:, :q], A[:, 2 * q : 3 * q] = np.eye(q), -np.eye(q)
    np.testing.assert_allclose(np.sqrt(np.diag(A @ full.cov @ A.T)), by_c["std_err"][:q], rtol=1e-8)
    np.testing.assert_allclose(A @ full["estimate"], by_c["estimate"][:q], rtol=1e-8)
    # sum-to-zero estimates: centred over the classes
    np.testing.assert_allclose(full["estimate"].reshape(4, q).sum(axis=0), 0, atol=1e-10)


def test_penalised_standard_errors_use_penalised_hessian(binary):
    """With an L2 penalty: inverse of (X1^T D X1 + (1/C) I_W), computed here by hand."""
    X, y = binary
    C = 0.01
    est = LogisticRegression(C=C, tol=1e-10).fit(X, y)
    X1 = np.column_stack([X, np.ones(len(y))])
    p = est.predict_proba(X)[:, 1]
    H = X1.T @ (X1 * (p * (1 - p))[:, None]) + np.diag([1 / C] * 4 + [0.0])
    np.testing.assert_allclose(
        est.summary(X, y)["std_err"], np.sqrt(np.diag(np.linalg.inv(H))), rtol=1e-8
    )


def test_penalised_multinomial_has_finite_errors(multiclass):
    X, y = multiclass
    est = LogisticRegression(C=0.1, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularHessianWarning)
        res = est.summary(X, y)
        ref = est.summary(X, y, reference_class="a")
    assert np.all(np.isfinite(res["std_err"])) and np.all(np.isfinite(ref["std_err"]))


def test_ovr_summary_is_per_binary_model(multiclass):
    X, y = multiclass
    est = LogisticRegression(multi_class="ovr", C=np.inf, tol=1e-10, max_iter=1000).fit(X, y)
    res = est.summary(X, y)
    sm_res = sm.Logit((y == "b").astype(int), sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(res["std_err"][4:8], statsmodels_order(sm_res.bse), rtol=RTOL)
    with pytest.raises(ValueError, match="no reference class"):
        est.summary(X, y, reference_class="a")


def test_odds_ratios(binary, multiclass):
    X, y = binary
    est = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(est.odds_ratios_, np.exp(est.coef_))
    res = est.summary(X, y, alpha=0.1)
    np.testing.assert_allclose(res["odds_ratio"][:4], est.odds_ratios_[0])
    assert np.all(res["odds_ratio_ci_lower"] < res["odds_ratio"])
    assert np.all(res["odds_ratio"] < res["odds_ratio_ci_upper"])
    with pytest.raises(AttributeError):
        LogisticRegression().odds_ratios_  # noqa: B018
    Xm, ym = multiclass
    assert SoftmaxRegression().fit(Xm, ym).odds_ratios_.shape == (4, 3)


def test_perfect_separation_warns():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = SoftmaxRegression(alpha=0.0, max_iter=200).fit(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.summary(X, y)
    messages = [str(w.message) for w in record if w.category is SingularHessianWarning]
    assert any("perfectly separated" in m for m in messages), messages


def test_collinear_columns_warn_and_give_nan(binary):
    X, y = binary
    Xc = np.column_stack([X, X[:, 0] + X[:, 1]])
    est = SoftmaxRegression(alpha=0.0, tol=1e-8, max_iter=1000).fit(Xc, y)
    with pytest.warns(SingularHessianWarning, match="singular"):
        res = est.summary(Xc, y)
    assert np.all(np.isnan(res["std_err"]))


def test_output_forms(binary):
    X, y = binary
    res = LogisticRegression().fit(X, y).summary(X, y)
    assert isinstance(res, InferenceResult)
    text = str(res)
    assert "odds ratio" in text and "intercept" in text and "x3" in text
    assert text == res.to_string() and len(text.splitlines()) == 3 + 5
    d = res.to_dict()
    assert set(d) == set(InferenceResult.COLUMNS) and d["estimate"].shape == (5,)
    pd = pytest.importorskip("pandas")
    frame = res.to_frame()
    assert list(frame.columns) == list(InferenceResult.COLUMNS) and len(frame) == 5
    named = LogisticRegression().fit(pd.DataFrame(X, columns=list("pqrs")), y)
    assert list(named.summary(pd.DataFrame(X, columns=list("pqrs")), y)["term"]) == [
        "p",
        "q",
        "r",
        "s",
        "intercept",
    ]


def test_to_frame_without_pandas(binary, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    X, y = binary
    res = LogisticRegression().fit(X, y).summary(X, y)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="to_frame\\(\\) needs pandas"):
        res.to_frame()


def test_errors(binary, multiclass, monkeypatch):
    X, y = binary
    est = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="reference class"):
        est.summary(X, y, reference_class=1)
    with pytest.raises(ValueError, match="alpha must be in"):
        est.summary(X, y, alpha=1.5)
    with pytest.raises(ValueError, match="features"):
        est.summary(X[:, :2], y)
    with pytest.raises(ValueError, match="labels not in classes"):
        est.summary(X, y + 5)
    l1 = SoftmaxRegression(solver="sgd", l1_ratio=1.0, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        l1.fit(X, y)
    with pytest.raises(ValueError, match="L2 or no penalty"):
        l1.summary(X, y)
    Xm, ym = multiclass
    m = SoftmaxRegression().fit(Xm, ym)
    with pytest.raises(ValueError, match="not one of classes_"):
        m.summary(Xm, ym, reference_class="z")
    monkeypatch.setattr(_inference, "MAX_PARAMS", 10)
    with pytest.raises(ValueError, match="limited to 10 parameters"):
        m.summary(Xm, ym)


def test_no_intercept_matches_statsmodels(binary):
    X, y = binary
    est = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10, max_iter=1000).fit(X, y)
    res = est.summary(X, y)
    sm_res = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(res["std_err"], sm_res.bse, rtol=RTOL)
    assert list(res["term"]) == ["x0", "x1", "x2", "x3"]


def test_multinomial_sparse_equals_dense(multiclass):
    X, y = multiclass
    est = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    dense = est.summary(X, y, reference_class="b")
    sparse = est.summary(sp.csr_matrix(X), y, reference_class="b")
    np.testing.assert_allclose(sparse.cov, dense.cov, rtol=1e-10, atol=1e-14)
