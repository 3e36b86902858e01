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


# Variance inflation factors above this name a column as collinear in ``summary``.
VIF_LIMIT = 10.0

# Convergence failures name the columns when the scales differ by more than this factor:
# far less than a stochastic solver tolerates, but enough to slow L-BFGS down.
SCALE_HINT_RATIO = 30.0


class FeatureScaleWarning(UserWarning):
    """Warning: the columns of X have wildly different scales (rescale before a stochastic fit)."""


class CollinearityWarning(UserWarning):
    """Warning from ``summary``: columns with variance inflation factors above 10.

    The message names the columns and their figures; their standard errors are inflated
    and their coefficients cannot be read one at a time.
    """


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


def collinear_columns(X, names, limit=VIF_LIMIT):
    """``[(name, vif), ...]`` of the columns of X whose VIF exceeds ``limit``, largest first.

    The same figures as :func:`variance_inflation_factors`, computed from one Gram
    matrix (``VIF_j = [R^-1]_jj`` for the correlation matrix R) instead of one
    least-squares fit per column, so that ``summary`` can afford it for a few thousand
    columns. Constant columns are skipped; a column in an exact linear dependence has
    ``inf``.

    Parameters
    ----------
    X : {ndarray, CSR matrix} of shape (n_samples, n_features), float
    names : sequence of str
    limit : float, default=10

    Returns
    -------
    list of (str, float)
    """
    n_samples, n_features = X.shape
    if n_features < 2 or n_samples < 2:
        return []
    mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    if sp.issparse(X):
        gram = np.asarray((X.T @ X).toarray(), dtype=np.float64)
    else:
        gram = np.asarray(X, dtype=np.float64).T @ np.asarray(X, dtype=np.float64)
    cov = gram - n_samples * np.outer(mean, mean)  # centred: the regressions' constant
    var = np.diag(cov).copy()
    keep = np.flatnonzero(var > 1e-12 * max(var.max(), np.finfo(float).tiny))
    if keep.shape[0] < 2:
        return []
    d = np.sqrt(var[keep])
    corr = cov[np.ix_(keep, keep)] / d[:, None] / d[None, :]
    lam, V = np.linalg.eigh(corr)
    tiny = lam < 1e-10 * lam[-1]
    with np.errstate(divide="ignore"):
        vif = (V[:, ~tiny] ** 2) @ (1.0 / lam[~tiny])
    if tiny.any():  # columns taking part in an exact dependence
        vif[np.abs(V[:, tiny]).max(axis=1) > 1e-6] = np.inf
    found = [(str(names[j]), float(v)) for j, v in zip(keep, vif) if v > limit]
    return sorted(found, key=lambda item: -item[1])


def scale_hint(X, names=None, ratio_limit=SCALE_HINT_RATIO):
    """A sentence naming the columns of X on much larger scales than the rest, or None.

    Appended to a ``ConvergenceWarning``: columns whose root-mean-square scale is more
    than ``ratio_limit`` times the median one stretch the objective's level sets, which
    is a common reason for a fit that runs out of iterations; standardising is the fix.
    """
    X = check_array(X, accept_sparse="csr", dtype=list(FLOAT_DTYPES), ensure_all_finite=False)
    # small chunks: this runs inside a solver, beside its buffers, so it must add little
    sq, count = _column_squares(X, chunk_entries=CHUNK_ENTRIES // 16)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(sq / count)
    present = np.flatnonzero((count > 0) & np.isfinite(scale) & (scale > 0))
    if present.shape[0] < 2:
        return None
    median = np.percentile(scale[present], 50, method="lower")
    ratio = scale[present].max() / median
    if not ratio > ratio_limit:
        return None
    big = present[np.argsort(-scale[present], kind="stable")]
    big = big[scale[big] > ratio_limit * median]
    names = [f"x{j}" for j in range(X.shape[1])] if names is None else [str(n) for n in names]
    listed = ", ".join(repr(names[j]) for j in big[:5])
    more = f" and {big.shape[0] - 5} more" if big.shape[0] > 5 else ""
    return (
        f"The features are badly scaled: {listed}{more} are on scales over "
        f"{ratio_limit:g} times the median column's (largest/median {ratio:.3g}). "
        "Standardise them, e.g. make_pipeline(StandardScaler(), model) (the softmaxreg "
        "command line does it unless --no-scale), rather than raising max_iter."
    )


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


def _column_squares(X, chunk_entries=CHUNK_ENTRIES):
    """Per column: sum of squares of ``X / max|X|`` and the count of nonzeros (float64).

    Dividing by the largest magnitude first keeps squares of huge values finite. CSR X is
    summed in one Cython pass over its nonzeros, dense X in chunks of ``chunk_entries``
    entries: no copy of X is made either way.
    """
    n_features = X.shape[1]
    sq = np.zeros(n_features)
    count = np.zeros(n_features)
    chunk = max(chunk_entries, n_features)
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
