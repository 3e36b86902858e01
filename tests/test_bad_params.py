"""Every invalid hyper-parameter value gets a precise error before any work.

Each case builds the estimator with one bad value (for every solver it applies to) and
checks the error's type and text, that the estimator gained no fitted attribute and kept
its parameters, and that the caller's arrays are unchanged. The bad-data cases are in
``test_bad_input.py``.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import (
    FeatureScaleWarning,
    LogisticRegression,
    LogisticRegressionCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)

rng = np.random.default_rng(0)
X_OK = rng.standard_normal((30, 4))
Y_OK = np.arange(30) % 3
SW_OK = rng.uniform(0.5, 2.0, size=30)
SOFTMAX = ("lbfgs", "sgd", "sag", "saga")


def fit_quietly(estimator, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FeatureScaleWarning)
        return estimator.fit(data["X"], data["y"], sample_weight=data["sample_weight"])


# (params, error, message): every invalid value of every SoftmaxRegression parameter.
SOFTMAX_PARAMS = [
    ({"alpha": -1.0}, ValueError, "alpha must be >= 0"),
    ({"alpha": np.nan}, ValueError, "alpha must be finite"),
    ({"alpha": np.inf}, ValueError, "alpha must be finite"),
    ({"alpha": "big"}, TypeError, "alpha must be of type"),
    ({"alpha": None}, TypeError, "alpha must be of type"),
    ({"l1_ratio": -0.1}, ValueError, "l1_ratio must be >= 0"),
    ({"l1_ratio": 1.5}, ValueError, "l1_ratio must be <= 1"),
    ({"l1_ratio": np.nan}, ValueError, "l1_ratio must be finite"),
    ({"l1_ratio": "half"}, TypeError, "l1_ratio must be of type"),
    ({"solver": "newton"}, ValueError, "solver must be one of"),
    ({"solver": None}, ValueError, "solver must be one of"),
    ({"fit_intercept": "yes"}, TypeError, "fit_intercept must be a bool"),
    ({"fit_intercept": 1}, TypeError, "fit_intercept must be a bool"),
    ({"tol": -1e-3}, ValueError, "tol must be >= 0"),
    ({"tol": np.nan}, ValueError, "tol must be finite"),
    ({"tol": "small"}, TypeError, "tol must be of type"),
    ({"max_iter": -5}, ValueError, "max_iter must be >= 0"),
    ({"max_iter": 10.5}, TypeError, "max_iter must be of type"),
    ({"max_iter": True}, TypeError, "max_iter must be of type"),
    ({"class_weight": "heavy"}, ValueError, "class_weight must be None, 'balanced' or a dict"),
    ({"class_weight": [1.0, 2.0]}, ValueError, "class_weight must be None"),
    ({"class_weight": {7: 2.0}}, ValueError, "not in class_weight"),
    ({"class_weight": {0: -1.0, 1: 1.0, 2: 1.0}}, ValueError, r"class_weight\[0\] must be >= 0"),
    (
        {"class_weight": {0: np.nan, 1: 1.0, 2: 1.0}},
        ValueError,
        r"class_weight\[0\] must be finite",
    ),
    ({"class_weight": {0: "a", 1: 1.0, 2: 1.0}}, TypeError, r"class_weight\[0\] must be of type"),
    ({"warm_start": 2}, TypeError, "warm_start must be a bool"),
    ({"random_state": "seed"}, ValueError, "random_state must be None, an int"),
    ({"random_state": -1}, ValueError, "random_state must be None, an int"),
    ({"random_state": 1.5}, ValueError, "random_state must be None, an int"),
    ({"n_jobs": 0}, ValueError, "n_jobs == 0"),
    ({"n_jobs": 1.5}, TypeError, "n_jobs must be of type"),
    ({"n_jobs": "all"}, TypeError, "n_jobs must be of type"),
    ({"verbose": -1}, ValueError, "verbose must be >= 0"),
    ({"verbose": "loud"}, TypeError, "verbose must be of type"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be of type"),
    ({"learning_rate": "fast"}, ValueError, "learning_rate must be one of"),
    ({"learning_rate": "constant", "eta0": 0.0}, ValueError, "eta0 must be > 0"),
    ({"learning_rate": "optimal", "eta0": -0.1}, ValueError, "eta0 must be >= 0"),
    ({"eta0": -0.1}, ValueError, "eta0 must be > 0"),
    ({"eta0": np.inf}, ValueError, "eta0 must be finite"),
    ({"power_t": np.nan}, ValueError, "power_t must be finite"),
    ({"power_t": "half"}, TypeError, "power_t must be of type"),
    ({"average": -1}, ValueError, "average must be >= 0"),
    ({"average": 1.5}, TypeError, "average must be of type"),
    ({"shuffle": "yes"}, TypeError, "shuffle must be a bool"),
    ({"early_stopping": 1}, TypeError, "early_stopping must be a bool"),
    ({"validation_fraction": 0.0}, ValueError, "validation_fraction must be > 0"),
    ({"validation_fraction": 1.0}, ValueError, "validation_fraction must be < 1"),
    ({"validation_fraction": np.nan}, ValueError, "validation_fraction must be finite"),
    ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be >= 1"),
    ({"n_iter_no_change": 2.0}, TypeError, "n_iter_no_change must be of type"),
]
# Invalid only for some solvers.
SOLVER_PARAMS = [
    ("lbfgs", {"l1_ratio": 0.5}, ValueError, "lbfgs' supports only the L2 penalty"),
    ("sag", {"l1_ratio": 0.5}, ValueError, "sag' supports only the L2 penalty"),
    (
        "sgd",
        {"alpha": 0.0, "learning_rate": "optimal"},
        ValueError,
        "alpha must be > 0 with solver='sgd'",
    ),
]

LOGISTIC_PARAMS = [
    ({"penalty": "l3"}, ValueError, "penalty must be one of"),
    ({"penalty": "elasticnet", "l1_ratio": None}, ValueError, "l1_ratio must be specified"),
    ({"intercept_scaling": 0.0}, ValueError, "intercept_scaling must be > 0"),
    ({"dual": "no"}, TypeError, "dual must be a bool"),
    ({"dual": True}, ValueError, "supports only dual=False"),
    ({"solver": "liblinear", "C": np.inf}, ValueError, "not supported for the liblinear"),
    ({"solver": "liblinear", "l1_ratio": 0.5}, ValueError, "Only 'saga' solver supports"),
    ({"solver": "liblinear", "l1_ratio": 1.0, "dual": True}, ValueError, "when dual=True"),
    ({"C": 0.0}, ValueError, "C must be > 0"),
    ({"C": -1.0}, ValueError, "C must be > 0"),
    ({"C": np.nan}, ValueError, "C must be > 0"),
    ({"C": "1"}, TypeError, "C must be a positive float"),
    ({"C": True}, TypeError, "C must be a positive float"),
    ({"l1_ratio": 2.0}, ValueError, "l1_ratio must be <= 1"),
    ({"l1_ratio": "a"}, TypeError, "l1_ratio must be of type"),
    ({"multi_class": "x"}, ValueError, "multi_class must be one of"),
    ({"solver": "newton"}, ValueError, "solver must be one of"),
    ({"tol": -1.0}, ValueError, "tol must be >= 0"),
    ({"max_iter": -1}, ValueError, "max_iter must be >= 0"),
    ({"class_weight": "x"}, ValueError, "class_weight"),
    ({"class_weight": {0: -1.0}}, ValueError, "non-negative"),
    ({"warm_start": "x"}, TypeError, "warm_start must be a bool"),
    ({"fit_intercept": "x"}, TypeError, "fit_intercept must be a bool"),
    ({"random_state": "x"}, ValueError, "random_state must be None, an int"),
    ({"n_jobs": 0}, ValueError, "n_jobs == 0"),
    ({"verbose": -1}, ValueError, "verbose must be >= 0"),
]
LOGISTIC_SOLVER_PARAMS = [
    ("lbfgs", {"penalty": "l1"}, ValueError, "Solver lbfgs supports only 'l2' or None"),
    (
        "newton-cg",
        {"penalty": "elasticnet", "l1_ratio": 0.5},
        ValueError,
        "Solver newton-cg supports only 'l2' or None",
    ),
    ("sag", {"penalty": "l1"}, ValueError, "Solver sag supports only 'l2' or None"),
]


def _param_cases(cls, name, params_table, solver_table):
    """Cases of ``params_table`` for every solver (unless they name one), then ``solver_table``'s."""
    every = [
        pytest.param(cls, dict(p, solver=s), e, m, id=f"{name}-{s}-{p}")
        for p, e, m in params_table
        for s in SOFTMAX
        if "solver" not in p
    ]
    named = [
        pytest.param(cls, p, e, m, id=f"{name}-{p}") for p, e, m in params_table if "solver" in p
    ]
    per_solver = [
        pytest.param(cls, dict(p, solver=s), e, m, id=f"{name}-{s}-{p}")
        for s, p, e, m in solver_table
    ]
    return every + named + per_solver


# The cross-validated estimators check the limits their paths share, and their grids.
CV_PARAMS = [
    ({"tol": -1e-3}, ValueError, "tol must be >= 0"),
    ({"tol": np.nan}, ValueError, "tol must be finite"),
    ({"max_iter": -5}, ValueError, "max_iter must be >= 0"),
    ({"max_iter": 10.5}, TypeError, "max_iter must be of type"),
    ({"Cs": 0}, ValueError, "Cs"),
    ({"Cs": [1.0, -1.0]}, ValueError, "Cs"),
    ({"cv": 1}, ValueError, "n_splits"),
]
# LogisticRegressionCV's defaults of these three draw scikit-learn's FutureWarnings
CV_SETTINGS = {
    SoftmaxRegressionCV: {},
    LogisticRegressionCV: {"l1_ratios": (0.0,), "scoring": None, "use_legacy_attributes": True},
}
LOGISTIC_CV_PARAMS = [
    ({"penalty": "l3"}, ValueError, "penalty must be one of"),
    ({"penalty": "elasticnet", "l1_ratios": [2.0]}, ValueError, "l1_ratios must be"),
]

PARAM_CASES = (
    _param_cases(SoftmaxRegression, "softmax", SOFTMAX_PARAMS, SOLVER_PARAMS)
    + _param_cases(LogisticRegression, "logistic", LOGISTIC_PARAMS, LOGISTIC_SOLVER_PARAMS)
    + [
        pytest.param(cls, dict(CV_SETTINGS[cls], **p, solver=s), e, m, id=f"{cls.__name__}-{s}-{p}")
        for cls in (SoftmaxRegressionCV, LogisticRegressionCV)
        for p, e, m in CV_PARAMS + (LOGISTIC_CV_PARAMS if cls is LogisticRegressionCV else [])
        for s in ("lbfgs", "saga")
    ]
)


@pytest.mark.parametrize("cls, params, error, match", PARAM_CASES)
def test_invalid_hyper_parameter(cls, params, error, match):
    X, y, sw = X_OK.copy(), Y_OK.copy(), SW_OK.copy()
    estimator = cls(**params)
    with pytest.raises(error, match=match):
        fit_quietly(estimator, dict(X=X, y=y, sample_weight=sw))
    assert not hasattr(estimator, "coef_")
    assert estimator.get_params() == cls(**params).get_params() or _nan_params(params)
    np.testing.assert_array_equal(X, X_OK)
    np.testing.assert_array_equal(y, Y_OK)
    np.testing.assert_array_equal(sw, SW_OK)


def _nan_params(params):
    """NaN parameters do not compare equal to themselves; they were checked by the raise."""
    return any(isinstance(v, float) and np.isnan(v) for v in params.values())
