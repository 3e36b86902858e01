# cython: language_level=3, cdivision=True
"""Weighted softmax / sigmoid cross-entropy and its gradient, in one pass over X.

Design
------
For each row x_i (dense or CSR, through the row view of ``_rowmath.pxd``)::

    raw = intercept + x_i @ W                       # W feature-major (n_features, K)
    multinomial (K >= 3):  loss_i = logsumexp(raw) - raw[y_i]
                           r = softmax(raw) - onehot(y_i)
    binomial    (K == 1):  loss_i = softplus(raw) - y_i * raw
                           r = expit(raw) - y_i
    loss += s_i * loss_i;  G[features of x_i, :] += s_i * outer(x_i, r);  g0 += s_i * r

so a nonzero reads and writes K adjacent doubles of W and G. The residuals are multiplied by
``scale`` (1/S) as they are made, and the gradient starts from ``l2_reg * W``, so the
scaled, L2-penalised objective costs no extra pass over the parameters.

Dense X takes another route to the same sums: the rows of a block are taken a chunk
(about 160 KB of X) at a time, ``raw = X_c @ W`` and ``G += X_c.T @ R_c`` are two BLAS
dgemm calls (scipy's BLAS, through ``scipy.linalg.cython_blas``), and only the per-row
softmax/residual runs in the loop. A dense row touches every weight, so the row loop
gains nothing from sparsity and loses to BLAS's blocked, vectorised kernels (measured on
100k x 100, 10 classes: 2.3x faster in float64). The chunk of X is read from memory once
for both products, and the row loop prefetches the next chunk: without it the first
dgemm waited on memory (OpenBLAS's small-matrix kernel does not prefetch) and took 40% of
the pass; with it a float64 pass on one thread went from 24 to 19 ms. float32 X is
converted chunk by chunk (a small buffer, never a copy of X), so the sums stay in double
either way.

Threads: the rows are cut into ``n_blocks`` contiguous blocks of about equal nnz (cut
points chosen by the caller). Block 0 accumulates into the output gradient, block b > 0
into row b - 1 of a work buffer; the buffers are then added in block order, so the
result is deterministic for a given block split. One block means no OpenMP at all.

Input contract (checked by ``softmaxreg._validation``): finite data; for CSR,
``indptr`` non-decreasing with ``indptr[-1] == len(indices)`` and every index in
``[0, n_features)``; labels in ``[0, K)`` (``{0, 1}`` for binomial); weights >= 0;
all arrays C-contiguous. The kernel does not raise; it returns the loss sum.
"""

import numpy as np

from cython.parallel cimport prange
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.stdint cimport int32_t

from .rowmath cimport (
    floating, index_t, loss_residual, prefetch_block, row_dot, row_outer_add_ahead,
    row_view,
)
from scipy.linalg.cython_blas cimport dgemm

# Dense rows per pair of dgemm calls: about this many bytes of X (float64), so that the
# chunk (and its float64 copy for float32 X) stays in L2 between the two products, with
# room for the next chunk, which the row loop prefetches. 100k x 100, 10 classes: 204
# rows a chunk ran 5% faster than 256 (measured 2026-12-01).
cdef enum:
    DENSE_CHUNK_BYTES = 163840
    DENSE_CHUNK_MIN = 16
    DENSE_CHUNK_MAX = 256


cdef double _loss_gradient_block(
    const floating* data,
    const index_t* indices,
    const index_t* indptr,
    Py_ssize_t n_features,
    Py_ssize_t row_start,
    Py_ssize_t row_end,
    const int32_t* y,
    const double* sample_weight,
    const double* W,
    const double* intercept,
    Py_ssize_t n_classes,
    bint binomial,
    double scale,
    double* grad_W_out,
    double* grad_intercept_out,
) noexcept nogil:
    """sum_i s_i * loss_i over rows [row_start, row_end); scale * gradients added to the outputs."""
    cdef Py_ssize_t i, k, nnz, next_nnz
    cdef const floating* values
    cdef const index_t* row_indices
    cdef const floating* next_values
    cdef const index_t* next_indices
    cdef double loss = 0.0, s
    cdef double* raw = <double*> malloc(n_classes * sizeof(double))
    if raw == NULL:
        return -1.0  # impossible loss: the caller raises MemoryError
    for i in range(row_start, row_end):
        nnz = row_view(data, indices, indptr, n_features, i, &values, &row_indices)
        next_nnz = 0
        next_indices = NULL
        if i + 1 < row_end:
            next_nnz = row_view(data, indices, indptr, n_features, i + 1, &next_values,
                                &next_indices)
        for k in range(n_classes):
            raw[k] = intercept[k]
        row_dot(values, row_indices, nnz, W, n_classes, raw, next_indices, next_nnz, NULL,
                False)
        s = sample_weight[i]
        loss += s * loss_residual(raw, n_classes, y[i], binomial, scale * s)
        # raw now holds the scaled, weighted residual
        for k in range(n_classes):
            grad_intercept_out[k] += raw[k]
        row_outer_add_ahead(values, row_indices, nnz, raw, n_classes, grad_W_out, next_indices,
                            next_nnz)
    free(raw)
    return loss


cdef double _loss_gradient_dense_block(
    const floating* data,
    Py_ssize_t n_features,
    Py_ssize_t row_start,
    Py_ssize_t row_end,
    const int32_t* y,
    const double* sample_weight,
    const double* W,
    const double* intercept,
    Py_ssize_t n_classes,
    bint binomial,
    double scale,
    double* grad_W_out,
    double* grad_intercept_out,
) noexcept nogil:
    """``_loss_gradient_block`` for dense X (``data`` C-ordered), with two dgemm per chunk."""
    cdef Py_ssize_t c0, i, k, p, m
    cdef double loss = 0.0, s
    cdef double* raw
    cdef double* xc
    cdef double* buf
    cdef double one = 1.0, zero = 0.0
    cdef int K = <int> n_classes, d = <int> n_features, mi
    cdef char no = b"N"
    cdef char tr = b"T"
    cdef Py_ssize_t chunk = DENSE_CHUNK_BYTES // (n_features * sizeof(double))
    chunk = max(DENSE_CHUNK_MIN, min(DENSE_CHUNK_MAX, chunk))
    buf = <double*> malloc(chunk * n_classes * sizeof(double) + (
        chunk * n_features * sizeof(double) if floating is float else 0))
    if buf == NULL:
        return -1.0  # impossible loss: the caller raises MemoryError
    raw = buf
    xc = buf + chunk * n_classes
    c0 = row_start
    while c0 < row_end:
        m = min(chunk, row_end - c0)
        mi = <int> m
        if floating is float:
            for p in range(m * n_features):
                xc[p] = data[c0 * n_features + p]
        else:
            xc = <double*> (data + c0 * n_features)
        # raw (m x K) = X_c @ W, in BLAS's column-major terms raw.T = W.T @ X_c.T
        dgemm(&no, &no, &K, &mi, &d, &one, <double*> W, &K, xc, &d, &zero, raw, &K)
        for i in range(m):
            # the next chunk's row i: in cache before the next chunk's first dgemm
            if c0 + m + i < row_end:
                prefetch_block(data + (c0 + m + i) * n_features,
                               n_features * sizeof(floating))
            for k in range(n_classes):
                raw[i * n_classes + k] += intercept[k]
            s = sample_weight[c0 + i]
            loss += s * loss_residual(raw + i * n_classes, n_classes, y[c0 + i], binomial,
                                      scale * s)
            for k in range(n_classes):
                grad_intercept_out[k] += raw[i * n_classes + k]
        # G (d x K) += X_c.T @ R_c, in column-major terms G.T += R_c.T @ X_c
        dgemm(&no, &tr, &K, &d, &mi, &one, raw, &K, xc, &d, &one, grad_W_out, &K)
        c0 += chunk
    free(buf)
    return loss


def loss_gradient(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    Py_ssize_t n_features,
    const int32_t[::1] y,
    const double[::1] sample_weight,
    const double[:, ::1] W,
    const double[::1] intercept,
    double[:, ::1] grad_W_out,
    double[::1] grad_intercept_out,
    bint binomial,
    double scale,
    double l2_reg,
    const Py_ssize_t[::1] block_starts,
    double[:, ::1] work,
    int n_threads=0,
):
    """Scaled loss plus L2 term, and its gradient, in one pass over X.

    Computes ``f = scale * sum_i s_i * loss_i + l2_reg / 2 * ||W||^2`` and writes
    ``grad_W_out = scale * sum_i s_i * outer(x_i, r_i) + l2_reg * W`` and
    ``grad_intercept_out = scale * sum_i s_i * r_i``.

    Parameters
    ----------
    data : ndarray of shape (nnz,) or (n_samples * n_features,), float32 or float64
        CSR ``data``, or the dense C-ordered X raveled.
    indices, indptr : ndarray of int32 or int64
        CSR structure; both empty (length 0) for dense X.
    n_features : int
    y : ndarray of shape (n_samples,), int32
        Class index in [0, K); 0/1 when ``binomial``.
    sample_weight : ndarray of shape (n_samples,), float64
    W : ndarray of shape (n_features, K), float64
        Feature-major weights (K = 1 when ``binomial``).
    intercept : ndarray of shape (K,), float64
    grad_W_out : ndarray of shape (n_features, K), float64
    grad_intercept_out : ndarray of shape (K,), float64
    binomial : bool
        Sigmoid loss with one weight column instead of softmax.
    scale : float
        Usually 1 / sum(sample_weight).
    l2_reg : float
        L2 strength (alpha * (1 - l1_ratio)).
    block_starts : ndarray of shape (n_blocks + 1,), intp
        Row cut points of the thread blocks, from 0 to n_samples.
    work : ndarray of shape (n_blocks - 1, n_features * K + K), float64
        Per-block gradient buffers (contents ignored).
    n_threads : int, default=0
        Threads that run the blocks (0: one a block). The blocks and the order in which
        their sums are added do not depend on it, so neither does the result.

    Returns
    -------
    f : float
    """
    cdef Py_ssize_t n_classes = W.shape[1]
    cdef Py_ssize_t n_blocks = block_starts.shape[0] - 1
    cdef Py_ssize_t n_params = n_features * n_classes
    cdef Py_ssize_t b, p
    cdef double total = 0.0, sq_norm = 0.0, w
    cdef bint failed = False
    cdef const index_t* ind_ptr = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const index_t* indptr_ptr = &indptr[0] if indptr.shape[0] > 0 else NULL
    cdef const floating* data_ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef const double* W_flat = &W[0, 0]
    cdef double* gW_flat = &grad_W_out[0, 0]
    cdef double* gW
    cdef double* g0
    cdef double[::1] block_loss = np.zeros(n_blocks)
    # dense X through BLAS; its dgemm takes int sizes
    cdef bint dense = (indptr_ptr == NULL and 0 < n_features < 2**31 and n_classes < 2**31)
    if n_threads <= 0 or n_threads > n_blocks:
        n_threads = n_blocks

    with nogil:
        # grad = l2_reg * W to start with; the rows' terms are added on top
        # (||W||^2 is a reduction: its threads stay one a block, so its rounding does not
        # depend on n_threads)
        for p in prange(n_params, num_threads=n_blocks, schedule="static"):
            w = W_flat[p]
            gW_flat[p] = l2_reg * w
            sq_norm += w * w
        memset(&grad_intercept_out[0], 0, n_classes * sizeof(double))
        if n_blocks == 1 and dense:
            block_loss[0] = _loss_gradient_dense_block(
                data_ptr, n_features, block_starts[0], block_starts[1], &y[0],
                &sample_weight[0], W_flat, &intercept[0], n_classes, binomial, scale,
                gW_flat, &grad_intercept_out[0])
        elif n_blocks == 1:
            block_loss[0] = _loss_gradient_block(
                data_ptr, ind_ptr, indptr_ptr, n_features, block_starts[0], block_starts[1],
                &y[0], &sample_weight[0], W_flat, &intercept[0], n_classes, binomial, scale,
                gW_flat, &grad_intercept_out[0])
        else:
            for b in prange(n_blocks, num_threads=n_threads, schedule="dynamic", chunksize=1):
                if b == 0:
                    gW = gW_flat
                    g0 = &grad_intercept_out[0]
                else:
                    gW = &work[b - 1, 0]
                    g0 = gW + n_params
                    memset(gW, 0, (n_params + n_classes) * sizeof(double))
                if dense:
                    block_loss[b] = _loss_gradient_dense_block(
                        data_ptr, n_features, block_starts[b], block_starts[b + 1], &y[0],
                        &sample_weight[0], W_flat, &intercept[0], n_classes, binomial,
                        scale, gW, g0)
                else:
                    block_loss[b] = _loss_gradient_block(
                        data_ptr, ind_ptr, indptr_ptr, n_features, block_starts[b],
                        block_starts[b + 1], &y[0], &sample_weight[0], W_flat, &intercept[0],
                        n_classes, binomial, scale, gW, g0)
            # add the block buffers in block order (parallel over parameters)
            for p in prange(n_params, num_threads=n_threads, schedule="static"):
                for b in range(1, n_blocks):
                    gW_flat[p] += work[b - 1, p]
            for b in range(1, n_blocks):
                for p in range(n_classes):
                    grad_intercept_out[p] += work[b - 1, n_params + p]
        for b in range(n_blocks):
            if block_loss[b] < 0.0:
                failed = True
            total += block_loss[b]
    if failed:
        raise MemoryError("softmaxreg: could not allocate a scratch row buffer")
    return scale * total + 0.5 * l2_reg * sq_norm
