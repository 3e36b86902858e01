"""Scoring the models of LogisticRegressionCV's paths with scikit-learn's scorers.

A path's model at each C is put into a fitted ``LogisticRegression`` (the "proxy") so that
any scorer ``scorer(estimator, X, y)`` can score it, as scikit-learn's
``LogisticRegressionCV`` does with its own class. Metrics that take ``labels`` get all the
classes of the problem, since a held-out fold may miss some.
"""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.metrics import make_scorer

from ._logistic import LogisticRegression


def proxy_model(classes, w, n_features, n_threads):
    """A fitted LogisticRegression with the weights ``w``, for the scorers."""
    proxy = LogisticRegression(n_jobs=n_threads)
    proxy.classes_ = classes
    proxy.coef_ = np.ascontiguousarray(w[:, :n_features])
    proxy.intercept_ = w[:, n_features] if w.shape[1] > n_features else np.zeros(len(w))
    proxy.n_features_in_ = n_features
    return proxy


def labelled_scorer(scorer, n_classes):
    """The scorer with ``labels`` set to all the classes when its metric takes them (a
    fold may miss a class), as scikit-learn's LogisticRegressionCV does."""
    func = getattr(scorer, "_score_func", None)
    if func is None or "labels" not in inspect.signature(func).parameters:
        return scorer
    return _LabelledScorer(scorer, n_classes)


class _LabelledScorer:
    """A scorer whose metric gets ``labels=proxy.classes_`` (and ``pos_label`` for two
    classes) at each call: the classes of the problem being scored."""

    def __init__(self, scorer, n_classes):
        self.scorer = scorer
        self.binary = n_classes <= 2

    def __call__(self, estimator, X, y, **kwargs):
        scorer = self.scorer
        extra = {"labels": estimator.classes_}
        if (self.binary or len(estimator.classes_) == 2) and "pos_label" in inspect.signature(
            scorer._score_func
        ).parameters:
            extra["pos_label"] = estimator.classes_[-1]
        remade = make_scorer(
            scorer._score_func,
            greater_is_better=scorer._sign == 1,
            response_method=scorer._response_method,
            **{**getattr(scorer, "_kwargs", {}), **extra},
        )
        return remade(estimator, X, y, **kwargs)


def fold_params(params, n_samples, rows):
    """The scorer's parameters for a fold: per-sample arrays restricted to ``rows``."""
    out = {}
    for name, value in params.items():
        out[name] = value
        if value is None or isinstance(value, (str, bytes)):
            continue
        if hasattr(value, "__array__") or isinstance(value, (list, tuple)):
            array = np.asarray(value)
            if array.ndim >= 1 and array.shape[0] == n_samples:
                out[name] = array[rows]
    return out
