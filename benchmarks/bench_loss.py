"""One loss+gradient evaluation: softmaxreg's fused Cython pass vs scikit-learn's LinearModelLoss.

Read the ratio from one run: ``pytest benchmarks/bench_loss.py --benchmark-enable``.
"""

import numpy as np
import pytest

from softmaxreg._objective import Objective


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_softmaxreg_loss_gradient(benchmark, encoded, n_jobs):
    X, y, classes, coef, intercept = encoded
    benchmark.group = "loss_gradient"
    obj = Objective(X, y, np.ones(X.shape[0]), len(classes), 1e-5, 0.0, True, n_threads=n_jobs)
    params = np.concatenate([coef.T.ravel(), intercept])
    value, grad = benchmark(obj.value_and_gradient, params)
    assert np.isfinite(value) and grad.shape == params.shape


@pytest.mark.parametrize("n_threads", [1, 2])
def test_sklearn_loss_gradient(benchmark, encoded, n_threads):
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    X, y, classes, coef, intercept = encoded
    benchmark.group = "loss_gradient"
    lml = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=len(classes)), fit_intercept=True)
    w = np.hstack([coef, intercept[:, None]])
    value, grad = benchmark(
        lml.loss_gradient, w, X, y.astype(np.float64), l2_reg_strength=1e-5, n_threads=n_threads
    )
    assert np.isfinite(value)
