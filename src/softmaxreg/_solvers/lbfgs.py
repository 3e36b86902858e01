"""The ``solver="lbfgs"`` driver: scipy's L-BFGS-B on the Cython loss and gradient.

BLAS is held to one thread during the fit (thread-safe across concurrent fits); with few
features the iterations run in whitened coordinates (``whitening``).
"""

import functools
import threading
import warnings
from contextlib import contextmanager

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from .contract import SolverResult, warn_not_converged
from .whitening import whitening


def fit_lbfgs(objective, params0, settings, progress, state=None):
    """Minimise the objective with scipy's L-BFGS-B (L2 or no penalty).

    Stops when the gradient's max-norm is below ``tol`` (scipy's ``gtol``, the rule
    scikit-learn's ``LogisticRegression(solver="lbfgs")`` uses), when ``progress``
    (called after each iteration with the exact objective) asks to stop, or after
    ``max_iter`` iterations, which warns with ``ConvergenceWarning``.

    X with few features (dense or CSR) is minimised in whitened coordinates
    (``softmaxreg._solvers.whitening``): the same objective and optimum, in far fewer iterations.
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
        x = intermediate_result.x
        params = None
        if progress.on_iterate is not None:
            params = x if white is None else white.to_params(x)
        if progress(callback.it, intermediate_result.fun, params=params):
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
        result = minimize(
            fun if white is None else fun_white,
            x0,
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options=options,
        )
        x = result.x if white is None else white.to_params(result.x)
    if callback.stopped:
        return SolverResult(np.asarray(x, dtype=np.float64), callback.it, progress.curve())
    if result.status == 1:
        warn_not_converged(
            f"lbfgs failed to converge after {int(result.nit)} iteration(s) (max_iter="
            f"{settings.max_iter}; the gradient max-norm is still above tol={settings.tol}). "
            "Increase the number of iterations (max_iter), or scale the data (StandardScaler, "
            "or MaxAbsScaler for sparse X).",
            objective,
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
