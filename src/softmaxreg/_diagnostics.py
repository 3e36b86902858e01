"""Data diagnostics before a fit: variance inflation factors and feature scales."""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from ._kernels import scales as _scales
from ._typing import MatrixLike
from ._validation import FLOAT_DTYPES, check_csr_structure

# Columns whose scales differ by more than this factor make SGD-type solvers slow or
# unstable (the step size that suits the largest column is far too small for the rest).
SCALE_RATIO_LIMIT = 1e3


# Entries processed at a time by the scale check (at least n_features, so that the
# per-chunk column sums cost no more than the chunk): its temporaries stay about a MB or
# the size of a few columns' sums, whatever the size of X (fits run it on every X).
CHUNK_ENTRIES = 1 << 16


class FeatureScaleWarning(UserWarning):
    """Warning: the columns of X have wildly different scales (rescale before a stochastic fit)."""


def variance_inflation_factors(X: MatrixLike) -> npt.NDArray[np.float64]:
    """Variance inflation factor of every column of X.

    ``VIF_j = 1 / (1 - R_j^2)`` with ``R_j^2`` the coefficient of determination of the
    least-squares regression of column j on the other columns and a constant; this is
    statsmodels' ``variance_inflation_factor(add_constant(X), j + 1)``. Values above
    about 5 to 10 are the usual signs of multicollinearity.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Numeric data without a constant column (sparse input is densified: keep
        ``n_features`` moderate).

    Returns
    -------
    vif : ndarray of shape (n_features,), float64
        ``inf`` for a column that is an exact linear combination of the others (and the
        constant), ``nan`` for a constant column (its R^2 is undefined).
    """
    X = check_array(X, accept_sparse="csr", dtype=np.float64, ensure_min_features=1)
    if sp.issparse(X):
        X = X.toarray()
    Xc = X - X.mean(axis=0)  # the constant regressor, once for all columns
    n_features = X.shape[1]
    vif = np.empty(n_features)
    for j in range(n_features):
        target = Xc[:, j]
        tss = target @ target
        if tss <= 0.0:
            vif[j] = np.nan
            continue
        others = np.delete(Xc, j, axis=1)
        if others.shape[1]:
            beta = np.linalg.lstsq(others, target, rcond=None)[0]
            resid = target - others @ beta
        else:
            resid = target
        rss = resid @ resid
        # R^2 = 1 - rss/tss; VIF = 1/(1 - R^2) = tss/rss, inf for an exact fit
        vif[j] = np.inf if rss <= tss * 1e-13 else tss / rss
    return vif


def check_feature_scales(
    X: MatrixLike, *, limit: float = SCALE_RATIO_LIMIT, warn: bool = True, stacklevel: int = 2
) -> float:
    """Ratio of the largest column scale of X to the typical one; warn above ``limit``.

    The scale of a column is the root mean square of its nonzero entries; the typical
    scale is the (lower) median over the columns that are not all zero. A column far above the
    typical one (unscaled counts or money beside [0, 1] features) dominates the row
    norms that set the step sizes of SGD, SAG and SAGA, and makes them crawl or diverge.
    The median, not the smallest scale, is the reference so that TF-IDF or hashed text,
    whose rare terms have tiny values by design, does not warn.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    limit : float, default=1e3
        Ratios above this warn.
    warn : bool, default=True
        Issue a :class:`FeatureScaleWarning` when the ratio exceeds ``limit``.
    stacklevel : int, default=2
        Passed to :func:`warnings.warn` (2: the caller's line).

    Returns
    -------
    ratio : float
        Largest column scale over the median one (1.0 when fewer than two columns are
        non-zero).
    """
    X = check_array(X, accept_sparse="csr", dtype=list(FLOAT_DTYPES), ensure_all_finite=False)
    sq, count = _column_squares(X)
    present = count > 0
    scale = np.sqrt(sq[present] / count[present])
    scale = scale[np.isfinite(scale) & (scale > 0)]
    if scale.shape[0] < 2:
        return 1.0
    ratio = float(scale.max() / np.percentile(scale, 50, method="lower"))
    if warn and ratio > limit:
        warnings.warn(
            f"One or more columns of X are on a much larger scale than the others (largest "
            f"column scale / median one = {ratio:.3g} > {limit:g}); stochastic solvers "
            "converge slowly or diverge on such data. Rescale first, e.g. "
            "make_pipeline(StandardScaler(), ...) for dense data or MaxAbsScaler() for "
            "sparse data.",
            FeatureScaleWarning,
            stacklevel=stacklevel,
        )
    return ratio


def _column_squares(X):
    """Per column: sum of squares of ``X / max|X|`` and the count of nonzeros (float64).

    Dividing by the largest magnitude first keeps squares of huge values finite. CSR X is
    summed in one Cython pass over its nonzeros, dense X in chunks of ``CHUNK_ENTRIES``
    entries: no copy of X is made either way.
    """
    n_features = X.shape[1]
    sq = np.zeros(n_features)
    count = np.zeros(n_features)
    chunk = max(CHUNK_ENTRIES, n_features)
    if sp.issparse(X):
        # one pass over the nonzeros in their own dtype (Cython), no temporaries; the
        # structure is checked first since this is a public function
        X = check_csr_structure(X)
        data = X.data
        top = float(max(data.max(initial=0.0), -data.min(initial=0.0)))
        if X.nnz:
            _scales.column_square_sums(data, X.indices, 1.0 / top if top > 0 else 1.0, sq, count)
        return sq, count
    rows = max(1, chunk // max(1, n_features))
    blocks = [X[lo : lo + rows] for lo in range(0, X.shape[0], rows)]
    top = max((float(np.max(np.abs(b))) for b in blocks), default=0.0)
    for b in blocks:
        unit = b.astype(np.float64)
        if top > 0:
            unit /= top
        sq += np.einsum("ij,ij->j", unit, unit)
        count += np.count_nonzero(b, axis=0)
    return sq, count
