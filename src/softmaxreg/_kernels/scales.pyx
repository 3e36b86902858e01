# cython: language_level=3, cdivision=True
"""Per-column sums over the nonzeros of a CSR matrix, for the feature-scale check.

Design
------
``check_feature_scales`` runs on every X given to a stochastic solver, so it must cost a
small fraction of an epoch. NumPy needs a float64 copy of the data, its square and two
``bincount`` passes (about half an SGD epoch on 20newsgroups); this kernel is one pass
over ``data`` and ``indices`` in their own dtypes, adding into two ``n_features`` arrays
that stay in cache.

Input contract (checked by ``softmaxreg._validation``): ``indices`` in ``[0, n_features)``,
``data`` and ``indices`` of equal length, ``inv_top`` finite (the caller divides by the
largest ``|data|`` first, so that squares of values near 1e160 do not overflow).
"""

from .rowmath cimport floating, index_t


def column_square_sums(
    const floating[::1] data,
    const index_t[::1] indices,
    double inv_top,
    double[::1] sq_out,
    double[::1] count_out,
):
    """Add ``(data * inv_top)**2`` and the count of nonzero entries per column.

    ``np.bincount(indices, (data * inv_top)**2)`` into ``sq_out`` and
    ``np.bincount(indices[data != 0])`` into ``count_out``, summed in double.

    Parameters
    ----------
    data : ndarray of shape (nnz,), float32 or float64
        CSR ``data``.
    indices : ndarray of shape (nnz,), int32 or int64
        CSR ``indices``, each in ``[0, len(sq_out))``.
    inv_top : float
        Scale applied before squaring.
    sq_out, count_out : ndarray of shape (n_features,), float64
        Accumulated in place.
    """
    cdef Py_ssize_t p, j
    cdef double v
    with nogil:
        for p in range(data.shape[0]):
            v = data[p] * inv_top
            j = indices[p]
            sq_out[j] += v * v
            count_out[j] += v != 0.0
