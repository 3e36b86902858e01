"""LogisticRegression: scikit-learn's parameters (C, penalty, multi_class) on our solvers.

A wrapper, not a subclass: it validates the data once, computes the total sample weight
S of the fit (class weights included) to map ``C`` to ``alpha = 1 / (C * S)``, and fits
one ``SoftmaxRegression`` (multinomial or binary) or one binary model per class
("ovr"). The fitted models are kept in ``estimators_`` for warm starts.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._estimator import SoftmaxRegression, _restore_on_error
from ._inference import InferenceMixin
from ._solvers.registry import PRIVATE_SOLVERS
from ._typing import Callback, ClassWeight, FloatArray, MatrixLike, RandomStateLike
from ._validation import (
    check_liblinear_data,
    check_logistic_params,
    check_sample_weight,
    check_X,
    check_X_y,
    effective_sample_weight,
    encode_labels,
)

try:  # scikit-learn >= 1.9: its callback API (set_callbacks)
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # older scikit-learn: no callbacks to support

    class CallbackSupportMixin:  # noqa: D101 - stands in for the missing mixin
        pass

    def with_callbacks(method):  # the same frames as scikit-learn's (warnings' stacklevel)
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            return method(*args, **kwargs)

        return wrapper


class LogisticRegression(CallbackSupportMixin, InferenceMixin, ClassifierMixin, BaseEstimator):
    """Drop-in replacement for scikit-learn's ``LogisticRegression`` on softmaxreg's solvers.

    Minimises scikit-learn's objective ``sum_i s_i * loss_i + (1/C) * r(W)`` with
    ``r(W) = (1 - l1_ratio)/2 * ||W||^2 + l1_ratio * ||W||_1`` (intercept unpenalised),
    which is ``SoftmaxRegression`` with ``alpha = 1 / (C * S)``, S the total sample weight
    (times class weights) of the fit. Also accepts ``multi_class``, which scikit-learn
    1.8 removed, so code written for older versions runs unchanged.

    Parameters
    ----------
    penalty : {"auto", "l2", "l1", "elasticnet", None}, default="auto"
        "auto" (scikit-learn >= 1.8 behaviour): the penalty follows ``l1_ratio``, and
        ``C=np.inf`` means none. An explicit value is honoured as older scikit-learn
        did ("l1" is ``l1_ratio=1``, "elasticnet" uses ``l1_ratio``, None ignores C); a
        contradicting ``l1_ratio`` warns (``UserWarning``, scikit-learn's text) and
        the fit follows ``penalty``; "elasticnet" with ``l1_ratio=None`` raises.
    C : float, default=1.0
        Inverse regularisation strength (> 0; ``np.inf`` for none).
    l1_ratio : float or None, default=0.0
        Elastic-net mixing in [0, 1] (None, the old default, is 0). L1 needs
        ``solver="sgd"`` (or "saga" once available).
    dual : bool, default=False
        liblinear's dual formulation: only with ``solver="liblinear"`` and L2, where it
        runs "saga" (random sample order, seeded by ``random_state``, as liblinear's dual
        coordinate descent) instead of the trust-region Newton method; the objective is
        the same.
    tol : float, default=1e-4
        Stopping tolerance of the solver (see ``SoftmaxRegression``).
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1.0
        ``solver="liblinear"`` only: the value of the constant feature whose weight,
        times ``intercept_scaling``, is the intercept (penalised like the weights; a
        large value weakens that penalty). Unused by the other solvers.
    class_weight : dict, "balanced" or None, default=None
    random_state : int, RandomState instance or None, default=None
    solver : {"lbfgs", "sag", "saga", "sgd", "auto", "newton-cg", "newton-cholesky"}, \
default="lbfgs"
        "auto" is ``SoftmaxRegression``'s choice for the data (its default: sag for
        large sparse X with rows of even scale such as TF-IDF, else lbfgs; saga with an
        L1 part); the default here stays scikit-learn's "lbfgs". "newton-cg" and
        "newton-cholesky" run "lbfgs" (same objective, same optimum). "liblinear" fits
        liblinear's objective ``C * sum_i s_i * loss_i + r(w)`` on X with a constant
        column of ``intercept_scaling`` (the intercept penalised as a weight), L1 or L2,
        one binary model per class with ``multi_class="ovr"`` (more than two classes
        otherwise raise, as in scikit-learn >= 1.8). For L2 it runs liblinear's
        trust-region Newton method with liblinear's stopping rule (the same iterates,
        so the same model at the same ``tol``); for L1, L-BFGS-B on the split weights
        ``w = w+ - w-`` (stopping when the projected gradient is below ``tol``); with
        ``dual=True``, "saga". Its ``coef_`` is float64 whatever X's dtype.
    max_iter : int, default=100
        0 runs no iteration (the model is the start point: zeros or the warm start).
    multi_class : {"auto", "multinomial", "ovr"}, default="auto"
        "auto" and "multinomial" fit the softmax model (the sigmoid one for two classes);
        "ovr" fits one binary model per class and normalises their probabilities, as
        scikit-learn's ``multi_class="ovr"`` did.
    verbose : int, default=0
        When > 0, print the objective and elapsed time per iteration/epoch to stderr
        (see ``SoftmaxRegression``).
    callback : callable or None, default=None
        Passed to the inner ``SoftmaxRegression`` fit(s): called with a dict per
        iteration/epoch (``"solver"``, ``"iteration"``, ``"objective"``, ``"elapsed"``);
        a true return stops that fit. With "ovr" it is called by each binary fit.
    warm_start : bool, default=False
    n_jobs : int or None, default=None
        Threads, as in ``SoftmaxRegression`` (None: the OpenMP default, one thread inside
        joblib's workers); unlike scikit-learn >= 1.8, where it is unused.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for two classes
    intercept_ : ndarray of shape (n_classes,), or (1,)
    alpha_ : float
        The ``alpha`` of ``SoftmaxRegression`` the fit used (0 without a penalty).
    n_iter_ : ndarray of shape (1,), or (n_classes,) for "ovr" with 3+ classes
        Solver iterations (per binary model for "ovr"), int32, as in scikit-learn.
    loss_curve_ : ndarray of float64, or list of them for "ovr" with 3+ classes
        The objective per iteration/epoch recorded by the fit (softmaxreg's normalised
        objective, see ``SoftmaxRegression.loss_curve_``); one array per binary model
        for "ovr".
    estimators_ : list of SoftmaxRegression
        The fitted model, or one binary model per class for "ovr" with 3+ classes.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.
    """

    def __init__(
        self,
        penalty: str | None = "auto",
        *,
        C: float = 1.0,
        l1_ratio: float | None = 0.0,
        dual: bool = False,
        tol: float = 1e-4,
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        class_weight: ClassWeight = None,
        random_state: RandomStateLike = None,
        solver: str = "lbfgs",
        max_iter: int = 100,
        multi_class: str = "auto",
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = None,
        callback: Callback | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.multi_class = multi_class
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.callback = callback

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def set_callbacks(self, *callbacks):
        """Set scikit-learn callbacks (scikit-learn >= 1.9's callback API).

        As in scikit-learn, they are called for ``solver="lbfgs"`` only (one task per
        L-BFGS iteration, with the model at that iterate); other solvers warn here and
        ignore them. softmaxreg's own per-iteration hook is the ``callback`` parameter.

        Returns
        -------
        self
        """
        if self.solver != "lbfgs":
            warnings.warn(
                f"Callbacks are only supported in {type(self).__name__} for solver='lbfgs'. "
                f"This estimator has solver='{self.solver}', callbacks will be ignored "
                "during the solving of the regression.",
                UserWarning,
                stacklevel=2,
            )
        return super().set_callbacks(*callbacks)

    @with_callbacks
    def fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> LogisticRegression:
        """Fit the model to X, y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            At least two classes.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        with _restore_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        l1_ratio, penalised, solver = check_logistic_params(self)
        X, y = check_X_y(self, X, y)
        classes, y_index = encode_labels(y)
        liblinear = solver == "liblinear"
        if liblinear:
            check_liblinear_data(X, len(classes), self.multi_class)
        sw = effective_sample_weight(
            check_sample_weight(sample_weight, X.shape[0]),
            self.class_weight,
            y_index,
            classes=classes,
            y=y,
        )
        total = float(sw.sum())
        alpha = 1.0 / (self.C * total) if penalised else 0.0
        fit_X, fit_intercept, inner = X, self.fit_intercept, solver
        if liblinear:  # the intercept as a penalised weight of a constant feature
            fit_X = _liblinear_design(X, self.fit_intercept, self.intercept_scaling)
            fit_intercept = False
            inner = _liblinear_driver(l1_ratio, self.dual, alpha)
        params = dict(
            alpha=alpha,
            l1_ratio=l1_ratio,
            solver="saga" if inner in PRIVATE_SOLVERS else inner,  # valid for any penalty
            fit_intercept=fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=None,
            warm_start=False if liblinear else self.warm_start,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            callback=self.callback,
        )
        ovr = self.multi_class == "ovr" and len(classes) > 2
        targets = (
            [(y_index == k).astype(np.int32) for k in range(len(classes))] if ovr else [y_index]
        )
        old = getattr(self, "estimators_", None) if self.warm_start and not liblinear else None
        if old is None or len(old) != len(targets) or not np.array_equal(self.classes_, classes):
            old = [SoftmaxRegression() for _ in targets]
        if inner in PRIVATE_SOLVERS:  # liblinear's drivers, not values of the models' solver
            for model in old:
                model._private_solver = inner
        hooks = None
        if getattr(self, "_skl_callbacks", None) and self.solver == "lbfgs" and not ovr:
            self.classes_ = classes  # the hooks' models predict
            hooks = _IterationHooks(self, X, y, sample_weight, len(classes))
            old[0]._on_iterate = hooks.iterate
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                for model, target in zip(old, targets):
                    model.set_params(**params).fit(fit_X, target, sample_weight=sw)
            finally:
                old[0].__dict__.pop("_on_iterate", None)
                for model in old:
                    model.__dict__.pop("_private_solver", None)
        if hooks is not None:
            hooks.close(old[0].coef_, old[0].intercept_, old[0].n_iter_)
        n_iter = np.array([m.n_iter_ for m in old], dtype=np.int32)
        for w in caught:  # re-issued so that they point at the caller's line, once each
            message = w.message
            if issubclass(w.category, ConvergenceWarning):
                message = _convergence_message(self.solver, inner, int(n_iter.max()), str(message))
            warnings.warn(message, w.category, stacklevel=4)  # _fit, fit, wrapper
        self.estimators_ = old
        self.classes_ = classes
        self.coef_ = np.vstack([m.coef_ for m in old])
        self.intercept_ = np.concatenate([m.intercept_ for m in old])
        if liblinear and self.fit_intercept:  # the constant feature's weight, scaled
            self.intercept_ = self.coef_[:, -1] * self.intercept_scaling
            self.coef_ = np.ascontiguousarray(self.coef_[:, :-1])
        self.alpha_ = alpha
        self.n_iter_ = n_iter if ovr else n_iter[:1]
        self.loss_curve_ = [m.loss_curve_ for m in old] if ovr else old[0].loss_curve_
        self._l1_ratio = l1_ratio
        self._liblinear = liblinear
        return self

    def _penalty_for_inference(self):
        if getattr(self, "_liblinear", False):
            raise ValueError(
                "summary() and odds-ratio intervals are not available for solver='liblinear' "
                "models: liblinear penalises the intercept, which the inference does not "
                "model. Refit with solver='lbfgs'."
            )
        return float(self.alpha_), float(self._l1_ratio)

    def _is_ovr(self):
        return self.multi_class == "ovr" and len(self.classes_) > 2

    def decision_function(self, X: MatrixLike) -> FloatArray:
        """Raw scores ``X @ coef_.T + intercept_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) when ``coef_`` has one
        row (two classes)
        """
        check_is_fitted(self)
        if not sparse.issparse(self.coef_):
            return SoftmaxRegression.decision_function(self, X)
        X = check_X(self, X, reset=False)  # after sparsify(): scipy's sparse product
        scores = np.asarray(
            (X @ self.coef_.T).toarray() if sparse.issparse(X) else X @ self.coef_.T
        )
        scores = scores + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def sparsify(self) -> LogisticRegression:
        """Store ``coef_`` as a scipy CSR matrix (scikit-learn's ``SparseCoefMixin``).

        Worth it when most weights are zero (an L1 fit): predictions then use a sparse
        product. ``densify`` undoes it. Returns self.
        """
        check_is_fitted(self)
        if not sparse.issparse(self.coef_):
            self.coef_ = sparse.csr_matrix(self.coef_)
        return self

    def densify(self) -> LogisticRegression:
        """Store ``coef_`` as a dense ndarray again (the default). Returns self."""
        check_is_fitted(self)
        if sparse.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def predict_proba(self, X: MatrixLike) -> FloatArray:
        """Class probabilities, columns in the order of ``classes_``.

        For "ovr" with 3+ classes, each binary model's probability divided by their sum
        over the classes (scikit-learn's old one-vs-rest rule).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self._is_ovr():
            p = expit(self.decision_function(X))
            p /= p.sum(axis=1, keepdims=True)
            return p
        return SoftmaxRegression.predict_proba(self, X)

    def predict_log_proba(self, X: MatrixLike) -> FloatArray:
        """Log of ``predict_proba`` (computed stably for the softmax and binary models).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self._is_ovr():
            return np.log(self.predict_proba(X))
        return SoftmaxRegression.predict_log_proba(self, X)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Class with the largest score per sample.

        Returns
        -------
        ndarray of shape (n_samples,), taken from ``classes_``
        """
        return SoftmaxRegression.predict(self, X)


# scikit-learn's text of the max_iter ConvergenceWarning for the solvers softmaxreg runs as
# another one (users and scikit-learn's tests filter on it); softmaxreg's message follows.
_CONVERGENCE_LEADS = {
    "newton-cg": "newton-cg failed to converge after {n} iteration(s). Increase the number "
    "of iterations.",
    "newton-cholesky": "Newton solver did not converge after {n} iterations.",
    "liblinear": "Liblinear failed to converge, increase the number of iterations.",
}


def _convergence_message(solver, inner, n_iter, message):
    """The ConvergenceWarning text for the user's ``solver``, run as ``inner``
    (see ``_CONVERGENCE_LEADS``)."""
    lead = _CONVERGENCE_LEADS.get(solver)
    if lead is None:
        return message
    return f"{lead.format(n=n_iter)} softmaxreg ran {solver!r} as {inner!r}: {message}"


def _liblinear_driver(l1_ratio, dual, alpha):
    """The driver that fits liblinear's objective for these settings.

    L1: L-BFGS-B on the split weights ("lbfgs-l1"), which copes with the constant column
    of a large ``intercept_scaling`` where SAGA's step, bounded by the largest row norm,
    crawls. L2: liblinear's own trust-region Newton iterations ("tron"), so that the model
    at liblinear's loose default ``tol`` is liblinear's model, not merely one within
    ``tol`` of it. ``dual=True`` (L2): "saga", whose random sample order stands in for
    liblinear's dual coordinate descent. No penalty: "lbfgs".
    """
    if l1_ratio > 0.0:
        return "lbfgs-l1"
    if dual:
        return "saga"
    return "tron" if alpha > 0.0 else "lbfgs"


def _liblinear_design(X, fit_intercept, intercept_scaling):
    """X in float64 with a constant column of ``intercept_scaling`` appended (when
    ``fit_intercept``): liblinear's design, whose last weight times ``intercept_scaling``
    is the intercept, penalised like any weight. A new array (X itself is not changed)."""
    if sparse.issparse(X):
        X = X.astype(np.float64)
        if fit_intercept:
            column = np.full((X.shape[0], 1), float(intercept_scaling))
            X = sparse.hstack([X, sparse.csr_matrix(column)], format="csr")
        return X
    X = np.asarray(X, dtype=np.float64)
    if fit_intercept:
        X = np.hstack([X, np.full((X.shape[0], 1), float(intercept_scaling))])
    return np.ascontiguousarray(X)


class _IterationHooks:
    """scikit-learn's callback tasks of an lbfgs fit: the fit, then one task per iteration.

    As scikit-learn's L-BFGS bridge does: each iteration's task begins with the model at
    the previous iterate and ends with the model at its own; one empty task follows the
    last (L-BFGS asks for the next iteration before it stops); a fit of no iteration
    still has one iteration task.
    """

    def __init__(self, est, X, y, sample_weight, n_classes):
        self.est = est
        self.data = dict(
            X=X, y=y, metadata=None if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.dtype = X.dtype
        self.n_features = X.shape[1]
        self.n_columns = 1 if n_classes == 2 else n_classes
        self.n_iterations = 0
        self.root = est._init_callback_context(max_subtasks=max(est.max_iter, 1) + 1)
        self.root.call_on_fit_task_begin(estimator=est, **self.data)
        start = np.zeros((self.n_features + 1) * self.n_columns)
        coef = getattr(est, "coef_", None) if est.warm_start else None
        if coef is not None and np.shape(coef) == (self.n_columns, self.n_features):
            start = np.concatenate([np.asarray(coef).T.ravel(), est.intercept_])
        self.start = start
        self.task = self._begin(start)

    def _model(self, params):
        d, K = self.n_features, self.n_columns
        coef = np.array(params[: d * K].reshape(d, K).T, dtype=self.dtype)
        intercept = np.array(params[d * K :], dtype=self.dtype)
        if not self.est.fit_intercept:
            intercept[:] = 0.0
        return {"coef_": coef, "intercept_": intercept}

    def _begin(self, params):
        task = self.root.subcontext(task_name="lbfgs-iter")
        task.call_on_fit_task_begin(
            estimator=self.est, reconstruction_attributes=self._model(params), **self.data
        )
        return task

    def iterate(self, params):
        """End the iteration that produced ``params`` and begin the next one."""
        params = np.array(params, dtype=np.float64)
        self.n_iterations += 1
        self.task.call_on_fit_task_end(
            estimator=self.est, reconstruction_attributes=self._model(params), **self.data
        )
        self.task = self._begin(params)

    def close(self, coef, intercept, n_iter):
        """End the empty last task and the fit's task (after a successful fit)."""
        if self.n_iterations == 0:
            self.iterate(self.start)
        self.task.call_on_fit_task_end(estimator=self.est)
        self.root.call_on_fit_task_end(
            estimator=self.est,
            reconstruction_attributes={},
            **self.data,
        )
