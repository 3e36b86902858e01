"""predict_proba on the test set for the same model: softmaxreg vs scikit-learn."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from softmaxreg import SoftmaxRegression
from softmaxreg._estimator import feature_major_coef


def _same_model(encoded):
    X, y, classes, coef, intercept = encoded
    ours = SoftmaxRegression()
    theirs = LogisticRegression()
    for m in (ours, theirs):
        m.classes_, m.coef_, m.intercept_ = classes, coef.copy(), intercept.copy()
        m.n_features_in_ = X.shape[1]
    ours.coef_ = feature_major_coef(coef.T, np.float64)  # as a fitted SoftmaxRegression holds it
    return ours, theirs


def test_softmaxreg_predict_proba(benchmark, encoded, text_corpus):
    ours, _ = _same_model(encoded)
    benchmark.group = "predict_proba"
    p = benchmark(ours.predict_proba, text_corpus[2])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_sklearn_predict_proba(benchmark, encoded, text_corpus):
    ours, theirs = _same_model(encoded)
    benchmark.group = "predict_proba"
    p = benchmark(theirs.predict_proba, text_corpus[2])
    np.testing.assert_allclose(p, ours.predict_proba(text_corpus[2]), rtol=1e-10)
