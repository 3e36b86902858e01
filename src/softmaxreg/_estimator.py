"""SoftmaxRegression: the scikit-learn estimator around the kernels and solvers."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from . import _softmax
from ._objective import Objective, params_from_coef
from ._solvers import SOLVERS
from ._validation import (
    check_params,
    check_sample_weight,
    check_X,
    check_X_y,
    encode_labels,
    n_threads_from_n_jobs,
)


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Softmax (multinomial logistic) regression; binary logistic regression for two classes.

    Minimises::

        (1/S) * sum_i s_i * loss_i + alpha * ((1 - l1_ratio)/2 * ||W||^2 + l1_ratio * ||W||_1)

    where ``s_i`` are the sample weights (times the class weights), ``S`` their sum and
    the intercept is not penalised. ``alpha = 1 / (C * S)`` gives scikit-learn's
    ``LogisticRegression(C=C)`` model; ``alpha`` means what it means in ``SGDClassifier``.
    With two classes the model is the sigmoid one with a single weight vector, as in
    scikit-learn, so ``exp(coef_)`` are odds ratios of the positive class ``classes_[1]``.

    Parameters
    ----------
    alpha : float, default=1e-4
        Regularisation strength (>= 0).
    l1_ratio : float, default=0.0
        Elastic-net mixing in [0, 1]; 0 is pure L2. ``solver="lbfgs"`` supports only 0.
    solver : {"lbfgs", "sgd", "sag", "saga"}, default="lbfgs"
        Optimiser. "lbfgs" uses scipy's L-BFGS-B on the Cython loss and gradient.
        "sag" (L2 only) and "saga" (any ``l1_ratio``, exact zeros) are stochastic
        average gradient methods with lazy sparse updates, one shuffled pass over the
        rows per iteration; they suit large sparse data. SAG can oscillate when the
        problem is weakly regularised; SAGA is the more robust of the two.
        "sgd" is not implemented in this version (``NotImplementedError``).
    fit_intercept : bool, default=True
        Fit one unpenalised intercept per class (one for two classes).
    tol : float, default=1e-4
        Stopping tolerance. For "lbfgs": the max-norm of the projected gradient. For
        "sag"/"saga": stop after an epoch in which no weight or intercept changed by more
        than ``tol`` times the largest one in absolute value.
    max_iter : int, default=100
        Maximum number of iterations (epochs for "sag"/"saga"); reaching it warns with
        ``ConvergenceWarning``.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights.
    warm_start : bool, default=False
        Start from the previous ``coef_``/``intercept_`` when the classes and features
        match. "sag"/"saga" also keep their gradient memory (K numbers per sample) when
        the number of samples and the dtype match, so a refit from the optimum stops
        after an epoch or two.
    random_state : int, RandomState instance or None, default=None
        Seed for the stochastic solvers (unused by "lbfgs"): "sag"/"saga" visit the
        rows in a fresh permutation each epoch drawn from it.
    n_jobs : int or None, default=None
        Threads for the batch loss/gradient pass: None uses every core this process may
        run on (as scikit-learn's OpenMP code does), -1 likewise, a positive number that
        many. Small problems run on one thread whatever the setting.
    verbose : int, default=0
        Print the objective per iteration to stderr when > 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for two classes
        Same dtype as the training X (float32 or float64).
    intercept_ : ndarray of shape (n_classes,), or (1,) for two classes
    n_iter_ : int
        Iterations run by the solver.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.
    """

    def __init__(
        self,
        alpha=1e-4,
        l1_ratio=0.0,
        solver="lbfgs",
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        warm_start=False,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the model to X, y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense arrays are used as float32 or float64 (others become float64); CSR is
            used without a copy (int32 or int64 indices), other sparse formats are
            converted to CSR.
        y : array-like of shape (n_samples,)
            Labels of any type; at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self
        """
        check_params(self)
        X, y = check_X_y(self, X, y)
        classes, y_index = encode_labels(y)
        sw = check_sample_weight(sample_weight, X.shape[0])
        if self.class_weight is not None:
            sw = sw * compute_class_weight(self.class_weight, classes=classes, y=y)[y_index]
            if not sw.sum() > 0:
                raise ValueError("class_weight gives every sample a zero weight.")
        objective = Objective(
            X, y_index, sw, len(classes), self.alpha, self.l1_ratio, self.fit_intercept,
            n_threads=n_threads_from_n_jobs(self.n_jobs),
        )
        params0 = self._initial_params(objective, classes)
        params, n_iter = SOLVERS[self.solver](objective, params0, self)
        if not np.all(np.isfinite(params)):
            raise FloatingPointError(
                "softmaxreg: the fit produced non-finite weights; check the scale of X "
                "(try StandardScaler or MaxAbsScaler) or increase alpha."
            )
        W, b = objective.split(params)
        self.classes_ = classes
        self.coef_ = np.ascontiguousarray(W.T, dtype=X.dtype)
        self.intercept_ = np.array(b if self.fit_intercept else np.zeros_like(b), dtype=X.dtype)
        self.n_iter_ = n_iter
        return self

    def _initial_params(self, objective, classes):
        params = np.zeros(objective.n_params + objective.n_columns)
        if (
            self.warm_start
            and hasattr(self, "coef_")
            and np.array_equal(getattr(self, "classes_", None), classes)
            and self.coef_.shape == (objective.n_columns, objective.rows.n_features)
        ):
            params = params_from_coef(self.coef_, self.intercept_, objective.binomial)
            if not self.fit_intercept:
                params[objective.n_params:] = 0.0
        return params

    def decision_function(self, X):
        """Raw scores ``X @ coef_.T + intercept_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the log-odds of ``classes_[1]``.
        """
        check_is_fitted(self)
        X = check_X(self, X, reset=False)
        scores = X @ self.coef_.T
        if sp.issparse(scores):
            scores = scores.toarray()
        scores = np.ascontiguousarray(scores)
        scores += self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = np.empty((scores.shape[0], 2), dtype=scores.dtype)
            p[:, 1] = 0.5 * (1.0 + np.tanh(0.5 * scores))  # expit without overflow
            p[:, 0] = 1.0 - p[:, 1]
            return p
        _softmax.softmax_rows(scores, scores)
        return scores

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed stably from the scores.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        _softmax.log_softmax_rows(scores, scores)
        return scores

    def predict(self, X):
        """Most probable class per sample.

        Returns
        -------
        ndarray of shape (n_samples,), taken from ``classes_``
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
