"""Pickle and joblib round trips, and the guards against diverging fits.

A reloaded model predicts exactly what the original predicts (every solver, both
estimators, dense and CSR input); a reloaded ``partial_fit`` model continues the same SGD
run. A fit that diverges (huge ``eta0``, unscaled features of 1e6) ends with a clear
error that leaves the estimator as it was, or with a finite model: never NaN weights.
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import FeatureScaleWarning, LogisticRegression, SoftmaxRegression

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.standard_normal((80, 6))
Y3 = np.argmax(X[:, :3] + 0.5 * rng.standard_normal((80, 3)), axis=1)
Y2 = (X[:, 0] > 0).astype(int)

MODELS = {
    "lbfgs": lambda: SoftmaxRegression(solver="lbfgs"),
    "sgd": lambda: SoftmaxRegression(solver="sgd", random_state=0, max_iter=20),
    "sgd_averaged_l1": lambda: SoftmaxRegression(
        solver="sgd", random_state=0, max_iter=20, average=True, l1_ratio=0.3
    ),
    "sag": lambda: SoftmaxRegression(solver="sag", random_state=0, warm_start=True),
    "saga": lambda: SoftmaxRegression(solver="saga", random_state=0, l1_ratio=0.5),
    "logistic": lambda: LogisticRegression(C=10.0),
    "logistic_ovr": lambda: LogisticRegression(multi_class="ovr", solver="saga", random_state=0),
}
METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


def pickle_round_trip(model):
    return pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))


def joblib_round_trip(model, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(model, path, compress=3)
    return joblib.load(path)


@pytest.mark.parametrize("labels", [Y3, Y2], ids=["3_classes", "2_classes"])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trips_predict_identically(name, container, labels, tmp_path):
    Xc = container(X)
    model = MODELS[name]().fit(Xc, np.array(["a", "b", "c"])[labels])
    for copy in (pickle_round_trip(model), joblib_round_trip(model, tmp_path)):
        assert type(copy) is type(model) and copy.get_params() == model.get_params()
        for method in METHODS:
            np.testing.assert_array_equal(getattr(copy, method)(Xc), getattr(model, method)(Xc))
        np.testing.assert_array_equal(copy.coef_, model.coef_)
        assert copy.coef_.dtype == model.coef_.dtype


def test_float32_model_round_trips_as_float32(tmp_path):
    model = SoftmaxRegression().fit(X.astype(np.float32), Y3)
    copy = joblib_round_trip(model, tmp_path)
    assert copy.coef_.dtype == np.float32
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))


def test_partial_fit_continues_identically_after_a_round_trip():
    """The SGD state (step count, averaging, shuffling generator) is pickled too."""
    model = SoftmaxRegression(solver="sgd", random_state=0, average=True)
    model.partial_fit(X[:40], Y3[:40], classes=[0, 1, 2])
    copy = pickle_round_trip(model)
    for m in (model, copy):
        m.partial_fit(X[40:], Y3[40:])
        m.partial_fit(X[:40], Y3[:40])
    np.testing.assert_array_equal(copy.coef_, model.coef_)
    np.testing.assert_array_equal(copy.intercept_, model.intercept_)


def test_warm_start_after_a_round_trip_equals_warm_start_of_the_original():
    model = SoftmaxRegression(solver="sag", random_state=0, warm_start=True, max_iter=3)
    model.fit(X, Y3)
    copy = pickle_round_trip(model)
    model.fit(X, Y3)
    copy.fit(X, Y3)
    np.testing.assert_array_equal(copy.coef_, model.coef_)


def test_pickle_of_unfitted_estimator_is_unfitted():
    copy = pickle.loads(pickle.dumps(SoftmaxRegression(alpha=0.5)))
    assert copy.alpha == 0.5 and not hasattr(copy, "coef_")
    buffer = io.BytesIO()
    joblib.dump(LogisticRegression(C=3.0), buffer)
    buffer.seek(0)
    assert joblib.load(buffer).C == 3.0


# ---------------------------------------------------------------- divergence guards


def assert_error_or_finite(make, Xbad, y):
    """Either a clear FloatingPointError that leaves the estimator as it was, or finite."""
    est = make()
    est = (
        SoftmaxRegression(solver=est.solver, random_state=0)
        .fit(X, Y3)
        .set_params(**est.get_params())
    )
    before = {k: np.copy(v) for k, v in vars(est).items() if isinstance(v, np.ndarray)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeatureScaleWarning)
            est.fit(Xbad, y)
    except FloatingPointError as exc:
        message = str(exc)
        assert "scal" in message.lower() and (
            "eta0" in message or "alpha" in message or "Scaler" in message
        )
        for name, value in before.items():
            np.testing.assert_array_equal(getattr(est, name), value)
        return "error"
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    p = est.predict_proba(Xbad)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-10)
    return "finite"


@pytest.mark.parametrize("eta0", [1e3, 1e8, 1e300])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("alpha", [0.0, 1e-4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_with_huge_eta0_errors_clearly(eta0, learning_rate, dtype, alpha):
    assert_error_or_finite(
        lambda: SoftmaxRegression(
            solver="sgd",
            learning_rate=learning_rate,
            eta0=eta0,
            alpha=alpha,
            random_state=0,
            max_iter=20,
        ),
        (X * 10).astype(dtype),
        Y3,
    )


@pytest.mark.parametrize("solver", ["sgd", "sag", "saga"])
@pytest.mark.parametrize("layout", ["all_columns", "one_column", "csr_one_column"])
@pytest.mark.parametrize("scale", [1e6, 1e150])
def test_unscaled_features_never_give_nan_weights(solver, layout, scale):
    Xbad = X * scale if layout == "all_columns" else X * np.r_[scale, np.ones(5)]
    if layout.startswith("csr"):
        Xbad = sp.csr_matrix(Xbad)
    assert_error_or_finite(
        lambda: SoftmaxRegression(solver=solver, random_state=0, max_iter=20, tol=1e-3), Xbad, Y3
    )


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "sag", "saga"])
def test_logistic_regression_divergence_keeps_previous_model(solver):
    est = LogisticRegression(solver=solver, random_state=0, max_iter=20).fit(X, Y3)
    coef = est.coef_.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeatureScaleWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(FloatingPointError, match="(?i)scale"):
            est.fit(X * 1e300, Y3)
    np.testing.assert_array_equal(est.coef_, coef)
