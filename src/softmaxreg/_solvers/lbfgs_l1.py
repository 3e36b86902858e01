"""L1 and elastic-net by L-BFGS-B on the split weights ``W = P - N`` (``P, N >= 0``).

Design: on the split the objective ``f(P - N, b) + a * sum(P + N)`` (``f`` the loss plus
the L2 part, ``a = alpha * l1_ratio``) is smooth, and the L1 kink becomes the bounds
``P, N >= 0``, which L-BFGS-B handles exactly; at its minimum ``min(P, N) = 0`` wherever
``a > 0``, so ``P - N`` minimises the original objective. Unlike SAGA, whose step is bounded
by the largest row norm, L-BFGS-B's curvature model copes with one column on a far larger
scale than the others: liblinear's constant column of ``intercept_scaling`` (1e4 in
tutorials that "unpenalise" the intercept) kept SAGA from converging in 100 epochs at
``tol=1e-6`` on standardised iris, where L-BFGS-B needs a few dozen iterations. Its stopping
rule is ``fit_lbfgs``'s: the max-norm of the projected gradient, which on the split is
the distance of the gradient from the L1 subdifferential, below ``tol``.

Every column is scaled by its root mean square before the iterations (the same bounds,
a diagonal change of variables), so that the constant column does not make the quasi-Newton
model start from a badly scaled identity.
"""

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from .contract import SolverResult, warn_not_converged
from .lbfgs import _one_blas_thread


def _column_scales(objective):
    """Root mean square of each weight of the flat ``W`` (feature-major), 1 where a
    column is all zero; ndarray of shape (n_params,)."""
    X = objective._X
    if sparse.issparse(X):
        squares = np.asarray(X.multiply(X).mean(axis=0)).ravel()
    else:
        squares = np.einsum("ij,ij->j", X, X, dtype=np.float64) / max(X.shape[0], 1)
    scale = np.sqrt(squares)
    scale[~(scale > 0.0)] = 1.0
    return np.repeat(scale, objective.n_columns)


def _projected(z, grad, n):
    """The projected gradient of the split: at a bound (``z = 0`` among the first ``2 n``)
    only a descent into the feasible side counts."""
    pg = grad.copy()
    at_bound = z[: 2 * n] <= 0.0
    pg[: 2 * n][at_bound] = np.minimum(grad[: 2 * n][at_bound], 0.0)
    return pg


def fit_lbfgs_l1(objective, params0, settings, progress, state=None):
    """Minimise an objective with an L1 part (any ``l1_ratio``) by L-BFGS-B on the split.

    Stops when the projected gradient's max-norm (in the original coordinates) is below
    ``tol``, when ``progress`` asks to stop, or after ``max_iter`` iterations, which warns
    with ``ConvergenceWarning``. ``settings`` is an ``LbfgsSettings``; no warm-start state
    is kept (``state`` is not used). Returns a ``SolverResult``.
    """
    n = objective.n_params
    a = objective.alpha * objective.l1_ratio
    scale = _column_scales(objective)  # W = (P - N) / scale in the scaled variables
    W0 = np.asarray(params0[:n], dtype=np.float64) * scale
    z0 = np.concatenate([np.maximum(W0, 0.0), np.maximum(-W0, 0.0), params0[n:]])
    bounds = [(0.0, None)] * (2 * n) + [(None, None)] * (len(params0) - n)

    def to_params(z):
        return np.concatenate([(z[:n] - z[n : 2 * n]) / scale, z[2 * n :]])

    last = {}  # the last point evaluated and its gradient in the original coordinates

    def fun(z):
        params = to_params(z)
        value, grad = objective.value_and_gradient(params)
        if not np.isfinite(value):
            raise FloatingPointError(
                "softmaxreg: the objective became non-finite during L-BFGS-B; "
                "check the scale of X (try StandardScaler or MaxAbsScaler)."
            )
        # the value has a * ||W||_1; the split's penalty is a * sum((P + N) / scale), equal
        # where P and N do not overlap (as at the minimum), larger where they do
        P, N = z[:n], z[n : 2 * n]
        value += a * float(((P + N - np.abs(P - N)) / scale).sum())
        gP = grad[:n] + a  # d/dP in the original coordinates, before the 1/scale
        gN = a - grad[:n]
        last.update(z=np.array(z), pg=_projected(z, np.concatenate([gP, gN, grad[n:]]), n))
        return value, np.concatenate([gP / scale, gN / scale, grad[n:]])

    def converged(z):
        if "z" not in last or not np.array_equal(z, last["z"]):
            fun(z)
        return float(np.max(np.abs(last["pg"]), initial=0.0)) <= settings.tol

    def callback(intermediate_result):
        callback.it += 1
        x = intermediate_result.x
        params = to_params(x) if progress.on_iterate is not None else None
        if progress(callback.it, intermediate_result.fun, params=params) or converged(x):
            callback.stopped = True
            raise StopIteration

    callback.it = 0
    callback.stopped = False
    with _one_blas_thread():
        if converged(z0):
            return SolverResult(np.array(params0, dtype=np.float64), 0, progress.curve())
        result = minimize(
            fun,
            z0,
            method="L-BFGS-B",
            jac=True,
            bounds=bounds,
            callback=callback,
            options={
                "maxiter": settings.max_iter,
                "maxls": 50,
                "gtol": 0.0,  # the callback checks tol in the original coordinates
                "ftol": 64 * np.finfo(float).eps,
            },
        )
    params = to_params(result.x)
    if not callback.stopped and result.status == 1:
        warn_not_converged(
            f"lbfgs (L1) failed to converge after {int(result.nit)} iteration(s) (max_iter="
            f"{settings.max_iter}; the projected gradient is still above tol={settings.tol}). "
            "Increase the number of iterations (max_iter), or scale the data.",
            objective,
        )
    n_iter = callback.it if callback.stopped else int(result.nit)
    return SolverResult(params, n_iter, progress.curve())
