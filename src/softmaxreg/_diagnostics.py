"""Data diagnostics before a fit: variance inflation factors and feature scales."""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from . import _scales
from ._validation import FLOAT_DTYPES, check_csr_structure

# Columns whose scales differ by more than this factor make SGD-type solvers slow or
# unstable (the step size that suits the largest column is far too small for the rest).
SCALE_RATIO_LIMIT = 1e3


class FeatureScaleWarning(UserWarning):
    """Warning: the columns of X have wildly different scales (rescale before a stochastic fit)."""


def variance_inflation_factors(X):
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


def check_feature_scales(X, *, limit=SCALE_RATIO_LIMIT, warn=True, stacklevel=2):
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
    if sp.issparse(X):
        # one pass over the nonzeros in their own dtype, no copy of the matrix (fits
        # call this on every X); scaled by the largest value so squares cannot overflow
        X = check_csr_structure(X)  # public function: the kernel must not read out of bounds
        data = X.data
        top = float(max(data.max(initial=0.0), -data.min(initial=0.0)))
        sq = np.zeros(X.shape[1])
        count = np.zeros(X.shape[1])
        if X.nnz:
            _scales.column_square_sums(data, X.indices, 1.0 / top if top > 0 else 1.0,
                                       sq, count)
    else:
        top = np.max(np.abs(X), initial=0.0)
        unit = X / top if top > 0 else X
        sq = np.einsum("ij,ij->j", unit, unit, dtype=np.float64)
        count = np.count_nonzero(X, axis=0)
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
