"""A trust-region Newton method with conjugate-gradient steps, for binary L2 problems.

Design: the method of Lin, Weng and Keerthi, "Trust region Newton method for large-scale
logistic regression" (JMLR 2008), which liblinear runs for its primal L2 logistic
regression, with that paper's constants and liblinear's stopping rule (the gradient's
2-norm below ``tol * max(min(n_pos, n_neg), 1) / n_samples`` times its norm at the start).
``LogisticRegression(solver="liblinear", penalty="l2")`` runs it, so that a model of
old tutorials' code comes out where liblinear's did: at liblinear's default ``tol=1e-4``
its iterate is 1e-5 to 1e-4 from the optimum, and only the same iterations end at the same
point. The iterations run on liblinear's scaling of the objective, ``F / alpha`` (``F``
softmaxreg's normalised objective), since the first trust region is the gradient's norm.

The Hessian-vector products ``alpha v + (1/S) X^T (s * p * (1 - p) * (X v))`` use scipy's
product with X (dense or CSR); the value and gradient come from the objective's kernel.
"""

import numpy as np
from scipy.special import expit

from .contract import SolverResult, warn_not_converged
from .lbfgs import _one_blas_thread

# The paper's constants: a step is taken when the actual reduction is above ETA0 times
# the predicted one; ETA1, ETA2 and SIGMA1..3 shrink or grow the trust region.
ETA0, ETA1, ETA2 = 1e-4, 0.25, 0.75
SIGMA1, SIGMA2, SIGMA3 = 0.25, 0.5, 4.0
CG_TOL = 0.1  # conjugate gradient stops at a residual of CG_TOL times the gradient norm


class _Problem:
    """liblinear's scaling ``F / alpha`` of a binary objective without intercept."""

    def __init__(self, objective):
        self.objective = objective
        self.X = objective._X
        self.alpha = objective.alpha
        self.n = objective.n_params
        self.tail = np.zeros(objective.n_columns)  # the intercept, held at 0
        self.curvature = None

    def params(self, w):
        return np.concatenate([w, self.tail])

    def value_gradient(self, w):
        value, grad = self.objective.value_and_gradient(self.params(w))
        p = expit(np.asarray(self.X @ w, dtype=np.float64).ravel())
        objective = self.objective
        self.curvature = objective.sample_weight * p * (1.0 - p) / objective.total_weight
        return value / self.alpha, grad[: self.n] / self.alpha

    def hessian_times(self, v):
        """``H v`` at the point of the last ``value_gradient`` call."""
        Xv = np.asarray(self.X @ v, dtype=np.float64).ravel()
        return v + np.asarray(self.X.T @ (self.curvature * Xv)).ravel() / self.alpha


def _conjugate_gradient(problem, delta, g):
    """Approximate ``H s = -g`` within ``||s|| <= delta``; returns ``(s, r)``, the step
    and the residual ``-g - H s``."""
    s = np.zeros_like(g)
    r = -g
    d = r.copy()
    stop = CG_TOL * np.linalg.norm(g)
    rTr = r @ r
    while np.linalg.norm(r) > stop:
        Hd = problem.hessian_times(d)
        step = rTr / (d @ Hd)
        s += step * d
        if np.linalg.norm(s) > delta:  # back, then to the trust region's boundary
            s -= step * d
            std, sts, dtd = s @ d, s @ s, d @ d
            dsq = delta * delta
            rad = np.sqrt(std * std + dtd * (dsq - sts))
            step = (dsq - sts) / (std + rad) if std >= 0 else (rad - std) / dtd
            s += step * d
            r -= step * Hd
            break
        r -= step * Hd
        rnew = r @ r
        d = r + (rnew / rTr) * d
        rTr = rnew
    return s, r


def fit_tron(objective, params0, settings, progress, state=None):
    """Minimise a binary L2 objective without intercept by trust-region Newton.

    Stops when the gradient's 2-norm falls below ``tol * max(min(n_pos, n_neg), 1) /
    n_samples`` times its norm at ``params0`` (liblinear's rule), when ``progress`` asks
    to stop, or after ``max_iter`` iterations, which warns with ``ConvergenceWarning``.
    ``settings`` is an ``LbfgsSettings``; no warm-start state is kept. Returns a
    ``SolverResult`` whose ``n_iter`` counts the steps taken, as liblinear's.
    """
    if not (objective.binomial and objective.alpha > 0.0 and objective.l1_ratio == 0.0):
        raise ValueError("the trust-region solver fits binary L2 problems (alpha > 0) only")
    # one BLAS thread, as in fit_lbfgs: the products with X are memory bound (measured on
    # 20000 x 100: X.T @ u in 1.3 ms on one thread, 6 ms on two busy cores)
    with _one_blas_thread():
        return _tron(objective, params0, settings, progress)


def _tron(objective, params0, settings, progress):
    """``fit_tron``'s iterations."""
    problem = _Problem(objective)
    n_pos = int(np.count_nonzero(objective.y == 1))
    n_samples = len(objective.y)
    eps = settings.tol * max(min(n_pos, n_samples - n_pos), 1) / n_samples
    w = np.array(params0[: problem.n], dtype=np.float64)
    f, g = problem.value_gradient(w)
    delta = gnorm0 = np.linalg.norm(g)
    iteration, stopped, converged = 1, False, gnorm0 <= eps * gnorm0
    while iteration <= settings.max_iter and not converged:
        s, r = _conjugate_gradient(problem, delta, g)
        gs = g @ s
        predicted = -0.5 * (gs - s @ r)
        f_new, g_new = problem.value_gradient(w + s)
        actual = f - f_new
        snorm = np.linalg.norm(s)
        if iteration == 1:
            delta = min(delta, snorm)
        rise = f_new - f - gs
        shrink = SIGMA3 if rise <= 0 else max(SIGMA1, -0.5 * (gs / rise))
        if actual < ETA0 * predicted:
            delta = min(max(shrink, SIGMA1) * snorm, SIGMA2 * delta)
        elif actual < ETA1 * predicted:
            delta = max(SIGMA1 * delta, min(shrink * snorm, SIGMA2 * delta))
        elif actual < ETA2 * predicted:
            delta = max(SIGMA1 * delta, min(shrink * snorm, SIGMA3 * delta))
        else:
            delta = max(delta, min(shrink * snorm, SIGMA3 * delta))
        if actual > ETA0 * predicted:  # the step is taken
            w, f, g = w + s, f_new, g_new
            if progress(iteration, f * objective.alpha, params=problem.params(w)):
                stopped = True
                break
            iteration += 1
            if np.linalg.norm(g) <= eps * gnorm0:
                converged = True
                break
        else:  # back to the curvature of the current point for the next trust region
            problem.value_gradient(w)
        if (actual == 0.0 and predicted <= 0.0) or (
            abs(actual) <= 1e-12 * abs(f) and abs(predicted) <= 1e-12 * abs(f)
        ):
            converged = True  # no further progress is possible in double precision
    n_iter = iteration - 1 if not stopped else iteration
    if not (converged or stopped):
        warn_not_converged(
            f"the trust-region Newton solver did not converge in max_iter={settings.max_iter} "
            f"iterations (gradient norm still above tol={settings.tol} times its start). "
            "Increase max_iter, or scale the data.",
            objective,
        )
    return SolverResult(problem.params(w), n_iter, progress.curve())
