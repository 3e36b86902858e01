"""The SGD driver: epochs, stopping rules and the state ``partial_fit`` carries between calls.

The kernel (``_sgd.pyx``) runs SGD steps over a slice of a row order and keeps every
scalar it needs in ``SGDState.state``, so this module can cut an epoch into chunks of
about ``CHUNK_WORK`` multiply-adds (a few hundredths of a second each; shorter probes
while ``softmaxreg._threads.ThreadPacer`` times the threaded and one-thread runs) and
Ctrl-C is honoured between chunks. All work happens on a copy of the state; the caller only
stores it when the pass or fit succeeds, so an interrupted call leaves the estimator
as it was.

Sample weights: ``fit`` divides them by their mean over the training rows, so one step
is an unbiased estimate of a step on the objective ``(1/S) sum_i s_i loss_i + penalty``
whatever the weights' scale; ``partial_fit`` uses them as given (as scikit-learn's
``SGDClassifier.partial_fit`` does), so weights keep their meaning across calls.
"""

import numpy as np
from sklearn.utils import check_random_state

from .._kernels.select import sgd as _sgd
from .._threads import CHUNK_WORK, ThreadPacer, free_threads
from .contract import SolverResult, warn_not_converged
from .parts import MIN_SGD_ROW_WORK, SgdPart, class_parts, on_cache_lines, thread_parts

_S = _sgd.STATE_FIELDS

DIVERGED_MESSAGE = (
    "softmaxreg: SGD diverged: a score became non-finite (the step size is too large for "
    "the scale of X). Lower eta0, use learning_rate='optimal' or 'adaptive', or scale the "
    "features (StandardScaler for dense X, MaxAbsScaler or row normalisation for sparse X)."
)


def optimal_init(alpha):
    """t0 of the "optimal" schedule ``eta = 1 / (alpha * (t0 + t - 1))``.

    scikit-learn's heuristic for the log loss: the first step is ``typw = alpha**-0.25``
    (the typical weight size), so ``t0 = 1 / (typw * alpha)``.
    """
    typw = np.sqrt(1.0 / np.sqrt(alpha))
    return 1.0 / (typw * alpha)


def average_start(average):
    """Samples seen before averaging starts: 0 (no averaging) for False, 1 for True and
    "linear"."""
    if average is True or average == "linear":
        return 1
    if average is False:
        return 0
    return int(average)


class SGDState:
    """Everything SGD carries from step to step and from one ``partial_fit`` to the next.

    The model's classes are stored in parts (class ranges, ``softmaxreg._solvers.parts``; one
    part unless the rows carry enough work for threads): per part the scaled weights
    ``V`` (n_features, k) in X's dtype, its intercepts, L1 record ``Q`` and averaged sum
    ``A`` (flat, float64, empty when unused), and a copy of the kernel's scalars
    (``state``: the same values in every part).

    Parameters
    ----------
    W : ndarray of shape (n_features, K)
        Starting weights (copied, stored in ``dtype``).
    intercept : ndarray of shape (K,)
    dtype : float32 or float64
        X's dtype; the weights are stored in it.
    l1 : bool
        Keep the per-weight L1 record (``l1_ratio > 0``).
    average : bool
        Keep the averaged-sum arrays.
    ranges : list of (k_off, k), default=None
        The class parts (``softmaxreg._solvers.parts.class_parts``); None for one part.
    """

    def __init__(self, W, intercept, dtype, l1, average, ranges=None):
        W = np.asarray(W)
        self.dtype = np.dtype(dtype)
        self.shape = W.shape
        self.ranges = list(ranges) if ranges is not None else [(0, W.shape[1])]
        self.V = [on_cache_lines(W[:, o : o + k], dtype) for o, k in self.ranges]
        self.intercept = [np.array(intercept[o : o + k], dtype=np.float64) for o, k in self.ranges]
        self.Q = [np.zeros(V.size) if l1 else np.empty(0) for V in self.V]
        self.A = [on_cache_lines(np.zeros(V.size)) if average else np.empty(0) for V in self.V]
        self.A_intercept = [np.zeros(k) for _, k in self.ranges]
        self.state = [np.zeros(_sgd.STATE_SIZE) for _ in self.ranges]
        # learning_rate="adagrad" only (empty until its first pass, ``use_adagrad``)
        self.G = [np.empty(0) for _ in self.ranges]
        self.G_intercept = [np.empty(0) for _ in self.ranges]
        self.E = [np.empty(0) for _ in self.ranges]
        self.last = [np.empty(0) for _ in self.ranges]
        self.set_scalar("wscale", 1.0)
        self.rng = None  # the shuffling RandomState of partial_fit
        # sum of squares and of |.| of V after the last pass (run_pass), for the penalty
        self.sums = self.weight_sums()[:2]
        self.eta = None  # current eta of the "adaptive" schedule
        self.rate = None  # the learning rate of the last pass

    def copy(self):
        """A deep copy (the random generator's state included)."""
        new = SGDState.__new__(SGDState)
        for name, value in self.__dict__.items():
            if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
                value = [on_cache_lines(a) for a in value]
            new.__dict__[name] = value
        new.ranges = list(self.ranges)
        if self.rng is not None:
            new.rng = np.random.RandomState()
            new.rng.set_state(self.rng.get_state())
        return new

    def __setstate__(self, values):
        # a state pickled before the weighted average kept one scalar less: its average
        # (if any) is a plain one, whose weights sum to the steps it holds
        self.__dict__.update(values)
        states = self.__dict__.get("state", [])
        if states and states[0].size < _sgd.STATE_SIZE:
            self.state = [
                np.concatenate([st, np.zeros(_sgd.STATE_SIZE - st.size)]) for st in states
            ]
            self.set_scalar("avg_weight", self.state[0][_S["n_avg"]])

    def __getattr__(self, name):
        if name in _S:
            return self.__dict__["state"][0][_S[name]]
        if name == "rate" and "ranges" in self.__dict__:
            return None  # a state pickled before the schedule was recorded
        if name in ("G", "G_intercept", "E", "last") and "ranges" in self.__dict__:
            # a state pickled before "adagrad" existed: none of its arrays yet
            value = self.__dict__[name] = [np.empty(0) for _ in self.__dict__["ranges"]]
            return value
        raise AttributeError(name)

    def set_scalar(self, name, value):
        """Set one of the kernel's scalars (``STATE_FIELDS``) in every part."""
        for state in self.state:
            state[_S[name]] = value

    def kernel_parts(self, batch_rows):
        """The parts as ``_sgd.sgd_pass`` takes them, with residual buffers of
        ``batch_rows`` rows."""
        return [
            SgdPart(o, V, b, Q, A, Ai, st, np.empty((batch_rows, k)), G, Gi, E, last)
            for (o, k), V, b, Q, A, Ai, st, G, Gi, E, last in zip(
                self.ranges,
                self.V,
                self.intercept,
                self.Q,
                self.A,
                self.A_intercept,
                self.state,
                self.G,
                self.G_intercept,
                self.E,
                self.last,
            )
        ]

    def adagrad_scale(self, rows):
        """The mean squared row norm of the first rows "adagrad" met (1 for unit rows such
        as TF-IDF's), fixed from then on.

        AdaGrad's step ``eta0 / G**power_t`` adapts to the gradients' scale only to the
        power ``power_t``: dividing ``eta0`` by this scale to the power ``1 - power_t``
        makes the steps follow when X is multiplied by a constant, so that one default
        ``eta0`` serves unit rows and raw features alike.
        """
        scale = self.__dict__.get("row_scale")
        if scale is None:
            sq, _ = rows.squared_norms()
            scale = float(np.mean(sq)) if sq.size else 1.0
            if not (np.isfinite(scale) and scale > 0.0):
                scale = 1.0
            self.row_scale = scale
        return scale

    def use_adagrad(self, eta0, power_t):
        """Prepare a pass of ``learning_rate="adagrad"``: its per-feature arrays on
        the first one, and the steps ``E`` at this pass's ``eta0`` and ``power_t`` (either may
        have changed since the last); weights in plain form (``wscale`` 1, averaged sum
        ``A`` itself) and no L1 owed, as an earlier pass of another schedule may have
        left them."""
        if self.G[0].size != self.shape[0]:
            self.G = [np.zeros(V.shape[0]) for V in self.V]
            self.G_intercept = [np.zeros(V.shape[1]) for V in self.V]
        if self.E[0].size != self.G[0].size:
            self.E = [on_cache_lines(np.zeros(G.size)) for G in self.G]
            self.__dict__["rates_for"] = None
        # the kernel keeps E current as G changes: recompute only for a new eta0/power_t
        if self.__dict__.get("rates_for") != (eta0, power_t):
            for G, E in zip(self.G, self.E):
                _sgd.adagrad_rates(G, E, eta0, power_t)
            self.__dict__["rates_for"] = (eta0, power_t)
        self.last = [
            np.full(V.shape[0], self.steps) if last.size == 0 else last
            for V, last in zip(self.V, self.last)
        ]
        if self.Q[0].size:
            for V, Q, A, st in zip(self.V, self.Q, self.A, self.state):
                _sgd.l1_catch_up(V, Q, A, st)
                Q[:] = 0.0
            self.set_scalar("u", 0.0)
        wscale, beta = self.wscale, self.beta
        if wscale != 1.0 or beta != 0.0:
            for V, A in zip(self.V, self.A):
                if A.size:
                    A += beta * V.ravel()
                V *= V.dtype.type(wscale)
            self.set_scalar("wscale", 1.0)
            self.set_scalar("beta", 0.0)

    def weight_sums(self):
        """Sum of squares and of |.| of V over the parts, and whether V and A are finite."""
        return _sgd.weight_sums(self.V, self.A, self.pacer().threads)

    def pacer(self):
        """The ThreadPacer of this state's parts, kept from pass to pass (and shared by
        copies: it holds timings only)."""
        pacer = self.__dict__.get("_pacer")
        if pacer is None or pacer.n_threads != len(self.ranges):
            pacer = self.__dict__["_pacer"] = ThreadPacer(len(self.ranges))
        return pacer

    def _write_model(self, out, average):
        """Write ``concat(W.ravel(), b)`` of the model into ``out`` (float64)."""
        n = self.shape[0] * self.shape[1]
        W = out[:n].reshape(self.shape)
        for (o, k), V, b, A, Ai in zip(
            self.ranges, self.V, self.intercept, self.A, self.A_intercept
        ):
            if average:
                np.multiply(V, self.beta, out=W[:, o : o + k], dtype=np.float64)
                W[:, o : o + k] += A.reshape(V.shape)
                W[:, o : o + k] /= self.avg_weight
                out[n + o : n + o + k] = Ai / self.avg_weight
            else:
                np.multiply(V, self.wscale, out=W[:, o : o + k], dtype=np.float64)
                out[n + o : n + o + k] = b
        return out

    def _averaged(self, average):
        return average and self.A[0].size > 0 and self.n_avg > 0

    def weights(self, average=True):
        """``(W, b)`` in float64: the averaged model when averaging has begun."""
        n = self.shape[0] * self.shape[1]
        out = self._write_model(np.empty(n + self.shape[1]), self._averaged(average))
        return out[:n].reshape(self.shape), out[n:]

    def params(self):
        """Flat parameter vector ``concat(W.ravel(), b)`` of the model (averaged if any).

        Written into one fresh array (page faults of new arrays are slow on VMs).
        """
        n = self.shape[0] * self.shape[1]
        return self._write_model(np.empty(n + self.shape[1]), self._averaged(True))


def new_state(objective, params0, settings):
    """An SGDState starting from the flat parameters ``params0`` for ``objective``
    (``settings``: an ``SGDSettings``)."""
    W, b = objective.split(params0)
    rows, K = objective.rows, objective.n_columns
    n_parts = thread_parts(settings.n_jobs, rows, K, _sgd.THREADS_AVAILABLE, MIN_SGD_ROW_WORK)
    if n_parts > 1:  # only then is it worth reading which cores are free
        n_parts = thread_parts(
            free_threads(n_parts), rows, K, _sgd.THREADS_AVAILABLE, MIN_SGD_ROW_WORK
        )
    return SGDState(
        W,
        b,
        objective.rows.dtype,
        objective.l1_ratio > 0,
        average_start(settings.average) > 0,
        class_parts(objective.n_columns, n_parts),
    )


def run_pass(state, objective, sample_weight, order, settings, eta, settle=True):
    """One pass of SGD steps over ``order``, in chunks; catches L1 up at the end.

    ``settle=False`` ("adagrad" only) leaves the weights the pass did not touch owing
    their steps (``last``) and takes no sums: a stream's chunks then cost no pass over
    the whole model each, and ``settle`` runs once where the weights are read.

    Raises FloatingPointError (with advice) when the kernel saw a non-finite score.
    """
    rows = objective.rows
    # l1_ratio or average may have been switched on between partial_fit calls
    if objective.l1_ratio > 0 and state.Q[0].size == 0:
        state.Q = [np.zeros(V.size) for V in state.V]
    if average_start(settings.average) > 0 and state.A[0].size == 0:
        state.A = [np.zeros(V.size) for V in state.V]
        state.set_scalar("beta", 0.0)
        state.set_scalar("n_avg", 0.0)
        state.set_scalar("avg_weight", 0.0)
        for Ai in state.A_intercept:
            Ai[:] = 0.0
    lr = _sgd.LEARNING_RATES[settings.learning_rate]
    state.rate = settings.learning_rate  # the schedule "auto" continues
    adagrad = settings.learning_rate == "adagrad"
    if adagrad:
        eta = eta / state.adagrad_scale(rows) ** (1.0 - settings.power_t)
        state.use_adagrad(eta, settings.power_t)
    else:
        state.last = [np.empty(0) for _ in state.ranges]  # "adagrad" leaves no steps owed
    alpha, l1_ratio = objective.alpha, objective.l1_ratio
    t0 = optimal_init(alpha) if settings.learning_rate == "optimal" else 0.0
    order = np.ascontiguousarray(order, dtype=np.intp)
    parts = state.kernel_parts(max(1, min(settings.batch_size, order.shape[0])))
    pacer = state.pacer()
    used = 1
    for start, stop, threads in pacer.chunks(
        rows.pass_cost(order, state.shape[1]), CHUNK_WORK, settings.batch_size
    ):
        status = _sgd.sgd_pass(
            rows.data,
            rows.indices,
            rows.indptr,
            rows.n_features,
            objective.y,
            sample_weight,
            order,
            start,
            stop,
            parts,
            objective.binomial,
            objective.fit_intercept,
            settings.batch_size,
            lr,
            eta,
            settings.power_t,
            alpha,
            l1_ratio,
            t0,
            average_start(settings.average),
            threads,
            linear_average=settings.average == "linear",
        )
        if status != 0:
            raise FloatingPointError(DIVERGED_MESSAGE)
        used = max(used, threads)
    if settle or not adagrad:
        settle_weights(state, alpha, l1_ratio, settings)
    return used


def settle_weights(state, alpha, l1_ratio, settings):
    """Bring every weight up to date (the steps "adagrad" or L1 still owe) and take the
    sums of the penalty; FloatingPointError if a weight is not finite."""
    if settings.learning_rate == "adagrad" and state.last[0].size:
        linear = settings.average == "linear"
        for V, E, A, last, st in zip(state.V, state.E, state.A, state.last, state.state):
            _sgd.adagrad_catch_up(V, E, A, last, st, alpha, l1_ratio, linear)
    elif state.Q[0].size:
        for V, Q, A, st in zip(state.V, state.Q, state.A, state.state):
            _sgd.l1_catch_up(V, Q, A, st)
    sum_sq, sum_abs, finite = state.weight_sums()
    if not (finite and all(np.isfinite(b.sum()) for b in state.intercept)):
        raise FloatingPointError(DIVERGED_MESSAGE)
    state.sums = (sum_sq, sum_abs)


def penalty(state, objective):
    """The penalty term at the current (not averaged) weights.

    From the sums of the last pass (``state.sums``, taken by ``run_pass``), so it costs
    no pass over the weights.
    """
    if objective.alpha == 0.0:
        return 0.0
    sum_sq, sum_abs = state.sums
    wscale, l1 = state.wscale, objective.l1_ratio
    with np.errstate(over="ignore", invalid="ignore"):  # weights beyond 1e154: diverged
        value = 0.5 * (1 - l1) * wscale**2 * sum_sq
        if l1 > 0:
            value += l1 * wscale * sum_abs
    if not np.isfinite(value):
        raise FloatingPointError(DIVERGED_MESSAGE)
    return objective.alpha * value


def _validation_split(objective, fraction, rng):
    """Stratified split of the rows into (train, validation) index arrays."""
    from sklearn.model_selection import StratifiedShuffleSplit

    y = objective.y
    try:
        split = StratifiedShuffleSplit(test_size=fraction, random_state=rng)
        train, val = next(split.split(np.zeros(y.shape[0]), y))
    except ValueError as exc:
        raise ValueError(
            f"early_stopping could not hold out a stratified validation_fraction={fraction} "
            f"of the {y.shape[0]} samples ({exc}); use more samples or a larger "
            "validation_fraction, or set early_stopping=False."
        ) from None
    return np.sort(train), np.sort(val)


def _validation_rows(objective, val):
    """(X_val, y_val, sample_weight_val) of the held-out rows, as a matrix for scoring."""
    return objective.rows.matrix()[val], objective.y[val], objective.sample_weight[val]


def _accuracy(objective, validation, state):
    """Weighted accuracy of the current (averaged) model on the validation rows."""
    X, y, sw = validation
    W, b = state.weights()
    scores = np.asarray(X @ W) + b
    pred = (scores[:, 0] > 0) if objective.binomial else np.argmax(scores, axis=1)
    return float(np.dot(sw, pred == y) / sw.sum())


def fit_sgd(objective, params0, settings, progress, state=None):
    """Driver for ``solver="sgd"``: epochs of mini-batch SGD until a stopping rule fires.

    Stopping follows scikit-learn's ``SGDClassifier``: after each epoch, the epoch's
    objective estimate (mean weighted loss at the rows' pre-step weights plus the
    penalty at the epoch's end), or with ``early_stopping`` the accuracy on a stratified
    held-out ``validation_fraction``, is compared with the best so far; after
    ``n_iter_no_change`` epochs without an improvement by ``tol`` the fit stops ("adaptive"
    first divides eta by 5, down to 1e-6). ``max_iter`` epochs end it with a
    ``ConvergenceWarning``; ``progress`` (called with the objective estimate after each
    epoch) ends it without a warning when it returns True. ``settings`` is an
    ``SGDSettings``; a fit starts a new SGD run, so ``state`` is not used. The result's
    ``state`` is the final SGDState, which ``partial_fit`` continues from.
    """
    settings = settings.resolve(partial=False, alpha=objective.alpha)
    rng = check_random_state(settings.random_state)
    n = objective.rows.n_samples
    train = np.arange(n, dtype=np.intp)
    if settings.early_stopping:
        train, val = _validation_split(objective, settings.validation_fraction, rng)
        validation = _validation_rows(objective, val)
    sw = objective.sample_weight * (train.shape[0] / objective.sample_weight[train].sum())
    state = new_state(objective, params0, settings)
    eta = settings.eta0
    best = np.inf
    no_improvement = 0
    state.eta = eta
    for epoch in range(1, settings.max_iter + 1):
        order = rng.permutation(train) if settings.shuffle else train
        state.set_scalar("loss", 0.0)
        used = run_pass(state, objective, sw, order, settings, eta)
        estimate = state.loss / train.shape[0] + penalty(state, objective)
        # the criterion is minimised: objective estimate, or minus the accuracy
        criterion = (
            -_accuracy(objective, validation, state) if settings.early_stopping else estimate
        )
        extra = {"validation_accuracy": -criterion} if settings.early_stopping else {}
        extra["n_threads"] = used
        if progress(epoch, estimate, **extra):
            return SolverResult(state.params(), epoch, progress.curve(), state)
        no_improvement = no_improvement + 1 if criterion > best - settings.tol else 0
        best = min(best, criterion)
        if no_improvement >= settings.n_iter_no_change:
            if settings.learning_rate == "adaptive" and eta > 1e-6:
                eta /= 5.0
                state.eta = eta
                no_improvement = 0
            else:
                return SolverResult(state.params(), epoch, progress.curve(), state)
    warn_not_converged(
        f"sgd did not converge in max_iter={settings.max_iter} epochs (the "
        f"{'validation accuracy' if settings.early_stopping else 'objective'} was still "
        f"improving by more than tol={settings.tol}); increase max_iter.",
        objective,
    )
    return SolverResult(state.params(), settings.max_iter, progress.curve(), state)


def partial_fit_pass(state, objective, settings, copy=True, settle=True):
    """One ``partial_fit`` pass over ``objective``'s rows; returns the updated copy of state.

    ``state`` (an SGDState, not modified unless ``copy=False``) carries the step count,
    averaging and the shuffling generator from earlier calls; ``settings`` is an
    ``SGDSettings``; ``settle`` as in ``run_pass``.
    """
    settings = settings.resolve(partial=True, alpha=objective.alpha, previous=state.rate)
    if copy:
        state = state.copy()
    if state.rng is None:
        state.rng = check_random_state(settings.random_state)
        if state.rng is np.random.mtrand._rand:  # random_state=None: own generator
            state.rng = np.random.RandomState(state.rng.randint(2**31 - 1))
    order = np.arange(objective.rows.n_samples, dtype=np.intp)
    if settings.shuffle:
        order = state.rng.permutation(order)
    state.set_scalar("loss", 0.0)
    eta = settings.eta0 if state.eta is None else state.eta  # "adaptive" continues from fit's eta
    run_pass(state, objective, objective.sample_weight, order, settings, eta, settle=settle)
    return state
