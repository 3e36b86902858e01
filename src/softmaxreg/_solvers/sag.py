"""Drivers for ``solver="sag"`` and ``solver="saga"`` around the kernel in ``_sag.pyx``.

The driver owns what the kernel does not: the step size, the sample order, the
stopping rule, warm-start state, chunking of epochs (so Ctrl-C is honoured quickly),
warnings and errors. See the design note of ``_sag.pyx`` for the algorithm.

Sample order (``epoch_order``), from ``rng = check_random_state(random_state)``, whatever
the container of X, so a seed gives one model and dense and CSR X give the same model:

- SAGA: epoch e visits the rows in the order of the e-th ``rng.permutation(n_samples)``
  (a fresh shuffle each epoch).
- SAG: epoch e visits the n_samples rows ``rng.randint(n_samples, size=n_samples)``,
  drawn with replacement. SAG with a fresh shuffle per epoch can diverge: on TF-IDF text
  (``make_text_classification``, binary and multiclass, C from 3 to 100) it ended far
  above the optimum (objective 14.7 against 0.708) while the same code with rows drawn
  with replacement, and scikit-learn's SAG (which samples with replacement), converged
  in under 100 epochs. SAGA converged equally fast either way.

Stopping rule (scikit-learn's): after each epoch, stop when
``max|w_new - w_old| <= tol * max|w_new|`` over all weights and intercepts (or when
nothing changed at all); ``max_iter`` is the number of epochs.
"""

import numpy as np
from sklearn.utils import check_random_state

from .._kernels.select import sag as _sag
from .._threads import CHUNK_WORK, ThreadPacer, free_threads
from .contract import SolverResult, warn_not_converged
from .parts import SagPart, class_parts, thread_parts

# Steps per segment (between two full catch-ups); the kernel's float32 index limit.
MAX_SEGMENT = _sag.MAX_SEGMENT
_sag_steps = _sag.sag_steps
# Bounds of the intercept's step multiplier (see ``step_sizes``).
INTERCEPT_SCALE_RANGE = (0.01, 1.0)

_NONFINITE_MESSAGE = (
    "softmaxreg: {solver} met a non-finite value (the step size or the weights overflowed). "
    "Scale the features (e.g. StandardScaler, or MaxAbsScaler for sparse X), or increase alpha."
)


def fit_sag(objective, params0, settings, progress, state=None):
    """Minimise the objective with SAG (L2 or no penalty). See the module docstring.

    ``settings`` is a ``SagSettings``, ``state`` the ``SolverResult.state`` of an earlier
    warm-started fit (its gradient memory) or None; returns a ``SolverResult``
    (``softmaxreg._solvers.contract``).
    """
    if objective.l1_ratio > 0.0:
        raise ValueError(
            "solver='sag' supports only the L2 penalty (l1_ratio=0); got "
            f"l1_ratio={objective.l1_ratio}. Use solver='saga' for L1 or elastic-net."
        )
    return _fit(objective, params0, settings, progress, state, saga=False)


def fit_saga(objective, params0, settings, progress, state=None):
    """Minimise the objective with SAGA (any l1_ratio in [0, 1]). See the module docstring.

    Arguments and result as for :func:`fit_sag`.
    """
    return _fit(objective, params0, settings, progress, state, saga=True)


def step_sizes(objective, saga):
    """The constant step size eta and the intercept's step multiplier.

    The intercept is the weight of a constant feature. Its steps are multiplied by
    ``d``, which is SAG on the same objective with that feature's value taken as
    ``sqrt(d)`` instead of 1 (the optimum is the same): ``d`` is the mean square of
    X's nonzero values, clipped to [0.01, 1], so the constant feature is on the scale of
    the others. On L2-normalised TF-IDF rows (d = 0.01) SAG then needed 23 epochs
    instead of 45 to reach 1e-4 of the optimum on 20newsgroups; on standardised dense
    data d = 1 changes nothing. d depends on the values only, so dense and CSR X give
    the same model. 0 without an intercept.

    ``L = max_i c_i h (||x_i||^2 + d) + l2`` with ``c_i = n s_i / S`` and ``h`` = 1/4
    (sigmoid) or 1/2 (softmax) bounds every per-sample gradient's Lipschitz constant;
    SAG: ``1/L``, SAGA: ``1/(2L + min(2 n l2, L))``. eta is capped at ``1 / (2 l2)`` so
    the L2 shrink factor ``1 - eta l2`` stays >= 1/2. See the design note of ``_sag.pyx``.

    Returns
    -------
    eta, intercept_scale : float
    """
    rows = objective.rows
    n = rows.n_samples
    l2 = objective.alpha * (1.0 - objective.l1_ratio)
    c = objective.sample_weight * (n / objective.total_weight)
    h = 0.25 if objective.binomial else 0.5
    sq, nonzeros = rows.squared_norms()
    scale_b = 0.0
    if objective.fit_intercept:
        scale_b = float(np.clip(sq.sum() / nonzeros, *INTERCEPT_SCALE_RANGE)) if nonzeros else 1.0
    L = float(np.max(c * h * (sq + scale_b))) + l2
    if not np.isfinite(L):
        raise FloatingPointError(_NONFINITE_MESSAGE.format(solver="saga" if saga else "sag"))
    if L == 0.0:
        return 1.0, scale_b
    eta = 1.0 / (2.0 * L + min(2.0 * n * l2, L)) if saga else 1.0 / L
    if l2 > 0.0:
        eta = min(eta, 0.5 / l2)
    return eta, scale_b


def epoch_order(rng, n_samples, saga):
    """The rows one epoch visits, as intp (see the module docstring)."""
    if saga:
        return rng.permutation(n_samples).astype(np.intp, copy=False)
    return rng.randint(n_samples, size=n_samples).astype(np.intp, copy=False)


def _gradient_sums(rows, memory):
    """``X.T @ memory`` in the memory's dtype, shape (n_features, K)."""
    return np.asarray(rows.matrix().T @ memory, dtype=memory.dtype)


def _part_sums(part, k):
    """The part's gradient sums ``X.T @ memory[:, part]``, kept beside its weights."""
    Kp = _sag.padded_classes(k)
    return part.blocks[:, Kp : Kp + k]


def sag_threads(settings, rows, n_columns):
    """Parts (= threads) the classes are split into (``softmaxreg._solvers.parts``): one unless
    the rows carry enough work and a core is free now (``softmaxreg._threads``)."""
    n_parts = thread_parts(settings.n_jobs, rows, n_columns, _sag.THREADS_AVAILABLE)
    if n_parts > 1:  # only then is it worth reading which cores are free
        n_parts = thread_parts(free_threads(n_parts), rows, n_columns, _sag.THREADS_AVAILABLE)
    return n_parts


def _fit(objective, params0, settings, progress, state, saga):
    solver = "saga" if saga else "sag"
    rows = objective.rows
    n, d, K = rows.n_samples, rows.n_features, objective.n_columns
    dtype = rows.dtype
    l2 = objective.alpha * (1.0 - objective.l1_ratio)
    l1 = objective.alpha * objective.l1_ratio if saga else 0.0
    eta, intercept_scale = step_sizes(objective, saga)
    c = objective.sample_weight * (n / objective.total_weight)
    n_threads = sag_threads(settings, rows, K)
    ranges = class_parts(K, n_threads)
    n_threads = len(ranges)

    # Warm start: reuse the gradient memory of the previous fit when it fits this problem.
    state = state if settings.warm_start else None
    if state is not None and state["memory"].shape == (n, K) and state["memory"].dtype == dtype:
        memory = state["memory"]
        seen = np.ones(n, dtype=np.uint8)
    else:
        memory = None
        seen = np.zeros(n, dtype=np.uint8)
    # params0 is the driver's to use (the estimator makes it for this fit): once W0 is in
    # blocks, its buffer holds the weights at the start of the epoch for the stopping rule
    # (a contiguous (d, k) array a part) and, at the end, the result, so that besides
    # blocks the fit makes no model-sized array (issue 4's memory bound: X + n_samples * K
    # numbers + 4 models + 20 MB).
    if not (params0.dtype == np.float64 and params0.flags.c_contiguous and params0.flags.writeable):
        params0 = np.array(params0, dtype=np.float64)
    W0, b0 = objective.split(params0)
    cold = not np.any(W0)
    intercept0 = np.array(b0, dtype=np.float64) if objective.fit_intercept else np.zeros(K)
    seg_len = min(n, MAX_SEGMENT)
    # gradient sums of a kept memory: the previous fit's own (kept up to date step by step,
    # e.g. along a regularisation path), else one pass over X for all parts
    G = None
    if memory is not None:
        G = state.get("sums")
        if G is None or G.shape != (d, K) or G.dtype != dtype:
            G = _gradient_sums(rows, memory)
    parts = []
    for k_off, k in ranges:
        Kp = _sag.padded_classes(k)
        blocks = np.zeros((d, 2 * Kp + 2), dtype=dtype)
        if not cold:
            blocks[:, :k] = W0[:, k_off : k_off + k]
        if memory is None:
            part_memory = np.zeros((n, k), dtype=dtype)
        else:
            part_memory = np.array(memory[:, k_off : k_off + k], order="C")
            blocks[:, Kp : Kp + k] = G[:, k_off : k_off + k]
        parts.append(
            SagPart(
                k_off=k_off,
                blocks=blocks,
                memory=part_memory,
                intercept=intercept0[k_off : k_off + k].copy(),
                intercept_sum=part_memory.sum(axis=0, dtype=np.float64),
                seen=seen.copy(),
                cumsums=np.zeros((3, seg_len + 1)),
                scale=np.ones(1),
                counters=np.array([0, int(seen.sum())], dtype=np.int64),
                loss_sum=np.zeros(1),
            )
        )
    del memory, seen, G

    pacer = ThreadPacer(n_threads)
    # Weights at the start of the epoch, for the stopping rule (zeros for a cold start:
    # params0 is zeros then, whatever dtype its buffer is viewed as).
    flat = params0[: d * K].view(dtype)[: d * K]
    W_prev = [flat[k_off * d : (k_off + k) * d].reshape(d, k) for k_off, k in ranges]
    if not cold:
        for (_, k), previous, part in zip(ranges, W_prev, parts):
            previous[...] = part.blocks[:, :k]
    rng = check_random_state(settings.random_state)
    converged = stopped = False
    n_epochs = 0
    for n_epochs in range(1, settings.max_iter + 1):
        order = epoch_order(rng, n, saga)
        b_prev = np.concatenate([part.intercept for part in parts])
        for part in parts:
            part.loss_sum[0] = 0.0
        used = 1
        for lo, hi, threads in pacer.chunks(rows.pass_cost(order, K), CHUNK_WORK):
            status = _sag_steps(
                rows.data,
                rows.indices,
                rows.indptr,
                d,
                objective.y,
                c,
                order[lo:hi],
                parts,
                eta,
                l2,
                l1,
                saga,
                objective.binomial,
                intercept_scale,
                threads,
            )
            if status != _sag.STATUS_OK:
                raise FloatingPointError(_NONFINITE_MESSAGE.format(solver=solver))
            used = max(used, threads)
        max_change, max_weight, sum_sq, sum_abs = _sag.finish_epoch(
            parts, l1, W_prev, pacer.threads
        )
        intercept = np.concatenate([part.intercept for part in parts])
        max_change = max(max_change, float(np.max(np.abs(intercept - b_prev))))
        max_weight = max(max_weight, float(np.max(np.abs(intercept))))
        if not (np.isfinite(max_change) and np.isfinite(max_weight)):
            raise FloatingPointError(_NONFINITE_MESSAGE.format(solver=solver))
        # the epoch's mean weighted loss at the visits' weights + the penalty at its end
        estimate = parts[0].loss_sum[0] / n + 0.5 * l2 * sum_sq + l1 * sum_abs
        relative = max_change / max_weight if max_weight else 0.0
        stopped = progress(n_epochs, estimate, relative_change=relative, n_threads=used)
        if max_change <= settings.tol * max_weight:
            converged = True
            break
        if stopped:
            break
    if not (converged or stopped):
        warn_not_converged(
            "The max_iter was reached which means the coef_ did not converge "
            f"({solver}, max_iter={settings.max_iter} epochs: the relative weight change is "
            f"still above tol={settings.tol}); increase max_iter.",
            objective,
        )
    params = params0  # W_prev's buffer, no longer needed; already paged in
    W = params[: d * K].reshape(d, K)
    for (k_off, k), part in zip(ranges, parts):
        W[:, k_off : k_off + k] = part.blocks[:, :k]
    params[d * K :] = np.concatenate([part.intercept for part in parts])
    state = None
    if settings.warm_start:
        # n_samples * K numbers: kept only when asked
        memories = [part.memory for part in parts]
        state = {
            "memory": memories[0] if len(memories) == 1 else np.hstack(memories),
            # X.T @ memory as the steps left it: the next warm start needs no pass over X
            "sums": np.hstack([_part_sums(part, k) for part, (_, k) in zip(parts, ranges)]),
        }
    return SolverResult(params, n_epochs, progress.curve(), state)
