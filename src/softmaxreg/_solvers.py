"""Solver drivers: how each ``solver=`` value turns an Objective into parameters.

Every driver has the signature ``driver(objective, params0, estimator) -> (params, n_iter)``
and reads its settings (``tol``, ``max_iter``, ``verbose``, ...) from the estimator. The
driver owns stopping rules and convergence warnings; the estimator owns validation and
the fitted attributes. New solvers are added to ``SOLVERS``.
"""

import sys
import time
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from ._sag_solver import fit_sag, fit_saga


def fit_lbfgs(objective, params0, est):
    """Minimise the objective with scipy's L-BFGS-B (L2 or no penalty).

    Stops when the projected gradient's max-norm is below ``tol`` (scipy's ``gtol``,
    the rule scikit-learn's ``LogisticRegression(solver="lbfgs")`` uses) or after
    ``max_iter`` iterations, which warns with ``ConvergenceWarning``.
    """
    if objective.l1_ratio > 0.0:
        raise ValueError(
            "solver='lbfgs' supports only the L2 penalty (l1_ratio=0); "
            f"got l1_ratio={objective.l1_ratio}. Use solver='saga' for L1 or elastic-net."
        )
    start = time.perf_counter()
    n_calls = [0]

    def fun(params):
        value, grad = objective.value_and_gradient(params)
        if not np.isfinite(value):
            raise FloatingPointError(
                "softmaxreg: the objective became non-finite during L-BFGS; "
                "check the scale of X (try StandardScaler or MaxAbsScaler)."
            )
        n_calls[0] += 1
        return value, grad

    def callback(intermediate_result):
        if est.verbose:
            print(
                f"[softmaxreg lbfgs] iter {callback.it:4d}  objective "
                f"{intermediate_result.fun:.10g}  elapsed {time.perf_counter() - start:.3f}s",
                file=sys.stderr,
            )
        callback.it += 1

    callback.it = 1
    result = minimize(
        fun,
        params0,
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={
            "maxiter": est.max_iter,
            "maxls": 50,
            "gtol": est.tol,
            "ftol": 64 * np.finfo(float).eps,
        },
    )
    if result.status == 1:
        warnings.warn(
            f"lbfgs did not converge in max_iter={est.max_iter} iterations "
            f"(gradient max-norm still above tol={est.tol}); increase max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )
    elif result.status != 0:
        warnings.warn(f"lbfgs stopped early: {result.message}", ConvergenceWarning, stacklevel=3)
    return np.asarray(result.x, dtype=np.float64), int(result.nit)


def _not_implemented(name):
    def driver(objective, params0, est):
        raise NotImplementedError(
            f"solver={name!r} is not implemented yet in this version of softmaxreg; "
            "use solver='lbfgs'."
        )

    driver.__name__ = f"fit_{name}"
    return driver


SOLVERS = {
    "lbfgs": fit_lbfgs,
    "sgd": _not_implemented("sgd"),
    "sag": fit_sag,
    "saga": fit_saga,
}
