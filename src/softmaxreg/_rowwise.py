"""Public row-wise softmax, log-softmax and log-sum-exp (Cython kernels behind them)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._kernels import softmax as _softmax
from ._typing import FloatArray


def _check_logits(Z: npt.ArrayLike) -> FloatArray:
    """2-D float32/float64 C-contiguous finite array (integers and float16 become float64)."""
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must be a 2-D array of shape (n_samples, n_classes), got {Z.ndim}-D.")
    if Z.dtype.kind not in "fiub" or Z.dtype == np.bool_:
        raise TypeError(f"Z must hold real numbers, got dtype {Z.dtype}.")
    if Z.dtype not in (np.float32, np.float64):
        Z = Z.astype(np.float64)
    Z = np.ascontiguousarray(Z)
    if not np.isfinite(Z).all():
        raise ValueError("Z contains NaN or infinity.")
    return Z


def softmax(Z: npt.ArrayLike) -> FloatArray:
    """Row-wise softmax: ``exp(Z) / exp(Z).sum(axis=1, keepdims=True)``, computed stably.

    Same values as ``scipy.special.softmax(Z, axis=1)``; the max of each row is
    subtracted before ``exp`` and sums are accumulated in double, so logits of
    +-1e4 neither overflow nor warn.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_classes)
        Finite real numbers. float32 stays float32; other dtypes become float64.

    Returns
    -------
    ndarray of shape (n_samples, n_classes), dtype of ``Z`` (float32 or float64)
        Each row sums to 1.
    """
    Z = _check_logits(Z)
    out = np.empty_like(Z)
    _softmax.softmax_rows(Z, out)
    return out


def log_softmax(Z: npt.ArrayLike) -> FloatArray:
    """Row-wise log-softmax: ``Z - logsumexp(Z)[:, None]``.

    The same as ``scipy.special.log_softmax(Z, axis=1)``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes), dtype of ``Z`` (float32 or float64)
    """
    Z = _check_logits(Z)
    out = np.empty_like(Z)
    _softmax.log_softmax_rows(Z, out)
    return out


def logsumexp(Z: npt.ArrayLike) -> FloatArray:
    """Row-wise ``log(exp(Z).sum(axis=1))``, as ``scipy.special.logsumexp(Z, axis=1)``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples,), dtype of ``Z`` (float32 or float64)
    """
    Z = _check_logits(Z)
    out = np.empty(Z.shape[0], dtype=Z.dtype)
    _softmax.logsumexp_rows(Z, out)
    return out
