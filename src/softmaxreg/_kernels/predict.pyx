# cython: language_level=3, cdivision=True
"""Scores of a linear model on CSR rows: ``out = X @ W + intercept``, threaded over rows.

Design
------
scipy's ``X @ coef_.T`` for CSR X walks each row's nonzeros and reads K scattered
weights per nonzero with no prefetch, and first copies ``coef_.T`` into C order. Here
the weights are feature-major ``W`` (n_features, K), so a nonzero reads K adjacent
numbers, and the next row's weight blocks are prefetched while the current row is summed
(``row_dot`` in ``_rowmath.pxd``, the row dot of every kernel). Rows are
independent, so they are split over OpenMP threads with a guided schedule (a thread
that lost its core to another process leaves its rows to the others); each output row
is written by one thread and the result does not depend on the thread count.
Sums are in double whatever X's dtype. Dense X does not come here: BLAS is faster.

Input contract (checked by ``softmaxreg._validation``): CSR structure consistent, every
index in ``[0, n_features)``, ``W`` C-contiguous (n_features, K), ``out`` (n_samples, K).
"""

from cython.parallel cimport prange

from .rowmath cimport floating, index_t, row_dot, row_view


cdef inline void _row_scores(
    const floating* data, const index_t* indices, const index_t* indptr,
    Py_ssize_t n_features, Py_ssize_t n_samples, Py_ssize_t i, const double* W,
    const double* intercept, Py_ssize_t K, double* out_row,
) noexcept nogil:
    """out_row = x_i @ W + intercept, prefetching the weights of row i + 1.

    A function of its own so that the row pointers are locals of each call: inside a
    ``prange`` body, variables set only through their address (as ``row_view`` sets
    them) would be shared between the threads.
    """
    cdef const floating* values
    cdef const index_t* row_idx
    cdef const floating* next_values
    cdef const index_t* next_idx = NULL
    cdef Py_ssize_t k, nnz, next_nnz = 0
    nnz = row_view(data, indices, indptr, n_features, i, &values, &row_idx)
    if i + 1 < n_samples:
        next_nnz = row_view(data, indices, indptr, n_features, i + 1, &next_values, &next_idx)
    for k in range(K):
        out_row[k] = intercept[k]
    row_dot(values, row_idx, nnz, W, K, out_row, next_idx, next_nnz, NULL, False)


def linear_scores(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    Py_ssize_t n_features,
    const double[:, ::1] W,
    const double[::1] intercept,
    double[:, ::1] out,
    int n_threads,
):
    """Write ``X @ W + intercept`` for CSR X into ``out``, without the GIL.

    Parameters
    ----------
    data, indices, indptr : ndarrays
        CSR arrays of X (float32 or float64 data, int32 or int64 indices).
    n_features : int
    W : ndarray of shape (n_features, K), float64
        Feature-major weights (``coef_.T``).
    intercept : ndarray of shape (K,), float64
    out : ndarray of shape (n_samples, K), float64
    n_threads : int
        OpenMP threads (1: no threading).
    """
    cdef Py_ssize_t n_samples = out.shape[0], K = W.shape[1]
    cdef Py_ssize_t i
    if n_samples == 0 or K == 0 or data.shape[0] == 0:
        for i in range(n_samples):
            out[i, :] = intercept
        return
    with nogil:
        for i in prange(n_samples, num_threads=max(1, n_threads), schedule="guided"):
            _row_scores(&data[0], &indices[0], &indptr[0], n_features, n_samples, i,
                        &W[0, 0], &intercept[0], K, &out[i, 0])
