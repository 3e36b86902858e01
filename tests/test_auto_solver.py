"""solver="auto": the rule of ``choose_solver`` and the model it gives."""

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import (
    LogisticRegression,
    SoftmaxRegression,
    make_text_classification,
    objective_value,
)


@pytest.fixture(scope="module")
def text():
    return make_text_classification(1_500, 3_000, 4, tokens_per_row=60, random_state=0)


@pytest.mark.parametrize(
    "container, alpha, l1_ratio, expected",
    [
        ("csr", 1e-3, 0.0, "sag"),
        ("dense", 1e-3, 0.0, "lbfgs"),
        ("csr", 0.0, 0.0, "lbfgs"),
        ("csr", 1e-3, 0.5, "saga"),
        ("dense", 1e-3, 1.0, "saga"),
        ("csr, 64 features", 1e-3, 0.0, "lbfgs"),  # 16 per class: whitened L-BFGS
        ("csr, 65 features", 1e-3, 0.0, "sag"),
        ("csr, 400 rows", 1e-3, 0.0, "lbfgs"),  # nnz * K below AUTO_SMALL_WORK
    ],
)
def test_rule(text, container, alpha, l1_ratio, expected):
    from softmaxreg._solvers.registry import AUTO_SMALL_WORK

    X, y = text
    if container == "dense":
        X = X[:, :200].toarray()
    elif container.endswith("features"):
        X = X[:, : int(container.split()[1])]
    elif container.endswith("rows"):
        X, y = X[:400], y[:400]
        assert X.nnz * 4 < AUTO_SMALL_WORK <= text[0].nnz * 4
    model = SoftmaxRegression(
        solver="auto", alpha=alpha, l1_ratio=l1_ratio, max_iter=300, tol=1e-3, random_state=0
    ).fit(X, y)
    assert model.solver_ == expected
    assert model.solver == "auto"  # the parameter is left as given


@pytest.mark.parametrize("uneven", ["one long row", "one heavy row"])
def test_rows_that_hold_sag_back_run_lbfgs(text, uneven):
    """SAG's step is bounded by the largest c_i ||x_i||^2: when a few rows dominate it,
    "auto" runs L-BFGS (AUTO_MAX_ROW_NORM_RATIO); even rows run SAG."""
    from softmaxreg._solvers.registry import AUTO_MAX_ROW_NORM_RATIO

    X, y = text
    X = sp.csr_matrix(X, copy=True)
    sw = np.ones(X.shape[0])
    if uneven == "one long row":
        X.data[X.indptr[0] : X.indptr[1]] *= 5.0  # ||x_0||^2 = 25, the others 1
    else:
        sw[0] = 2 * AUTO_MAX_ROW_NORM_RATIO
    params = dict(solver="auto", alpha=1e-3, max_iter=300, tol=1e-3, random_state=0)
    assert SoftmaxRegression(**params).fit(X, y, sample_weight=sw).solver_ == "lbfgs"
    even = SoftmaxRegression(**params).fit(text[0], y, sample_weight=np.ones_like(sw))
    assert even.solver_ == "sag"


def test_auto_is_the_default(text):
    X, y = text
    model = SoftmaxRegression(random_state=0).fit(X, y)
    assert model.solver == "auto" and model.solver_ == "sag"
    assert model.score(X, y) > 0.9


def test_explicit_solver_is_recorded(text):
    X, y = text
    assert SoftmaxRegression(solver="lbfgs").fit(X, y).solver_ == "lbfgs"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_auto_reaches_the_lbfgs_optimum(text, dtype):
    X, y = text
    X = sp.csr_matrix(X, dtype=dtype)
    alpha = 1.0 / X.shape[0]
    ref = SoftmaxRegression(alpha=alpha, solver="lbfgs", tol=1e-8, max_iter=2000).fit(X, y)
    auto = SoftmaxRegression(
        solver="auto", alpha=alpha, tol=1e-6, max_iter=1000, random_state=0
    ).fit(X, y)
    f_ref = objective_value(ref.coef_, ref.intercept_, X, y, alpha=alpha)
    f_auto = objective_value(auto.coef_, auto.intercept_, X, y, alpha=alpha)
    assert auto.solver_ == "sag" and auto.coef_.dtype == dtype
    assert (f_auto - f_ref) / f_ref < 1e-4


def test_logistic_regression_accepts_auto(text):
    X, y = text
    model = LogisticRegression(solver="auto", C=10.0, max_iter=500, random_state=0).fit(X, y)
    assert model.estimators_[0].solver_ == "sag"
    assert model.score(X, y) > 0.9


def test_unknown_solver_lists_auto(text):
    X, y = text
    with pytest.raises(ValueError, match=r"solver must be one of \('auto'"):
        SoftmaxRegression(solver="newton").fit(X, y)
