"""The weighted Gram matrix ``Xa.T @ diag(w) @ Xa`` with ``Xa = [X, 1]``, a chunk of rows of X
at a time.

Both Hessian-shaped matrices of the package are built from it: the curvature bound the
whitened L-BFGS rescales by (``softmaxreg._solvers.whitening``) and the observed information of
the inference tables (``softmaxreg._inference``).
"""

import numpy as np
import scipy.sparse as sp

# Rows of X per chunk: about 4 MB of float64 (a CSR nonzero counted as 12 bytes)
CHUNK_BYTES = 1 << 22


def weighted_gram(X, w, fit_intercept):
    """``Xa.T @ diag(w) @ Xa`` as a dense float64 array, ``Xa = [X, 1]`` (X without the
    column of ones when ``fit_intercept`` is False).

    X (dense, or CSR, any float dtype) is read a chunk of rows at a time and never copied
    whole; each chunk is converted to float64. Weights that are all >= 0 go through
    ``Xw.T @ Xw`` with ``Xw = sqrt(w) X`` (for dense X one BLAS syrk: half the
    multiply-adds of a general product); signed weights through ``X.T @ (w X)``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    w : ndarray of shape (n_samples,)
    fit_intercept : bool

    Returns
    -------
    ndarray of shape (n_features + fit_intercept, n_features + fit_intercept)
    """
    n, d = X.shape
    m = d + 1 if fit_intercept else d
    H = np.zeros((m, m))
    if n == 0:
        return H
    w = np.asarray(w, dtype=np.float64)
    sparse = sp.issparse(X)
    if sparse:
        X = sp.csr_matrix(X)
        chunk = max(1, int(CHUNK_BYTES // (12 * max(1.0, X.nnz / n))))
    else:
        chunk = max(1, CHUNK_BYTES // (8 * max(1, d)))
    uniform = bool(np.all(w == w[0]))
    nonnegative = bool(np.all(w >= 0.0))
    for lo in range(0, n, chunk):
        wc = w[lo : lo + chunk]
        if sparse:
            Xc = X[lo : lo + chunk].astype(np.float64)
            if nonnegative:
                Xw = Xc.multiply(np.sqrt(wc)[:, None]).tocsr()
                H[:d, :d] += (Xw.T @ Xw).toarray()
            else:
                H[:d, :d] += (Xc.T @ Xc.multiply(wc[:, None]).tocsr()).toarray()
        else:
            Xc = np.asarray(X[lo : lo + chunk], dtype=np.float64)
            if uniform:
                H[:d, :d] += (Xc.T @ Xc) * w[0]
            elif nonnegative:
                Xw = Xc * np.sqrt(wc)[:, None]
                H[:d, :d] += Xw.T @ Xw
            else:
                H[:d, :d] += Xc.T @ (Xc * wc[:, None])
        if fit_intercept:
            column = np.asarray(Xc.T @ wc).ravel()
            H[:d, d] += column
            H[d, :d] += column
            H[d, d] += wc.sum()
    return H
