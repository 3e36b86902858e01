"""The regularisation path: fits along a decreasing sequence of ``alpha``, each warm-started.

Warm starts are what make a path cheap: the optimum at one alpha is close to the optimum
at the next, smaller one. L-BFGS starts from the previous solution. SAG/SAGA also keep
their gradient memory (the last per-sample loss gradient, K numbers a sample) and its
sums: those gradients do not depend on alpha, so they are as good a memory for the next
alpha as for a refit at the same one. Each fit is the solver driver with the estimator's
stopping rule, so a path model is what ``fit`` would reach, started from a better point.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from ._estimator import SoftmaxRegression, solver_settings
from ._objective import Objective
from ._solvers.progress import ProgressLog
from ._solvers.registry import SOLVERS, choose_solver
from ._threads import effective_n_threads
from ._validation import (
    check_params,
    check_sample_weight,
    check_X_y,
    effective_sample_weight,
    encode_labels,
)

# Solvers a path can run: SGD has no start point to speak of (its schedule restarts) and
# no memory to carry, so it gains nothing from a path.
PATH_SOLVERS = ("auto", "lbfgs", "sag", "saga")


class RegularizationPath(NamedTuple):
    """What :func:`regularization_path` returns.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The penalties, in the (decreasing) order they were fitted.
    coefs : ndarray of shape (n_alphas, n_columns, n_features)
        ``coef_`` at each alpha (``n_columns`` = n_classes, or 1 for two classes), in the
        dtype of X.
    intercepts : ndarray of shape (n_alphas, n_columns)
    n_iter : ndarray of shape (n_alphas,), int
        Iterations (L-BFGS) or epochs (SAG/SAGA) run at each alpha.
    classes : ndarray of shape (n_classes,)
    solver : str
        The solver that ran (what "auto" chose).
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    n_iter: np.ndarray
    classes: np.ndarray
    solver: str


def check_alphas(alphas, name="alphas"):
    """A 1-D float64 array of finite alphas >= 0, sorted decreasing.

    Raises ValueError for an empty, non-finite or negative grid, TypeError for a scalar;
    the messages use ``name``, the parameter the caller gave.
    """
    if np.ndim(alphas) != 1:
        raise TypeError(f"{name} must be a 1-D sequence of numbers, got {alphas!r}.")
    try:
        values = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D sequence of numbers, got {alphas!r}.") from None
    if values.size == 0:
        raise ValueError(f"{name} must hold at least one value.")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {values!r}.")
    return np.sort(values)[::-1].copy()


def path_fits(objective, alphas, solver, settings, params0=None, state=None, n_jobs_at=None):
    """Run ``solver`` at each alpha in turn, each fit from the previous one's end.

    Parameters
    ----------
    objective : Objective
        The problem at any alpha (its ``alpha`` is replaced at each step).
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalties.
    solver : str
        A key of ``SOLVERS`` ("auto" already resolved).
    settings : settings dataclass
        The solver's settings; SAG/SAGA's get ``warm_start=True`` here, and one random
        generator serves the whole path (a seed gives one path).
    params0, state : ndarray or None
        Start point and solver state of the first fit (zeros and none by default).
    n_jobs_at : callable or None
        Called as each SAG/SAGA fit starts, it gives that fit's ``n_jobs`` (the thread
        budget can grow along a path: ``SoftmaxRegressionCV`` gives the last fold's
        fits the threads the other folds no longer use). The model does not depend on
        it. None keeps ``settings.n_jobs``.

    Returns
    -------
    params : list of ndarray
        The flat parameters at each alpha (copies: the drivers reuse their start buffer).
    n_iter : ndarray of shape (n_alphas,), int
    state : object or None
        The solver state after the last fit (SAG/SAGA's gradient memory).
    """
    steps = path_steps(objective, alphas, solver, settings, params0, state, n_jobs_at)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def path_steps(objective, alphas, solver, settings, params0=None, state=None, n_jobs_at=None):
    """:func:`path_fits` as a generator that runs one fit per ``next()``.

    It yields the index of the alpha just fitted and returns (``StopIteration.value``)
    what ``path_fits`` returns, so that :func:`run_interleaved` can take turns between
    several paths a fit at a time. The arguments are those of :func:`path_fits`.
    """
    entry = SOLVERS[solver]
    if hasattr(settings, "warm_start"):
        settings = replace(
            settings,
            warm_start=True,
            random_state=check_random_state(settings.random_state),
        )
    if params0 is None:
        params0 = np.zeros(objective.n_params + objective.n_columns)
    params, n_iter = [], np.zeros(len(alphas), dtype=np.intp)
    current = np.array(params0, dtype=np.float64)
    for i, alpha in enumerate(alphas):
        step = copy.copy(objective)  # shares X, its row norms and buffers
        step.alpha = float(alpha)
        if n_jobs_at is not None and hasattr(settings, "n_jobs"):
            settings = replace(settings, n_jobs=int(n_jobs_at()))
        result = entry.fit(step, current, settings, ProgressLog(solver, 0), state)
        if not np.all(np.isfinite(result.params)):
            raise FloatingPointError(
                f"softmaxreg: the path's fit at alpha={alpha:g} produced non-finite weights; "
                "check the scale of X (try StandardScaler or MaxAbsScaler)."
            )
        params.append(np.array(result.params, copy=True))
        n_iter[i] = result.n_iter
        state = result.state
        current = np.array(result.params, copy=True)
        yield i
    return params, n_iter, state


def run_interleaved(jobs, n_workers):
    """Run generators (:func:`path_steps`) on ``n_workers`` threads, a step at a time.

    A free worker takes the next step of the job that has run the fewest steps among
    those no worker is running (the first such job on a tie), so the jobs advance
    together and what is left at the end is one step of one job, not a whole job: with
    5 paths on 2 threads, running path by path left the last fold's whole path (a fifth
    of the work) to one thread; this leaves its last fit. Each job's steps run one after
    the other, so a job computes what it would alone, whatever ran beside it. A worker
    stops once every unfinished job is running on another one (their later fits may then
    take its thread, see ``path_fits``'s ``n_jobs_at``).

    Parameters
    ----------
    jobs : list of generators
    n_workers : int
        Threads (1: in the calling thread, job after job in effect).

    Returns
    -------
    list
        Each job's return value, in the order of ``jobs``. The first exception a job
        raises stops the other workers after their current step and is raised here.
    """
    n = len(jobs)
    steps_run = [0] * n
    running = [False] * n
    finished = [False] * n
    results = [None] * n
    errors = []
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                waiting = [j for j in range(n) if not (running[j] or finished[j])]
                if errors or not waiting:
                    return
                job = min(waiting, key=lambda j: (steps_run[j], j))
                running[job] = True
            try:
                next(jobs[job])
            except StopIteration as done:
                with lock:
                    results[job], finished[job], running[job] = done.value, True, False
            except BaseException as error:
                with lock:
                    errors.append(error)
                return
            else:
                with lock:
                    steps_run[job] += 1
                    running[job] = False

    if n_workers <= 1:
        worker()
    else:
        Parallel(n_jobs=n_workers, backend="threading")(delayed(worker)() for _ in range(n_workers))
    if errors:
        raise errors[0]
    return results


def regularization_path(
    X,
    y,
    alphas,
    *,
    l1_ratio=0.0,
    solver="auto",
    fit_intercept=True,
    tol=1e-4,
    max_iter=100,
    class_weight=None,
    sample_weight=None,
    random_state=None,
    n_jobs=None,
):
    """Fit ``SoftmaxRegression`` at each of several alphas, largest first, each warm-started.

    Each fit starts from the previous solution (L-BFGS) or, for "sag"/"saga", also from
    the previous fit's gradient memory and its sums: the per-sample loss gradients do not
    depend on alpha, so they carry over. The fits stop by the same rule as ``fit`` with
    the same ``tol`` and ``max_iter``, so each model is what a cold ``fit`` at that alpha
    reaches, to the tolerance, for a fraction of the work.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    alphas : array-like of shape (n_alphas,)
        Penalties >= 0 (``SoftmaxRegression``'s ``alpha``); fitted in decreasing order,
        whatever the order given.
    l1_ratio, solver, fit_intercept, tol, max_iter, class_weight, random_state, n_jobs
        As for ``SoftmaxRegression``; ``solver`` is one of "auto", "lbfgs", "sag",
        "saga" ("auto" chooses once for the whole path, at its smallest alpha).
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    RegularizationPath
        Named tuple ``(alphas, coefs, intercepts, n_iter, classes, solver)``.

    Examples
    --------
    >>> from softmaxreg import make_text_classification, regularization_path
    >>> X, y = make_text_classification(n_samples=300, random_state=0)
    >>> path = regularization_path(X, y, [1e-2, 1e-3, 1e-4], random_state=0)
    >>> path.coefs.shape[0]
    3
    """
    alphas = check_alphas(alphas)
    if solver not in PATH_SOLVERS:
        raise ValueError(f"solver must be one of {PATH_SOLVERS} for a path, got {solver!r}.")
    est = SoftmaxRegression(
        alpha=float(alphas[-1]),
        l1_ratio=l1_ratio,
        solver=solver,
        fit_intercept=fit_intercept,
        tol=tol,
        max_iter=max_iter,
        class_weight=class_weight,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    check_params(est)
    X, y = check_X_y(est, X, y)
    classes, y_index = encode_labels(y)
    sw = effective_sample_weight(
        check_sample_weight(sample_weight, X.shape[0]), class_weight, y_index, classes=classes, y=y
    )
    objective = Objective(
        X,
        y_index,
        sw,
        len(classes),
        float(alphas[-1]),
        l1_ratio,
        fit_intercept,
        n_threads=effective_n_threads(n_jobs),
    )
    chosen = choose_solver(solver, objective)
    settings = solver_settings(est, SOLVERS[chosen].settings)
    params, n_iter, _ = path_fits(objective, alphas, chosen, settings)
    coefs, intercepts = stack_params(objective, params, X.dtype)
    return RegularizationPath(alphas, coefs, intercepts, n_iter, classes, chosen)


def stack_params(objective, params, dtype):
    """Flat parameters of several fits as ``coefs`` (n, n_columns, n_features) and
    ``intercepts`` (n, n_columns), in ``dtype``."""
    n = len(params)
    coefs = np.empty((n, objective.n_columns, objective.rows.n_features), dtype=dtype)
    intercepts = np.zeros((n, objective.n_columns), dtype=dtype)
    for i, p in enumerate(params):
        W, b = objective.split(p)
        coefs[i] = W.T
        if objective.fit_intercept:
            intercepts[i] = b
    return coefs, intercepts
