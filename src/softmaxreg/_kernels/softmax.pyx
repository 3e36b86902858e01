# cython: language_level=3, cdivision=True
"""Row-wise softmax, log-softmax and log-sum-exp over 2-D float32/float64 arrays.

Design
------
Each row is shifted by its maximum before ``exp`` so no intermediate overflows, and
the sum of exponentials is accumulated in double whatever the storage type; the
result is stored in the input's dtype. Input contract (checked by
``softmaxreg._validation``): C-contiguous, finite, ``out`` of the same dtype and shape
(``out`` may be the input itself, for an in-place transform). The loops release the GIL.
"""

from libc.math cimport exp, INFINITY

from .rowmath cimport floating, logsumexp_row, max_row, shifted_logsumexp_row


def softmax_rows(const floating[:, ::1] Z, floating[:, ::1] out):
    """Write ``exp(Z - logsumexp(Z, axis=1)[:, None])`` to ``out``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes), float32 or float64, C-contiguous
    out : ndarray of the same shape and dtype; may be ``Z`` itself.
    """
    cdef Py_ssize_t i, k
    cdef Py_ssize_t n_rows = Z.shape[0], n_cols = Z.shape[1]
    cdef double m, s, e
    with nogil:
        for i in range(n_rows):
            m = max_row(&Z[i, 0], n_cols) if n_cols > 0 else 0.0
            s = 0.0
            for k in range(n_cols):
                e = exp(Z[i, k] - m)
                s += e
                out[i, k] = <floating>e
            s = 1.0 / s
            for k in range(n_cols):
                out[i, k] = <floating>(out[i, k] * s)


def log_softmax_rows(const floating[:, ::1] Z, floating[:, ::1] out):
    """Write ``Z - logsumexp(Z, axis=1)[:, None]`` to ``out`` (which may be ``Z``).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes), float32 or float64, C-contiguous
    out : ndarray of the same shape and dtype.
    """
    cdef Py_ssize_t i, k
    cdef Py_ssize_t n_rows = Z.shape[0], n_cols = Z.shape[1]
    cdef double m, log_s
    with nogil:
        for i in range(n_rows):
            if n_cols == 0:
                continue
            log_s = shifted_logsumexp_row(&Z[i, 0], n_cols, &m)
            for k in range(n_cols):
                out[i, k] = <floating>((Z[i, k] - m) - log_s)


def logsumexp_rows(const floating[:, ::1] Z, floating[::1] out):
    """Write ``log(sum(exp(Z), axis=1))`` to ``out``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes), float32 or float64, C-contiguous
    out : ndarray of shape (n_samples,), same dtype as ``Z``.
    """
    cdef Py_ssize_t i
    cdef Py_ssize_t n_rows = Z.shape[0], n_cols = Z.shape[1]
    with nogil:
        for i in range(n_rows):
            out[i] = (<floating>logsumexp_row(&Z[i, 0], n_cols) if n_cols > 0
                      else <floating>(-INFINITY))
