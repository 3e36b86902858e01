"""How the SAG/SAGA and SGD kernels split a model's classes over threads.

Both kernels can run a row's class loops as *parts*: class ranges in whole chunks of 4
lanes, each with its own arrays, one part a thread. The threads hand each row's scores
to each other (the softmax needs all of them), which costs a few hundred nanoseconds a
row, so the split pays only when a row carries enough work; one thread runs the same
arithmetic on all parts, so the model does not depend on the thread count.

A part's arrays travel to the kernels as a ``SagPart`` or an ``SgdPart``: the kernels
read them by these field names, and their C structs (``_sag_step.pxd``,
``_sgd_update.pxd``) use the same names.
"""

from typing import NamedTuple

import numpy as np

from .._threads import available_cores, effective_n_threads

# Multiply-adds (nonzeros x classes) a row must carry for its classes to be split over
# threads: 20newsgroups has ~3000 (158 nonzeros, 20 classes). Measured on 20newsgroups
# with each row cut to its m largest entries (BENCHMARKS.md, session 7), two threads
# against one: SAG 0.97x at 795, 1.19x at 1169, 1.35x at 1500; SGD, whose row carries
# less work besides the scores, 0.91x at 1169, 1.00x at 1500, 1.06x at 1781, 1.13x at
# 2010 and 1.31x at 3160.
MIN_ROW_WORK = 1000
MIN_SGD_ROW_WORK = 1600
LANES = 4
CACHE_LINE = 64


def thread_parts(n_jobs, rows, n_columns, available, min_row_work=None):
    """Number of parts (= threads) for a fit: 1 unless the rows carry enough work.

    Parameters
    ----------
    n_jobs : int or None
        The estimator's ``n_jobs`` (``softmaxreg._threads``); the count is also capped by
        the cores this process may use and the number of chunks.
    rows : RowData
    n_columns : int
        K (1 for the binomial model).
    available : bool
        Whether the kernel module was built with threads.
    min_row_work : float, default=None
        Mean multiply-adds a row needs for a split (``MIN_ROW_WORK`` when None, SAG's;
        the SGD driver passes ``MIN_SGD_ROW_WORK``).

    Returns
    -------
    int
    """
    if not available or n_columns < 2 * LANES or rows.n_samples == 0:
        return 1
    if rows.nnz / rows.n_samples * n_columns < (
        MIN_ROW_WORK if min_row_work is None else min_row_work
    ):
        return 1
    n_chunks = -(-n_columns // LANES)
    return int(max(1, min(effective_n_threads(n_jobs), available_cores(), n_chunks)))


def class_parts(n_columns, n_parts):
    """The class ranges ``(k_off, k)`` of ``n_parts`` parts, in whole chunks of 4 lanes
    (the first parts take the extra chunks); never more parts than chunks, so no part
    is empty."""
    n_chunks = -(-n_columns // LANES)
    n_parts = min(n_parts, n_chunks)
    if n_parts <= 1:
        return [(0, n_columns)]
    ranges, k_off = [], 0
    for p in range(n_parts):
        chunks = n_chunks // n_parts + (p < n_chunks % n_parts)
        k = min(LANES * chunks, n_columns - k_off)
        ranges.append((k_off, k))
        k_off += k
    return ranges


def on_cache_lines(a, dtype=None):
    """A C-ordered copy of ``a`` (in ``dtype``) whose data starts on a cache-line boundary.

    NumPy puts large arrays 16 bytes past a line boundary, so rows of 8 float64 weights
    straddle two lines instead of filling one, and rows of 12 or 20 touch half a line
    more on average. The SGD kernel reads a row of V per nonzero, so this costs it.
    """
    a = np.asarray(a)
    dtype = np.dtype(a.dtype if dtype is None else dtype)
    pad = CACHE_LINE // dtype.itemsize
    buffer = np.empty(a.size + pad, dtype=dtype)
    start = (-buffer.ctypes.data % CACHE_LINE) // dtype.itemsize
    out = buffer[start : start + a.size].reshape(a.shape)
    out[...] = a
    return out


class SagPart(NamedTuple):
    """One class range ``[k_off, k_off + k)`` of a SAG/SAGA model with its state, as
    ``_sag.sag_steps`` and ``_sag.finish_epoch`` take it (``Kp = padded_classes(k)``).

    ``seen``, ``cumsums``, ``scale``, ``counters`` and ``loss_sum`` hold the same values
    in every part; each part has its own so that threads write only their own.

    Attributes
    ----------
    k_off : int
        The part's first class.
    blocks : ndarray of shape (n_features, 2 Kp + 2), X's dtype
        Per feature: scaled weights V (Kp), gradient sums G (Kp), last step, padding;
        padding slots hold zeros.
    memory : ndarray of shape (n_samples, k), X's dtype
        Gradient memory ``c_i * residual_i`` at each sample's last visit.
    intercept, intercept_sum : ndarray of shape (k,), float64
        Intercept and the sum of the memory over samples.
    seen : ndarray of shape (n_samples,), uint8
        1 for samples visited at least once (their memory counts in ``n_t``).
    cumsums : ndarray of shape (3, seg_cap + 1), float64
        Running sums A, B and the per-step 1/n_t of the current segment; column 0 is 0.
    scale : ndarray of shape (1,), float64
        Weight scale: W = scale * V.
    counters : ndarray of shape (2,), int64
        Steps in the current segment, number of samples seen.
    loss_sum : ndarray of shape (1,), float64
        ``c_i * loss_i`` of every visited row, at the weights of its visit (before its
        step), is added to it.
    """

    k_off: int
    blocks: np.ndarray
    memory: np.ndarray
    intercept: np.ndarray
    intercept_sum: np.ndarray
    seen: np.ndarray
    cumsums: np.ndarray
    scale: np.ndarray
    counters: np.ndarray
    loss_sum: np.ndarray


class SgdPart(NamedTuple):
    """One class range ``[k_off, k_off + k)`` of an SGD model with its state, as
    ``_sgd.sgd_pass`` takes it.

    Attributes
    ----------
    k_off : int
        The part's first class.
    V : ndarray of shape (n_features, k), X's dtype
        Scaled weights (the model's are ``state[ST_WSCALE] * V``), updated in place.
    intercept : ndarray of shape (k,), float64
    Q : ndarray of shape (n_features * k,) or (0,), float64
        L1 penalty received per weight; empty when ``l1_ratio == 0`` (an empty Q turns
        the L1 step off).
    A : ndarray of shape (n_features * k,) or (0,), float64
        Averaged-sum part (see ``_sgd.pyx``); empty without averaging.
    A_intercept : ndarray of shape (k,), float64
        Sum of the averaged intercepts.
    state : ndarray of shape (STATE_SIZE,), float64
        Scalars carried between calls (``_sgd.STATE_FIELDS``); the same values in every
        part.
    resid : ndarray of shape (batch_size, k), float64
        Scratch: the residuals of a batch's rows.
    G : ndarray of shape (n_features,) or (0,), float64
        ``learning_rate="adagrad"``: per feature, the sum of the squared norms of its
        weights' loss gradients (over all the classes, so every part holds the same);
        empty for the other schedules.
    G_intercept : ndarray of shape (k,) or (0,), float64
        The same for the intercepts.
    E : ndarray of shape (n_features,) or (0,), float64
        ``"adagrad"``: each feature's step ``eta0 / G**power_t`` (0 while G is), kept so
        that the steps a feature skipped need no power of G.
    last : ndarray of shape (n_features,) or (0,), float64
        ``"adagrad"``: the step up to which each feature's weights (and their averaged
        sum) are up to date; the steps since then are applied when the feature is next
        touched, or at the end of the pass.
    """

    k_off: int
    V: np.ndarray
    intercept: np.ndarray
    Q: np.ndarray
    A: np.ndarray
    A_intercept: np.ndarray
    state: np.ndarray
    resid: np.ndarray
    G: np.ndarray
    G_intercept: np.ndarray
    E: np.ndarray
    last: np.ndarray
