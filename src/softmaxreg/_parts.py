"""How the SAG/SAGA and SGD kernels split a model's classes over threads.

Both kernels can run a row's class loops as *parts*: class ranges in whole chunks of 4
lanes, each with its own arrays, one part a thread. The threads hand each row's scores
to each other (the softmax needs all of them), which costs a few hundred nanoseconds a
row, so the split pays only when a row carries enough work; one thread runs the same
arithmetic on all parts, so the model does not depend on the thread count.
"""

import numpy as np

from ._threads import available_cores, effective_n_threads

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
            MIN_ROW_WORK if min_row_work is None else min_row_work):
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
    out = buffer[start:start + a.size].reshape(a.shape)
    out[...] = a
    return out
