"""Solver drivers: how each ``solver=`` value turns an Objective into parameters.

Every driver has the signature
``driver(objective, params0, settings, progress, state=None) -> SolverResult`` with its
settings (``tol``, ``max_iter``, ...) in a frozen dataclass (``softmaxreg._solver_contract``
describes the contract). ``progress`` is a ``softmaxreg._progress.ProgressLog``: the
driver calls it once per iteration or epoch with the objective value it has for free, and
stops (without a warning) when it returns True. The driver owns stopping rules and
convergence warnings; the estimator owns validation, the fitted attributes and the
warm-start state between fits. New solvers are added to ``SOLVERS``, the one list of
solver names (the estimators' ``solver`` values are ``"auto"`` and its keys).
"""

import functools
import threading
import warnings
from contextlib import contextmanager
from typing import Callable, NamedTuple

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from ._sag_solver import fit_sag, fit_saga
from ._sgd_solver import fit_sgd
from ._solver_contract import LbfgsSettings, SagSettings, SGDSettings, SolverResult
from ._whitening import has_few_features, whitening


def fit_lbfgs(objective, params0, settings, progress, state=None):
    """Minimise the objective with scipy's L-BFGS-B (L2 or no penalty).

    Stops when the gradient's max-norm is below ``tol`` (scipy's ``gtol``, the rule
    scikit-learn's ``LogisticRegression(solver="lbfgs")`` uses), when ``progress``
    (called after each iteration with the exact objective) asks to stop, or after
    ``max_iter`` iterations, which warns with ``ConvergenceWarning``.

    X with few features (dense or CSR) is minimised in whitened coordinates
    (``softmaxreg._whitening``): the same objective and optimum, in far fewer iterations.
    The stopping rule then checks the gradient in the original coordinates itself (after
    each iteration, and at the start), so ``tol`` means the same thing either way.

    ``settings`` is an ``LbfgsSettings``; L-BFGS keeps no warm-start state, so ``state``
    is not used. Returns a ``SolverResult``.
    """
    if objective.l1_ratio > 0.0:
        raise ValueError(
            "solver='lbfgs' supports only the L2 penalty (l1_ratio=0); "
            f"got l1_ratio={objective.l1_ratio}. Use solver='saga' for L1 or elastic-net."
        )

    def fun(params):
        value, grad = objective.value_and_gradient(params)
        if not np.isfinite(value):
            raise FloatingPointError(
                "softmaxreg: the objective became non-finite during L-BFGS; "
                "check the scale of X (try StandardScaler or MaxAbsScaler)."
            )
        return value, grad

    white = None  # set below, on one BLAS thread like the rest of the fit
    last = {}  # whitened: the last point evaluated, its value and original gradient

    def fun_white(z):
        if "z" not in last or not np.array_equal(z, last["z"]):
            value, grad = fun(white.to_params(z))
            last.update(z=np.array(z, dtype=np.float64), value=value, grad=grad)
        return last["value"], white.gradient_to_z(last["grad"])

    def gradient_norm_at(z):
        fun_white(z)
        return float(np.max(np.abs(last["grad"]), initial=0.0))

    def callback(intermediate_result):
        callback.it += 1
        if progress(callback.it, intermediate_result.fun):
            callback.stopped = True
            raise StopIteration  # scipy >= 1.11 ends the minimisation at this iterate
        if white is not None and gradient_norm_at(intermediate_result.x) <= settings.tol:
            callback.stopped = True
            raise StopIteration

    callback.it = 0
    callback.stopped = False
    # L-BFGS-B's own vector work calls BLAS on vectors of n_params numbers: memory bound,
    # and OpenBLAS threads only slow it down on a small shared machine (measured: 1.7x
    # slower fits with 2 threads on 2 cores), so BLAS runs on one thread during the fit.
    with _one_blas_thread():
        white = whitening(objective)
        options = {
            "maxiter": settings.max_iter,
            "maxls": 50,
            "gtol": settings.tol if white is None else 0.0,
            "ftol": 64 * np.finfo(float).eps,
        }
        x0 = params0 if white is None else white.to_z(params0)
        if white is not None and gradient_norm_at(x0) <= settings.tol:
            return SolverResult(np.array(params0, dtype=np.float64), 0, progress.curve())
        result = minimize(fun if white is None else fun_white, x0, method="L-BFGS-B",
                          jac=True, callback=callback, options=options)
        x = result.x if white is None else white.to_params(result.x)
    if callback.stopped:
        return SolverResult(np.asarray(x, dtype=np.float64), callback.it, progress.curve())
    if result.status == 1:
        warnings.warn(
            f"lbfgs did not converge in max_iter={settings.max_iter} iterations "
            f"(gradient max-norm still above tol={settings.tol}); increase max_iter.",
            ConvergenceWarning,
            stacklevel=4,
        )
    elif result.status != 0:
        warnings.warn(f"lbfgs stopped early: {result.message}", ConvergenceWarning, stacklevel=4)
    return SolverResult(np.asarray(x, dtype=np.float64), int(result.nit), progress.curve())


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


@contextmanager
def _one_blas_thread():
    """Hold BLAS to one thread while any fit in this process needs it (thread-safe).

    The BLAS thread count is process-wide. With a plain ``limit()`` per fit, the first of
    two concurrent fits to finish would restore it while the other still runs, and that
    fit's vector sums would round differently (a model depending on another thread's
    timing). The limit is set by the first fit in and restored by the last one out.
    """
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = _blas_controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """One ThreadpoolController per process: scanning the loaded libraries costs ms."""
    return ThreadpoolController()


# "auto" runs "lbfgs" on sparse X with fewer multiply-adds per pass (nonzeros x weight
# columns) than this: such fits take milliseconds either way, and L-BFGS needs no
# random_state and copes better with weak regularisation on few rows.
AUTO_SMALL_WORK = 100_000
# ... and when the largest weighted row norm ``c_i ||x_i||^2`` is more than this many times
# their mean: SAG's step is bounded by the largest, so a few long or heavy rows make every
# step short. On 20newsgroups at the default alpha, SAG ended far from the optimum within
# max_iter on raw counts (ratio 2770), unnormalised sublinear TF-IDF (89), MaxAbsScaler'd
# counts (182) and on Reuters with class_weight="balanced" (126), where L-BFGS converged;
# L2-normalised rows give 1.
AUTO_MAX_ROW_NORM_RATIO = 10.0


def _rows_hold_sag_back(objective):
    """Whether a few rows dominate SAG's step bound (see ``AUTO_MAX_ROW_NORM_RATIO``)."""
    sq, _ = objective.rows.squared_norms()
    weighted = objective.sample_weight * sq
    mean = weighted.mean()
    return not mean > 0.0 or weighted.max() > AUTO_MAX_ROW_NORM_RATIO * mean


def choose_solver(solver, objective):
    """The solver ``solver="auto"`` runs on this problem (other values are returned as is).

    The rule (measured, see BENCHMARKS.md): "saga" when the penalty has an L1 part (the
    only solver for it); "lbfgs" for dense X, without a penalty (``alpha=0``: SAG's step
    size and convergence rate rely on the L2 term), with few features (``n_features <=
    16 K``: L-BFGS then runs whitened), on small data (``nnz * K < AUTO_SMALL_WORK``), or
    when a few rows would hold SAG's step back (weighted row norms far from even:
    ``AUTO_MAX_ROW_NORM_RATIO``); "sag" for other sparse X (text, L2-normalised as
    ``TfidfVectorizer`` leaves it), whose epochs cost about as much as one
    loss+gradient pass and reach 1e-4 of the optimum in fewer passes than L-BFGS needs
    iterations.
    """
    if solver != "auto":
        return solver
    if objective.l1_ratio > 0.0:
        return "saga"
    rows = objective.rows
    if rows.indptr.shape[0] == 0 or objective.alpha == 0.0:  # dense, or no penalty
        return "lbfgs"
    K = objective.n_columns
    if has_few_features(rows.n_features, K) or rows.nnz * K < AUTO_SMALL_WORK:
        return "lbfgs"
    if _rows_hold_sag_back(objective):
        return "lbfgs"
    return "sag"


class Solver(NamedTuple):
    """A registered solver: its driver and the settings dataclass the driver takes."""

    fit: Callable[..., SolverResult]
    settings: type


SOLVERS = {
    "lbfgs": Solver(fit_lbfgs, LbfgsSettings),
    "sgd": Solver(fit_sgd, SGDSettings),
    "sag": Solver(fit_sag, SagSettings),
    "saga": Solver(fit_saga, SagSettings),
}
