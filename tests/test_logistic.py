"""softmaxreg.LogisticRegression: scikit-learn's parameters, the same optimum, multi_class."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmaxreg import FeatureScaleWarning, LogisticRegression, SoftmaxRegression, objective_value


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@parametrize_with_checks([LogisticRegression(), LogisticRegression(multi_class="ovr")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_old_snippet_runs_unchanged(iris):
    X, y = iris
    grid = np.random.default_rng(0).normal(size=(20, X.shape[1]))
    clf = LogisticRegression(multi_class="multinomial", solver="lbfgs")
    clf.fit(X, y)
    pred = clf.predict(grid)
    assert pred.shape == (20,) and set(pred) <= set(y)


def sklearn_objective(est, X, y, C, sample_weight=None):
    """scikit-learn's objective sum_i s_i loss_i + ||W||^2 / (2C), via ours times S."""
    S = len(y) if sample_weight is None else np.sum(sample_weight)
    alpha = 1.0 / (C * S)
    return S * objective_value(
        est.coef_,
        est.intercept_,
        X,
        y,
        alpha=alpha,
        sample_weight=sample_weight,
        classes=est.classes_,
    )


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("C", [0.05, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_optimum_equals_sklearn(n_classes, C, weighted):
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=5, n_classes=n_classes, random_state=n_classes
    )
    sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y)) if weighted else None
    ours = LogisticRegression(C=C, tol=1e-10, max_iter=5000).fit(X, y, sample_weight=sw)
    theirs = linear_model.LogisticRegression(C=C, tol=1e-10, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y, sample_weight=sw)
    f_ours = sklearn_objective(ours, X, y, C, sw)
    f_theirs = sklearn_objective(theirs, X, y, C, sw)
    assert f_ours <= f_theirs * (1 + 1e-6)
    assert abs(f_ours - f_theirs) <= 1e-6 * abs(f_theirs)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-3, atol=1e-4)
    assert ours.coef_.shape == theirs.coef_.shape
    S = len(y) if sw is None else sw.sum()
    assert ours.alpha_ == pytest.approx(1.0 / (C * S))


def test_class_weight_maps_to_total_weight(iris):
    X, y = iris
    ours = LogisticRegression(class_weight={0: 3.0, 1: 1.0, 2: 0.5}, tol=1e-10).fit(X, y)
    sw = np.array([3.0, 1.0, 0.5])[y]
    ref = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert ours.alpha_ == pytest.approx(1.0 / sw.sum())


def test_equals_softmax_regression(iris):
    X, y = iris
    ours = LogisticRegression(C=0.3, tol=1e-10).fit(X, y)
    ref = SoftmaxRegression(alpha=1 / (0.3 * len(y)), tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-7)


def test_ovr_is_one_binary_fit_per_class(iris):
    X, y = iris
    ovr = LogisticRegression(multi_class="ovr", C=0.5, tol=1e-10).fit(X, y)
    assert ovr.coef_.shape == (3, X.shape[1]) and len(ovr.estimators_) == 3
    for k in range(3):
        ref = linear_model.LogisticRegression(C=0.5, tol=1e-10, max_iter=1000)
        ref.fit(X, (y == k).astype(int))
        np.testing.assert_allclose(ovr.coef_[k], ref.coef_[0], rtol=1e-4, atol=1e-5)
    p_bin = 1 / (1 + np.exp(-ovr.decision_function(X)))
    proba = ovr.predict_proba(X)
    np.testing.assert_allclose(proba, p_bin / p_bin.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(np.exp(ovr.predict_log_proba(X)), proba)
    np.testing.assert_array_equal(ovr.predict(X), np.argmax(proba, axis=1))
    # softmax and ovr are different models
    multi = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    assert not np.allclose(multi.coef_, ovr.coef_)


def test_ovr_binary_is_the_binary_model(iris):
    X, y = iris
    yb = (y == 2).astype(int)
    a = LogisticRegression(multi_class="ovr", tol=1e-10).fit(X, yb)
    b = LogisticRegression(multi_class="multinomial", tol=1e-10).fit(X, yb)
    np.testing.assert_allclose(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "kwargs, expected_l1, penalised",
    [
        ({}, 0.0, True),
        ({"penalty": "l2"}, 0.0, True),
        ({"penalty": "l1"}, 1.0, True),
        ({"penalty": "elasticnet", "l1_ratio": 0.3}, 0.3, True),
        ({"l1_ratio": 0.3}, 0.3, True),
        ({"l1_ratio": None}, 0.0, True),
        ({"penalty": None}, 0.0, False),
        ({"C": np.inf}, 0.0, False),
    ],
)
def test_penalty_and_l1_ratio(kwargs, expected_l1, penalised, iris):
    X, y = iris
    clf = LogisticRegression(solver="sgd", random_state=0, max_iter=5, **kwargs)
    if not penalised:
        clf.set_params(solver="lbfgs", max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf._l1_ratio == expected_l1
    assert (clf.alpha_ > 0) == penalised
    assert clf.estimators_[0].l1_ratio == expected_l1


def test_newton_solvers_run_lbfgs(iris):
    X, y = iris
    a = LogisticRegression(solver="newton-cg", tol=1e-10).fit(X, y)
    b = LogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.estimators_[0].solver == "lbfgs"


@pytest.mark.parametrize(
    "params, err, match",
    [
        ({"solver": "liblinear"}, ValueError, "does not support multiclass"),
        ({"multi_class": "crammer_singer"}, ValueError, "multi_class must be one of"),
        ({"penalty": "l3"}, ValueError, "penalty must be one of"),
        ({"C": 0.0}, ValueError, "C must be > 0"),
        ({"C": "1"}, TypeError, "C must be a positive float"),
        ({"penalty": "l1"}, ValueError, "Solver lbfgs supports only 'l2' or None"),
    ],
)
def test_invalid_params(params, err, match, iris):
    X, y = iris
    with pytest.raises(err, match=match):
        LogisticRegression(**params).fit(X, y)


def test_penalty_none_with_C_warns(iris):
    X, y = iris
    with (
        pytest.warns(UserWarning, match="Setting penalty=None will ignore the C"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(penalty=None, C=2.0).fit(X, y)
    assert clf.alpha_ == 0.0


def test_clone_and_params_roundtrip():
    clf = LogisticRegression(C=3.0, multi_class="ovr", penalty="l2")
    c2 = clone(clf)
    assert c2.get_params() == clf.get_params()
    assert c2.set_params(C=0.1).C == 0.1


def test_warm_start_reuses_models(iris):
    X, y = iris
    clf = LogisticRegression(warm_start=True, tol=1e-8, max_iter=1000).fit(X, y)
    first = clf.estimators_[0]
    clf.fit(X, y)
    assert clf.estimators_[0] is first and clf.n_iter_ <= 2


def test_sparse_input_and_sgd_scale_warning():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * np.array([1.0, 1e4, 1.0])
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(FeatureScaleWarning, match="MaxAbsScaler"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(solver="sgd", max_iter=3, random_state=0).fit(sp.csr_matrix(X), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FeatureScaleWarning)
        LogisticRegression(solver="lbfgs", max_iter=500).fit(X / [1.0, 1e4, 1.0], y)


def test_convergence_warning_points_at_caller(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning) as record:
        LogisticRegression(max_iter=2).fit(X, y)
    assert record[0].filename == __file__


def _liblinear_objective(clf, X, y, C, intercept_scaling, l1):
    """liblinear's objective: C * sum_i loss_i + r([coef, intercept / intercept_scaling])."""
    w = np.append(clf.coef_.ravel(), clf.intercept_[0] / intercept_scaling)
    z = X @ clf.coef_.ravel() + clf.intercept_[0]
    sign = np.where(y == clf.classes_[1], 1.0, -1.0)
    loss = np.logaddexp(0.0, -sign * z).sum()
    return C * loss + (np.abs(w).sum() if l1 else 0.5 * w @ w)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize(
    "l1_ratio, dual, intercept_scaling",
    [
        (0.0, False, 1.0),
        (0.0, False, 10.0),
        (0.0, True, 1.0),
        (1.0, False, 1.0),
        (1.0, False, 100.0),
    ],
)
def test_liblinear_matches_scikit_learn(container, l1_ratio, dual, intercept_scaling):
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    params = dict(
        solver="liblinear",
        C=0.5,
        l1_ratio=l1_ratio,
        dual=dual,
        intercept_scaling=intercept_scaling,
        tol=1e-10,
        max_iter=5000,
        random_state=0,
    )
    ours = LogisticRegression(**params).fit(container(X), y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = linear_model.LogisticRegression(**params).fit(X, y)
    assert ours.coef_.dtype == np.float64 and ours.n_iter_.shape == (1,)
    mine = _liblinear_objective(ours, X, y, 0.5, intercept_scaling, l1_ratio == 1)
    ref = _liblinear_objective(theirs, X, y, 0.5, intercept_scaling, l1_ratio == 1)
    assert mine <= ref * (1 + 1e-6)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"intercept_scaling": 10.0, "C": 0.1},
        {"fit_intercept": False, "C": 5.0},
        {"class_weight": {0: 1.0, 1: 2.5}, "max_iter": 3},
    ],
)
def test_liblinear_l2_is_liblinears_model(container, params):
    # liblinear's default tol=1e-4 stops about 1e-5 from the optimum: the same iterations
    # give the same model, as old code that compares against liblinear's expects
    X, y = make_classification(n_samples=120, n_features=8, weights=[0.7], random_state=1)
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    fits = []
    for cls in (LogisticRegression, linear_model.LogisticRegression):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = cls(solver="liblinear", **params)
            fits.append(clf.fit(container(X), y, sample_weight=sample_weight))
    ours, theirs = fits
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.n_iter_, theirs.n_iter_)


def test_liblinear_l1_large_intercept_scaling():
    # liblinear's constant column at 1e4 (tutorials' way to "unpenalise" the intercept):
    # converges within max_iter=100 at tol=1e-6, to liblinear's optimum or below
    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[y < 2]), y[y < 2]
    params = dict(solver="liblinear", l1_ratio=1, C=0.07, tol=1e-6, intercept_scaling=1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LogisticRegression(**params).fit(X, y)
    theirs = linear_model.LogisticRegression(**params).fit(X, y)
    mine = _liblinear_objective(ours, X, y, 0.07, 1e4, l1=True)
    ref = _liblinear_objective(theirs, X, y, 0.07, 1e4, l1=True)
    assert mine <= ref * (1 + 1e-7)


def test_liblinear_l1_and_ovr(iris):
    X, y = iris
    with pytest.raises(ValueError, match="does not support multiclass"):
        LogisticRegression(solver="liblinear").fit(X, y)
    clf = LogisticRegression(
        solver="liblinear", multi_class="ovr", l1_ratio=1, C=0.1, max_iter=2000, tol=1e-8
    ).fit(X, y)
    assert clf.coef_.shape == (3, 4) and clf.n_iter_.shape == (3,)
    assert np.any(clf.coef_ == 0.0)  # L1: exact zeros
    binary = LogisticRegression(solver="liblinear", l1_ratio=1, C=0.1, max_iter=2000, tol=1e-8).fit(
        X, (y == 0).astype(int)
    )
    np.testing.assert_allclose(binary.coef_[0], clf.coef_[0], atol=1e-6)


def test_max_iter_zero_and_sparsify(iris):
    X, y = iris
    zero = LogisticRegression(max_iter=0).fit(X, y)
    assert zero.n_iter_.tolist() == [0]
    np.testing.assert_array_equal(zero.coef_, 0.0)
    clf = LogisticRegression().fit(X, y)
    dense = clf.decision_function(X)
    assert sp.issparse(clf.sparsify().coef_)
    np.testing.assert_allclose(clf.decision_function(sp.csr_matrix(X)), dense)
    assert isinstance(clf.densify().coef_, np.ndarray)
    np.testing.assert_allclose(clf.decision_function(X), dense)


def test_convergence_warnings_have_scikit_learns_text(iris):
    X, y = iris
    for solver, text in [
        ("lbfgs", "lbfgs failed to converge"),
        ("newton-cg", "newton-cg failed to converge"),
        ("newton-cholesky", "Newton solver did not converge after 1 iterations"),
        ("sag", "The max_iter was reached which means the coef_ did not converge"),
    ]:
        with pytest.warns(ConvergenceWarning, match=text):
            LogisticRegression(solver=solver, max_iter=1, tol=1e-12, random_state=0).fit(X, y)


def test_contradicting_penalty_warns_and_follows_penalty(iris):
    X, y = iris
    with pytest.warns(UserWarning, match="l1_ratio parameter is only used when penalty is"):
        clf = LogisticRegression(penalty="l2", l1_ratio=0.5, solver="saga", random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    assert clf._l1_ratio == 0.0
    with pytest.raises(ValueError, match="l1_ratio must be specified"):
        LogisticRegression(penalty="elasticnet", l1_ratio=None, solver="saga").fit(X, y)


def test_warnings_point_at_the_callers_line(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning) as record:
        LogisticRegression(max_iter=1, tol=1e-12).fit(X, y)
    assert record[0].filename == __file__


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_split_lbfgs_driver_reaches_saga_optimum(iris, l1_ratio):
    # liblinear's L1 driver on a softmax elastic-net problem: the optimum of saga at tol=1e-10
    from softmaxreg._objective import Objective
    from softmaxreg._solvers.contract import LbfgsSettings
    from softmaxreg._solvers.lbfgs_l1 import fit_lbfgs_l1
    from softmaxreg._solvers.progress import ProgressLog

    X, y = iris
    sw = np.ones(len(y))
    objective = Objective(X, y.astype(np.int32), sw, 3, 0.02, l1_ratio, True)
    start = np.zeros(objective.n_params + 3)
    result = fit_lbfgs_l1(
        objective, start, LbfgsSettings(tol=1e-9, max_iter=2000), ProgressLog("lbfgs-l1")
    )
    saga = SoftmaxRegression(
        alpha=0.02, l1_ratio=l1_ratio, solver="saga", tol=1e-10, max_iter=5000, random_state=0
    ).fit(X, y)
    W, b = objective.split(result.params)
    reference = objective_value(saga.coef_, saga.intercept_, X, y, alpha=0.02, l1_ratio=l1_ratio)
    assert objective.value(result.params) <= reference + 1e-10
    np.testing.assert_allclose(W.T, saga.coef_, atol=1e-5)
    assert np.count_nonzero(W == 0.0) == np.count_nonzero(saga.coef_ == 0.0)
