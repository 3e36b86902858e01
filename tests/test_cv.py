"""SoftmaxRegressionCV: scores against cold fits per fold, scikit-learn's LogisticRegressionCV,
attributes, threads and bad input."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from softmaxreg import (
    SoftmaxRegression,
    SoftmaxRegressionCV,
    make_text_classification,
    objective_value,
)


@pytest.fixture(scope="module")
def text():
    return make_text_classification(n_samples=240, n_features=1500, n_classes=3, random_state=1)


def _log_loss(model, X, y):
    p = model.predict_proba(X)
    return -np.mean(np.log(p[np.arange(len(y)), np.searchsorted(model.classes_, y)]))


def test_scores_match_cold_fits(text):
    """Each fold's score at each alpha is the held-out log-loss of a cold fit there."""
    X, y = text
    alphas = [1e-1, 1e-2, 1e-3]
    kw = dict(solver="lbfgs", tol=1e-8, max_iter=2000)
    model = SoftmaxRegressionCV(alphas=alphas, cv=3, **kw).fit(X, y)
    assert model.scores_.shape == (3, 3)
    for k, (train, test) in enumerate(StratifiedKFold(3).split(X, y)):
        for i, alpha in enumerate(alphas):
            cold = SoftmaxRegression(alpha=alpha, **kw).fit(X[train], y[train])
            assert model.scores_[k, i] == pytest.approx(
                -_log_loss(cold, X[test], y[test]), abs=1e-6
            )
            np.testing.assert_allclose(
                model.coefs_paths_[k, i], cold.coef_, atol=1e-4 * np.abs(cold.coef_).max()
            )
    best = int(np.argmax(model.scores_.mean(axis=0)))
    assert model.alpha_ == alphas[best]
    assert model.cv_results_["rank_test_score"][best] == 1
    np.testing.assert_allclose(model.cv_results_["mean_test_score"], model.scores_.mean(axis=0))
    # the refit is the fit on all the data at the chosen alpha
    full = SoftmaxRegression(alpha=model.alpha_, **kw).fit(X, y)
    f_cv = objective_value(model.coef_, model.intercept_, X, y, alpha=model.alpha_)
    f_full = objective_value(full.coef_, full.intercept_, X, y, alpha=model.alpha_)
    assert f_cv == pytest.approx(f_full, rel=1e-8)
    np.testing.assert_array_equal(model.predict(X), full.predict(X))


@pytest.mark.filterwarnings("ignore::FutureWarning")  # scikit-learn's coming defaults
@pytest.mark.parametrize("solver", ["lbfgs", "sag"])
def test_matches_sklearn_logistic_regression_cv(text, solver):
    """With ``Cs``, the same folds, objective and score as LogisticRegressionCV."""
    from sklearn.linear_model import LogisticRegressionCV

    X, y = text
    tol = 1e-8 if solver == "lbfgs" else 1e-6
    Cs = [0.1, 1.0, 10.0, 100.0]
    ours = SoftmaxRegressionCV(Cs=Cs, cv=4, solver=solver, tol=tol, max_iter=5000, random_state=0)
    ours.fit(X, y)
    ref = LogisticRegressionCV(Cs=Cs, cv=4, scoring="neg_log_loss", tol=1e-10, max_iter=10000)
    ref.fit(X, y)
    np.testing.assert_allclose(ours.Cs_, ref.Cs_)
    assert ours.C_ == ref.C_[0]
    ref_scores = next(iter(ref.scores_.values()))
    # the fit's tolerance: lbfgs's gradient norm, SAG's relative weight change
    np.testing.assert_allclose(ours.scores_, ref_scores, atol=1e-5 if solver == "lbfgs" else 1e-4)
    np.testing.assert_allclose(ours.cv_results_["param_C"], Cs)
    assert ours.alpha_ == pytest.approx(1.0 / (ours.C_ * X.shape[0]))


def test_l1_ratios_scoring_and_no_refit(text):
    """Elastic-net grid axes, a scikit-learn scorer, and refit=False's mean fold model."""
    X, y = text
    model = SoftmaxRegressionCV(
        alphas=[1e-2, 1e-3],
        l1_ratios=[0.0, 0.5],
        cv=3,
        scoring="accuracy",
        refit=False,
        random_state=0,
        tol=1e-5,
        max_iter=500,
    ).fit(X, y)
    assert model.solver_ == "saga"
    assert model.scores_.shape == (3, 2, 2)
    assert model.coefs_paths_.shape == (3, 2, 2, 3, X.shape[1])
    assert model.n_iter_.shape == (3, 2, 2)
    assert model.refit_n_iter_ == 0
    assert set(model.scores_.ravel()) <= {i / n for n in (80,) for i in range(n + 1)}
    i = list(model.alphas_).index(model.alpha_)
    r = list(model.l1_ratios_).index(model.l1_ratio_)
    np.testing.assert_allclose(model.coef_, model.coefs_paths_[:, i, r].mean(axis=0), rtol=1e-6)
    assert len(model.cv_results_["param_alpha"]) == 4


def test_default_grid_binary_and_threads():
    """The default grid is scikit-learn's Cs=10 in alpha; threads do not change the result."""
    X, y = make_text_classification(n_samples=200, n_features=800, n_classes=2, random_state=2)
    kw = dict(alphas=4, cv=3, random_state=0, tol=1e-4, max_iter=200)
    one = SoftmaxRegressionCV(n_jobs=1, **kw).fit(X, y)
    two = SoftmaxRegressionCV(n_jobs=2, **kw).fit(X, y)
    np.testing.assert_allclose(one.alphas_, 1.0 / (np.logspace(-4, 4, 4) * X.shape[0]))
    assert one.coef_.shape == (1, X.shape[1]) and one.coefs_paths_.shape == (3, 4, 1, 800)
    np.testing.assert_array_equal(one.scores_, two.scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    assert one.predict_proba(X).shape == (200, 2)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(alphas=0), ValueError, "size of the grid"),
        (dict(alphas=[0.1, -1]), ValueError, "finite and >= 0"),
        (dict(Cs=[0.0, 1.0]), ValueError, "Cs must be > 0"),
        (dict(solver="sgd"), ValueError, "solver must be one of"),
        (dict(refit="yes"), TypeError, "refit must be a bool"),
        (dict(l1_ratios=[]), ValueError, "l1_ratios"),
        (dict(l1_ratios=[1.5]), ValueError, "l1_ratio"),
        (dict(scoring=3), TypeError, "scoring"),
        (dict(tol=-1), ValueError, "tol"),
    ],
)
def test_bad_parameters(text, params, error, match):
    X, y = text
    with pytest.raises(error, match=match):
        SoftmaxRegressionCV(**params).fit(X, y)


def test_convergence_warnings_are_summarised(text):
    """One warning names the alphas whose fits ran out of iterations, at the caller's line;
    the refit's own warning says it is the refit's."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = text
    model = SoftmaxRegressionCV(alphas=[1e-2, 1e-6], cv=3, solver="sag", max_iter=2, tol=1e-12)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    messages = [str(w.message) for w in record if w.category is ConvergenceWarning]
    assert len(messages) == 2
    assert "Some fits of the cross-validation stopped at max_iter=2" in messages[0]
    assert "alpha 0.01, 1e-06" in messages[0]
    assert messages[1].startswith("The refit at alpha=")
    assert all(w.filename == __file__ for w in record)


def test_random_state_instance_gives_one_result_whatever_the_threads(text):
    X, y = text
    kw = dict(alphas=[1e-2, 1e-3], cv=3, solver="sag", tol=1e-3, max_iter=50)
    one = SoftmaxRegressionCV(random_state=np.random.RandomState(3), n_jobs=1, **kw).fit(X, y)
    two = SoftmaxRegressionCV(random_state=np.random.RandomState(3), n_jobs=2, **kw).fit(X, y)
    np.testing.assert_array_equal(one.scores_, two.scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)
