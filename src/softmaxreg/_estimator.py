"""SoftmaxRegression: the scikit-learn estimator around the kernels and solvers."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields
from types import SimpleNamespace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._diagnostics import check_feature_scales
from ._inference import InferenceMixin
from ._kernels import predict as _predict
from ._kernels import softmax as _softmax
from ._objective import MIN_WORK_PER_THREAD, Objective, params_from_coef
from ._solvers.contract import SGDSettings, SolverResult
from ._solvers.progress import ProgressLog
from ._solvers.registry import PRIVATE_SOLVERS, SOLVERS, choose_solver
from ._solvers.sgd import new_state, partial_fit_pass, penalty, settle_weights
from ._threads import effective_n_threads
from ._typing import Callback, ClassWeight, FloatArray, MatrixLike, RandomStateLike
from ._validation import (
    check_params,
    check_sample_weight,
    check_X,
    check_X_y,
    effective_sample_weight,
    encode_labels,
)


def _solver_is_sgd(est):
    """partial_fit exists only for solver="sgd" (so ``hasattr`` tells, as in scikit-learn)."""
    if est.solver != "sgd":
        raise AttributeError(
            f"partial_fit is only available with solver='sgd', got solver={est.solver!r}; "
            "use fit, or set solver='sgd'."
        )
    return True


@contextmanager
def _restore_on_error(est):
    """Put back the estimator's attributes if the body raises (KeyboardInterrupt included)."""
    saved = dict(est.__dict__)
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(saved)
        raise


def linear_scores(X, coef, intercept, n_threads=1):
    """``X @ coef.T + intercept`` as a C-ordered array of the two dtypes' result type.

    CSR X goes through the threaded Cython kernel ``_predict.linear_scores`` (feature-major
    weights, prefetch of the next row's weights; on one thread 20 ms of CPU against 35 ms
    for scipy's product on the 20newsgroups test set); dense X through BLAS.
    """
    dtype = np.result_type(X.dtype, coef.dtype)
    if not sp.issparse(X):
        scores = np.ascontiguousarray(X @ coef.T, dtype=dtype)
        scores += intercept
        return scores
    W = np.ascontiguousarray(coef.T, dtype=np.float64)
    scores = np.empty((X.shape[0], coef.shape[0]))
    work = X.nnz * coef.shape[0]
    n_threads = int(max(1, min(n_threads, work // MIN_WORK_PER_THREAD)))
    _predict.linear_scores(
        X.data,
        X.indices,
        X.indptr,
        X.shape[1],
        W,
        np.asarray(intercept, dtype=np.float64),
        scores,
        n_threads,
    )
    return scores.astype(dtype, copy=False)


def feature_major_coef(W, dtype):
    """``coef_`` of shape (K, n_features) as the transpose of a C-ordered (n_features, K) copy of W.

    The kernels read weights feature-major, so ``coef_.T`` is then used as it is, with no
    transposed copy per ``predict`` call (5 ms on the 20newsgroups test set).
    """
    return np.array(W, dtype=dtype, order="C").T


def warm_start_params(est, objective, classes, n_features):
    """Initial parameters ``[W.ravel(), b]`` of a fit: zeros, or with ``warm_start=True``
    the estimator's ``coef_``/``intercept_`` when its classes and shape match.

    ``objective`` gives ``n_params``, ``n_columns`` and ``binomial`` (the in-memory and the
    Dask objective both do).
    """
    params = np.zeros(objective.n_params + objective.n_columns)
    if (
        est.warm_start
        and hasattr(est, "coef_")
        and np.array_equal(getattr(est, "classes_", None), classes)
        and est.coef_.shape == (objective.n_columns, n_features)
    ):
        params = params_from_coef(est.coef_, est.intercept_, objective.binomial)
        if not est.fit_intercept:
            params[objective.n_params :] = 0.0
    return params


def solver_settings(est, settings_class):
    """The settings dataclass of a solver (``softmaxreg._solvers.contract``), from the
    estimator's hyper-parameters of the same names."""
    return settings_class(**{f.name: getattr(est, f.name) for f in fields(settings_class)})


# The attribute in which the estimator keeps a solver's warm-start state between calls.
_STATE_ATTRIBUTES = {"sgd": "_sgd_state", "sag": "_sag_state", "saga": "_sag_state"}


def set_fitted(est, classes, W, b, dtype, n_iter, curve, own=False):
    """Set ``classes_``, ``coef_`` (feature-major storage), ``intercept_`` (zeros without
    an intercept), ``n_iter_`` and ``loss_curve_`` from a solver's result.

    ``own``: W is a fresh array nobody else holds, used as ``coef_.T`` without a copy when
    it has the dtype (``partial_fit`` on a stream: one copy of a 2**20-feature model less).
    """
    est.classes_ = classes
    if own and W.dtype == dtype and W.flags.c_contiguous:
        est.coef_ = W.T
    else:
        est.coef_ = feature_major_coef(W, dtype)
    est.intercept_ = np.array(b if est.fit_intercept else np.zeros_like(b), dtype=dtype)
    est.n_iter_ = n_iter
    est.loss_curve_ = curve


class SoftmaxRegression(InferenceMixin, ClassifierMixin, BaseEstimator):
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
    solver : {"auto", "lbfgs", "sgd", "sag", "saga"}, default="auto"
        Optimiser. "auto" picks one for the data (recorded in ``solver_``): "saga" when
        ``l1_ratio > 0``; "lbfgs" for dense X, ``alpha=0``, few features (``n_features
        <= 16 K``), small data (``nnz * K < 100,000``) or rows of uneven scale (the
        largest weighted ``||x_i||^2`` over 10x their mean, e.g. raw counts); "sag" for
        other sparse X, such as L2-normalised TF-IDF (BENCHMARKS.md: a default fit on
        20newsgroups TF-IDF took 0.7-1.7 s
        against 15-17 s with "lbfgs", and ended closer to the optimum). A fit that runs
        "sag" depends on ``random_state``. "lbfgs" uses scipy's L-BFGS-B on the Cython
        loss and gradient, in whitened coordinates when X has few features (the same
        objective, fewer iterations).
        "sgd" is mini-batch SGD on the true softmax loss (any ``l1_ratio``; the only
        solver with ``partial_fit``). "sag" (L2 only) and "saga" (any ``l1_ratio``, exact
        zeros) are stochastic average gradient methods with lazy sparse updates, one
        pass over the rows per iteration; they suit large sparse data. SAG can oscillate
        when the problem is weakly regularised; SAGA is the more robust of the two.
    fit_intercept : bool, default=True
        Fit one unpenalised intercept per class (one for two classes).
    tol : float, default=1e-4
        Stopping tolerance. For "lbfgs": the max-norm of the projected gradient. For
        "sgd": the fit stops when the epoch's objective estimate (or, with
        ``early_stopping``, the validation accuracy) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs in a row. "sag"/"saga": stop after an epoch in which
        no weight or intercept changed by more than ``tol`` times the largest one in
        absolute value.
    max_iter : int, default=100
        Maximum number of iterations (epochs for "sgd", "sag", "saga"); reaching it warns
        with ``ConvergenceWarning``. 0 runs no iteration: the model is the start point
        (zeros, or the warm start), to inspect a model before any update.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights. "balanced" gives class
        ``k`` the weight ``S / (n_classes * S_k)``, ``S_k`` the total sample weight of its
        samples (their count when unweighted), as scikit-learn does.
    warm_start : bool, default=False
        Start from the previous ``coef_``/``intercept_`` when the classes and features
        match. "sag"/"saga" also keep their gradient memory (K numbers per sample) when
        the number of samples and the dtype match, so a refit from the optimum stops
        after an epoch or two.
    random_state : int, RandomState instance or None, default=None
        Seed for the stochastic solvers (unused by "lbfgs"): "sag" draws each epoch's
        rows from it (with replacement), "saga" a fresh permutation each epoch, "sgd"
        its shuffles and validation split.
    n_jobs : int or None, default=None
        Threads, with scikit-learn's meaning for OpenMP code: None takes the OpenMP
        runtime's budget (``OMP_NUM_THREADS``, threadpoolctl's ``threadpool_limits``,
        joblib's inner limit in its workers, so a fit inside ``GridSearchCV(n_jobs=-1)``
        runs on one thread), capped by the cores this process may use (affinity, container
        quota); -1 every core this process may use, -2 one fewer; a positive number that
        many at most. "lbfgs" splits its loss/gradient pass over row blocks; "sgd", "sag"
        and "saga" split the classes into parts of four, one part a thread, when a row
        carries at least 1000 multiply-adds (nonzeros x classes; 1600 for "sgd"), there are
        8 classes or more and a core is free as the fit starts. Their threads wait for each
        other at every row, so the fit times its threaded and one-thread epochs and keeps
        the faster: when another process takes a core, it goes on on one thread. The model
        is the same for every setting; small problems run on one thread.
    verbose : int, default=0
        When > 0, print a line per iteration ("lbfgs") or epoch ("sgd", "sag", "saga")
        to stderr: the objective (see ``loss_curve_``) and the elapsed time.
    callback : callable or None, default=None
        Called after each iteration/epoch as ``callback(record)`` with a dict
        ``{"solver": str, "iteration": int, "objective": float, "elapsed": float}``
        (iteration or epoch number from 1, the value recorded in ``loss_curve_``,
        seconds since the solver started; "sag"/"saga" add ``"relative_change"``,
        "sgd" with ``early_stopping`` ``"validation_accuracy"``; "sgd", "sag" and "saga"
        ``"n_threads"``, the most threads a kernel call of the epoch ran on). A true
        return value stops the fit after this iteration, without a
        ``ConvergenceWarning``; ``n_iter_`` then counts the iterations run. Not called by
        ``partial_fit``.
    batch_size : int, default=1
        "sgd": rows per step; the step uses their mean gradient.
    learning_rate : {"auto", "adagrad", "optimal", "invscaling", "constant", \
"adaptive"}, default="auto"
        "sgd" step size schedule over steps t = 1, 2, ... "auto": "adagrad" for
        ``partial_fit`` (and for ``fit`` with ``alpha=0`` or ``average="linear"``),
        "optimal" for ``fit``, and "optimal" for mini-batches. A stream's few passes are
        where "adagrad" wins: five ``partial_fit`` passes over three TF-IDF corpora at
        ``C=10`` ended 2.3-2.7% above the optimal objective, against 16-43% for
        "optimal"; run to ``tol`` by ``fit`` on 20newsgroups, "optimal" ended 0.15% above
        it in 77 cheaper epochs where "adagrad" ended 0.55% above in 53.
        "adagrad" (row-wise AdaGrad): a step per feature, ``eta0 / G**power_t`` with
        ``G`` the sum of the squared norms of the loss gradients of the feature's
        weights so far, the penalty taken as an exact proximal step and applied lazily to
        the weights of sparse rows (one row a step: ``batch_size`` must be 1). Rare
        features keep long steps while frequent ones settle. Its steps do not depend on
        ``alpha``, so weakly and strongly regularised fits take the same steps.
        The other schedules are those of ``SGDClassifier``: "optimal" ``1 / (alpha *
        (t0 + t - 1))`` with scikit-learn's t0 heuristic, "invscaling" ``eta0 /
        t**power_t``, "constant" ``eta0``, "adaptive" ``eta0`` divided by 5 each time
        ``n_iter_no_change`` epochs bring no improvement.
    eta0 : float, default=None
        "sgd" initial step size (unused by "optimal"); "adagrad"'s base step. None: 2.0
        for "adagrad" (TF-IDF-scaled rows), 0.01 for the others.
    power_t : float, default=None
        "sgd" exponent of "invscaling", and of "adagrad"'s ``G`` (>= 0). None: 0.2 for
        "adagrad" (AdaGrad's own 0.5 shrinks the steps too soon for weakly regularised
        problems: 6-11% above the optimum in the same test), 0.5 for "invscaling".
    average : bool, int or "linear", default=None
        "sgd": return the average of the iterates (averaged SGD, computed lazily);
        an int n starts averaging after n samples have been seen. ``True`` averages from
        the first step, so with "optimal" its large early steps are part of the average;
        an int start leaves them out. "linear" ("adagrad" only) weights step t by t,
        which forgets the early iterates without knowing how many steps will follow (a
        stream's length is not known in advance). None: "linear" for "adagrad", False
        for the others.
    shuffle : bool, default=True
        "sgd": visit the rows in a fresh random order each epoch (seeded by
        ``random_state``).
    early_stopping : bool, default=False
        "sgd" ``fit``: hold out a stratified ``validation_fraction`` of the rows and stop
        when their accuracy stops improving (instead of the training objective).
        ``partial_fit`` ignores it.
    validation_fraction : float in (0, 1), default=0.1
        "sgd": share of the rows held out for ``early_stopping``.
    n_iter_no_change : int, default=5
        "sgd": epochs without improvement before stopping.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for two classes
        Same dtype as the training X (float32 or float64).
    intercept_ : ndarray of shape (n_classes,), or (1,) for two classes
    n_iter_ : int
        Iterations run by the solver.
    loss_curve_ : ndarray of shape (n_iter_,), float64
        The objective recorded after each iteration or epoch. "lbfgs": the exact
        objective at the iterate. "sgd", "sag", "saga": the weighted average of the
        per-sample losses over the epoch's visits, each at the weights of the time
        (before the step), plus the penalty at the epoch's end: an estimate that costs no
        extra pass over the data, lags the weights by up to an epoch and need not
        decrease monotonically. ``partial_fit`` appends one such value per call.
    solver_ : str
        The solver the fit ran (what "auto" chose, else ``solver``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.
    """

    def __init__(
        self,
        alpha: float = 1e-4,
        l1_ratio: float = 0.0,
        solver: str = "auto",
        fit_intercept: bool = True,
        tol: float = 1e-4,
        max_iter: int = 100,
        class_weight: ClassWeight = None,
        warm_start: bool = False,
        random_state: RandomStateLike = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        batch_size: int = 1,
        learning_rate: str = "auto",
        eta0: float | None = None,
        power_t: float | None = None,
        average: bool | int | str | None = None,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        callback: Callback | None = None,
    ) -> None:
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
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.average = average
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.callback = callback

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(
        self, X: MatrixLike, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> SoftmaxRegression:
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
        with _restore_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        check_params(self)
        X, y = check_X_y(self, X, y)
        classes, y_index = encode_labels(y)
        sw = effective_sample_weight(
            check_sample_weight(sample_weight, X.shape[0]),
            self.class_weight,
            y_index,
            classes=classes,
            y=y,
        )
        objective = Objective(
            X,
            y_index,
            sw,
            len(classes),
            self.alpha,
            self.l1_ratio,
            self.fit_intercept,
            n_threads=effective_n_threads(self.n_jobs),
            feature_names=getattr(self, "feature_names_in_", None),
        )
        # _private_solver: set by LogisticRegression for a driver of PRIVATE_SOLVERS
        solver = self.__dict__.get("_private_solver") or choose_solver(self.solver, objective)
        if solver in ("sgd", "sag", "saga"):
            check_feature_scales(X, stacklevel=4)  # fit -> _fit -> here: the caller's line
        params0 = warm_start_params(self, objective, classes, X.shape[1])
        self._sgd_state = None  # solver="sgd" returns its state for partial_fit
        attribute = _STATE_ATTRIBUTES.get(solver)
        state = getattr(self, attribute, None) if attribute and self.warm_start else None
        entry = SOLVERS[solver] if solver in SOLVERS else PRIVATE_SOLVERS[solver]
        # _on_iterate: set by LogisticRegression around a fit, for scikit-learn's callbacks
        progress = ProgressLog(
            solver, self.verbose, self.callback, getattr(self, "_on_iterate", None)
        )
        if self.max_iter == 0:  # the start point itself: zeros or the warm start
            result = SolverResult(params0, 0, progress.curve(), state)
        else:
            result = entry.fit(
                objective, params0, solver_settings(self, entry.settings), progress, state
            )
        if not np.all(np.isfinite(result.params)):
            raise FloatingPointError(
                "softmaxreg: the fit produced non-finite weights; check the scale of X "
                "(try StandardScaler or MaxAbsScaler) or increase alpha."
            )
        if attribute is not None:
            if result.state is None:  # nothing kept (SAG's memory without warm_start)
                self.__dict__.pop(attribute, None)
            else:
                setattr(self, attribute, result.state)
        W, b = objective.split(result.params)
        set_fitted(self, classes, W, b, X.dtype, result.n_iter, result.loss_curve)
        self.solver_ = solver
        return self

    @available_if(_solver_is_sgd)
    def partial_fit(
        self,
        X: MatrixLike,
        y: npt.ArrayLike,
        classes: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> SoftmaxRegression:
        """One pass of SGD over the given rows (``solver="sgd"`` only), keeping the state.

        The step count, learning-rate schedule, averaging and shuffling generator carry
        over from call to call, so calls over the chunks of a stream continue one SGD
        run; after ``fit(solver="sgd")`` they continue that fit's run (after another
        solver, from its ``coef_`` with a new schedule). The sample weights are used as
        given (``fit`` divides them by their mean).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Same number of features on every call.
        y : array-like of shape (n_samples,)
            Labels, each one of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All the labels the stream will contain (at least two). Required on the first
            call; later calls may omit it or must repeat the same set.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        with _restore_on_error(self):
            return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight, stream=False):
        """``partial_fit``; with ``stream`` (``softmaxreg.stream``'s loop over a file's
        chunks), the state is updated in place and the model is not written: the
        stream discards the estimator on an error and reads the model only at the end
        of a pass (``_settle_stream``), so a chunk costs no pass over a 2**20-feature
        model. Returns the chunk's mean loss then."""
        check_params(self)
        first = not hasattr(self, "classes_")
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes!r} differs from the classes of earlier calls "
                    f"{self.classes_!r}; a model cannot change its classes."
                )
        elif first:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the array of "
                "every label the data will contain, e.g. classes=np.unique(y_all)."
            )
        else:
            classes = self.classes_
        X, y = check_X_y(self, X, y, reset=first)
        if first:
            check_feature_scales(X, stacklevel=4)
        classes, y_index = encode_labels(y, classes)
        sw = effective_sample_weight(
            check_sample_weight(sample_weight, X.shape[0]),
            self.class_weight,
            y_index,
            classes=classes,
            partial_fit=True,
            allow_zero_sum=True,
        )
        objective = Objective(
            X, y_index, sw, len(classes), self.alpha, self.l1_ratio, self.fit_intercept
        )
        state = getattr(self, "_sgd_state", None)
        settings = solver_settings(self, SGDSettings).resolve(
            partial=True, alpha=self.alpha, previous=getattr(state, "rate", None)
        )
        if state is None or state.dtype != X.dtype:
            params0 = np.zeros(objective.n_params + objective.n_columns)
            if not first:
                params0 = params_from_coef(self.coef_, self.intercept_, objective.binomial)
            state = new_state(objective, params0, settings)
        if stream:
            state = partial_fit_pass(state, objective, settings, copy=False, settle=False)
            self.classes_ = classes
            self._sgd_state = state
            return state.loss / objective.total_weight if objective.total_weight > 0 else 0.0
        state = partial_fit_pass(state, objective, settings)
        W, b = state.weights()  # finite: partial_fit_pass raises otherwise
        curve = list(getattr(self, "loss_curve_", [])) if not first else []
        log = ProgressLog("sgd", self.verbose)
        log.values = curve
        log(len(curve) + 1, state.loss / objective.total_weight + penalty(state, objective))
        set_fitted(self, classes, W, b, X.dtype, 1, log.curve(), own=True)
        self._sgd_state = state
        return self

    def _settle_stream(self, loss):
        """End of a stream's pass: bring the weights up to date, write the model, and
        append ``loss`` (the pass's mean loss) plus the penalty to ``loss_curve_``."""
        state = self._sgd_state
        settings = solver_settings(self, SGDSettings).resolve(
            partial=True, alpha=self.alpha, previous=state.rate
        )
        settle_weights(state, self.alpha, self.l1_ratio, settings)
        W, b = state.weights()
        objective = SimpleNamespace(alpha=self.alpha, l1_ratio=self.l1_ratio)
        curve = [*getattr(self, "loss_curve_", []), loss + penalty(state, objective)]
        set_fitted(self, self.classes_, W, b, state.dtype, 1, curve, own=True)
        return curve[-1]

    def decision_function(self, X: MatrixLike) -> FloatArray:
        """Raw scores ``X @ coef_.T + intercept_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            For two classes, the log-odds of ``classes_[1]``.
        """
        check_is_fitted(self)
        X = check_X(self, X, reset=False)
        scores = linear_scores(X, self.coef_, self.intercept_, effective_n_threads(self.n_jobs))
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X: MatrixLike) -> FloatArray:
        """Class probabilities, columns in the order of ``classes_``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = np.empty((scores.shape[0], 2), dtype=scores.dtype)
            p[:, 1] = expit(scores)
            p[:, 0] = expit(-scores)  # not 1 - p[:, 1]: exact for tiny probabilities
            return p
        _softmax.softmax_rows(scores, scores)
        return scores

    def predict_log_proba(self, X: MatrixLike) -> FloatArray:
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

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Most probable class per sample.

        Returns
        -------
        ndarray of shape (n_samples,), taken from ``classes_``
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]
