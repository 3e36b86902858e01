"""softmaxreg.LogisticRegressionCV against scikit-learn's on the same grid and folds.

Same ``C_`` (and ``l1_ratio_``) chosen, ``coef_``, ``scores_`` and ``coefs_paths_`` close
(the fits are tight, so a warm-started path and scikit-learn's paths reach the same
optima), in both of scikit-learn 1.9's attribute layouts.
"""

import warnings

import numpy as np
import pytest
from sklearn import linear_model
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from softmaxreg import LogisticRegressionCV, _logistic_cv

QUIET = dict(l1_ratios=(0.0,), scoring="neg_log_loss", use_legacy_attributes=False)


def _data(n_classes, n_samples=150, seed=0):
    return make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        random_state=seed,
    )


def _both(**params):
    """Ours and scikit-learn's LogisticRegressionCV with the same parameters."""
    return LogisticRegressionCV(**params), linear_model.LogisticRegressionCV(**params)


@parametrize_with_checks([LogisticRegressionCV(Cs=3, cv=3, **QUIET)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "n_classes, solver, l1_ratios, weighted",
    [
        (2, "lbfgs", (0.0,), False),
        (3, "lbfgs", (0.0,), True),
        (3, "newton-cg", None, False),
        (2, "liblinear", (1.0,), True),
        (2, "liblinear", (0.0,), False),
        (3, "saga", (0.0, 0.5), False),
    ],
)
@pytest.mark.parametrize("legacy", [True, False])
def test_matches_sklearn(n_classes, solver, l1_ratios, weighted, legacy):
    X, y = _data(n_classes)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    params = dict(
        Cs=[0.01, 1.0, 0.1, 10.0],  # unsorted: Cs_ keeps the order given
        cv=StratifiedKFold(3),
        solver=solver,
        l1_ratios=l1_ratios,
        tol=1e-10 if solver != "saga" else 1e-6,
        max_iter=10_000,
        scoring="neg_log_loss",
        class_weight="balanced" if weighted else None,
        random_state=0,
        use_legacy_attributes=legacy,
    )
    ours, theirs = _both(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ours.fit(X, y, sample_weight=sw)
        theirs.fit(X, y, sample_weight=sw)
    assert isinstance(ours.C_, float) != legacy
    np.testing.assert_array_equal(ours.C_, theirs.C_)
    np.testing.assert_array_equal(ours.l1_ratio_, theirs.l1_ratio_)
    np.testing.assert_array_equal(ours.Cs_, theirs.Cs_)
    np.testing.assert_array_equal(ours.l1_ratios_, theirs.l1_ratios_)
    atol = 1e-4 if solver == "saga" else 1e-6
    # saga at the strongest L1 part: scikit-learn's lazy updates stop short of the optimum
    score_atol = 5e-3 if solver == "saga" else 1e-6
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=atol, rtol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=atol, rtol=1e-4)
    assert ours.n_iter_.shape == theirs.n_iter_.shape
    if legacy:
        assert list(ours.scores_) == list(theirs.scores_)
        for key in theirs.scores_:
            np.testing.assert_allclose(ours.scores_[key], theirs.scores_[key], atol=score_atol)
            mine, ref = ours.coefs_paths_[key], theirs.coefs_paths_[key]
            assert mine.shape == ref.shape
            if solver != "saga":  # saga at loose C is not converged on either side
                np.testing.assert_allclose(mine, ref, atol=1e-5, rtol=1e-4)
    else:
        np.testing.assert_allclose(ours.scores_, theirs.scores_, atol=score_atol)
        assert ours.coefs_paths_.shape == theirs.coefs_paths_.shape
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_refit_matches_sklearn(n_classes):
    X, y = _data(n_classes, seed=1)
    params = dict(Cs=5, cv=3, refit=False, tol=1e-10, max_iter=1000, **QUIET)
    ours, theirs = _both(**params)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.C_ == theirs.C_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(ours.scores_, theirs.scores_, atol=1e-7)


def test_default_scoring_is_weighted_accuracy_with_sklearn_warnings():
    X, y = _data(3, seed=2)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    ours, theirs = _both(Cs=4, cv=3, tol=1e-10, max_iter=1000)
    messages = []
    for model in (ours, theirs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y, sample_weight=sw)
        messages.append(sorted(str(w.message)[:40] for w in caught if w.category is FutureWarning))
    assert messages[0] == messages[1] and len(messages[0]) == 3
    for key in theirs.scores_:
        np.testing.assert_allclose(ours.scores_[key], theirs.scores_[key])
    np.testing.assert_array_equal(ours.C_, theirs.C_)
    assert ours.score(X, y) == theirs.score(X, y)


def test_ovr_is_one_binary_cross_validation_per_class():
    """multi_class="ovr" (gone from scikit-learn 1.8): class k's C_, coef_ row and scores
    are those of scikit-learn's binary LogisticRegressionCV of ``y == k``."""
    X, y = _data(3, seed=3)
    params = dict(Cs=4, cv=StratifiedKFold(3), tol=1e-10, max_iter=1000, l1_ratios=(0.0,))
    ours = LogisticRegressionCV(
        multi_class="ovr", scoring="neg_log_loss", use_legacy_attributes=True, **params
    ).fit(X, y)
    assert ours.n_iter_.shape == (3, 3, 4, 1)
    for k in range(3):
        binary = (y == k).astype(int)
        # the folds of the multiclass y, as ours uses them
        folds = list(StratifiedKFold(3).split(X, y))
        ref = linear_model.LogisticRegressionCV(
            **{**params, "cv": folds},
            scoring="neg_log_loss",
            use_legacy_attributes=False,
        ).fit(X, binary)
        assert ours.C_[k] == ref.C_
        np.testing.assert_allclose(ours.coef_[k], ref.coef_[0], atol=1e-6, rtol=1e-5)
        np.testing.assert_allclose(ours.scores_[k][..., 0], ref.scores_[:, 0], atol=1e-7)
    p = ours.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_string_labels_and_scorer_name():
    X, y = _data(3, seed=4)
    labels = np.array(["a", "b", "c"])[y]
    model = LogisticRegressionCV(
        Cs=3, cv=3, l1_ratios=(0,), scoring="f1_macro", use_legacy_attributes=True
    ).fit(X, labels)
    assert list(model.scores_) == ["a", "b", "c"]
    assert set(model.predict(X)) <= {"a", "b", "c"}
    assert model.score(X, labels) > 0.5


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(Cs=0), ValueError, "Cs as an int"),
        (dict(Cs=[1.0, -1.0]), ValueError, "Cs must be > 0"),
        (dict(Cs=[]), ValueError, "non-empty"),
        (dict(l1_ratios=[0.5, 2.0]), ValueError, "l1_ratios must be an array-like"),
        (dict(penalty="l3"), ValueError, "penalty must be one of"),
        (dict(penalty="elasticnet", l1_ratios=None), ValueError, "l1_ratios must be"),
        (dict(use_legacy_attributes="yes"), TypeError, "use_legacy_attributes"),
        (dict(refit="yes"), TypeError, "refit must be a bool"),
        (dict(scoring=3), TypeError, "scoring must be"),
        (dict(solver="bogus"), ValueError, "solver must be one of"),
        (dict(solver="liblinear"), ValueError, "does not support multiclass"),
        (dict(multi_class="ovr", use_legacy_attributes=False), ValueError, "legacy layout"),
    ],
)
def test_bad_parameters(params, error, match):
    X, y = _data(3)
    base = dict(Cs=2, cv=2, l1_ratios=(0.0,), scoring="neg_log_loss", use_legacy_attributes=True)
    with pytest.raises(error, match=match):
        LogisticRegressionCV(**{**base, **params}).fit(X, y)


def test_same_result_whatever_the_threads(monkeypatch):
    monkeypatch.setattr(_logistic_cv, "_THREADED_WORK", 0)  # threads even on small data
    X, y = _data(3, n_samples=200, seed=5)
    params = dict(Cs=4, cv=3, solver="saga", random_state=0, max_iter=50, tol=1e-3, **QUIET)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = LogisticRegressionCV(n_jobs=1, **params).fit(X, y)
        two = LogisticRegressionCV(n_jobs=2, **params).fit(X, y)
    np.testing.assert_array_equal(one.scores_, two.scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_convergence_warnings_are_summarised_once():
    X, y = _data(3, seed=6)
    model = LogisticRegressionCV(Cs=[1e-2, 1e4], cv=3, max_iter=2, tol=1e-12, **QUIET)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    texts = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert any("lbfgs failed to converge" in t and "cross-validation" in t for t in texts)
    assert sum("cross-validation" in t for t in texts) == 1  # one for all the paths
    assert all(w.filename == __file__ for w in caught)  # at the caller's line


def test_summary_only_for_a_refitted_single_c(capsys):
    X, y = _data(3, seed=7)
    params = dict(Cs=3, cv=3, l1_ratios=(0.0,), scoring="neg_log_loss")
    model = LogisticRegressionCV(use_legacy_attributes=False, verbose=1, **params).fit(X, y)
    assert capsys.readouterr().err.count("[LogisticRegressionCV] fold") == 3
    assert model.alpha_ == pytest.approx(1.0 / (model.C_ * len(y)))
    model.summary(X, y)  # the refit is the optimum at alpha_
    averaged = LogisticRegressionCV(refit=False, use_legacy_attributes=False, **params)
    with pytest.raises(ValueError, match="mean of the folds' models"):
        averaged.fit(X, y).summary(X, y)


def test_callbacks_are_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="does not call scikit-learn callbacks"):
        LogisticRegressionCV().set_callbacks(object())
