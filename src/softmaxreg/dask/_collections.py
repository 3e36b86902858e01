"""Client-side checks of the dask collections given to ``fit``/``predict`` (metadata only).

The data itself is checked block by block on the workers (``_validation.check_block``);
here only what the collections' metadata tells: types, dimensions, one dtype, and row
blocks of X, y and sample_weight that pair up.
"""

import numbers

import dask.array as da
import numpy as np

from .._validation import FLOAT_DTYPES


def check_dask_X(X, *, n_features=None):
    """Return X as a dask array with all its columns in one chunk, and its float dtype.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Row blocks of NumPy arrays or SciPy CSR matrices.
    n_features : int or None
        Required number of columns (prediction), or None (fit).

    Returns
    -------
    X : dask.array.Array
    dtype : numpy.dtype
        float32 for float32 X, float64 otherwise (what each block is converted to).
    """
    if not isinstance(X, da.Array):
        raise TypeError(
            f"X must be a dask array (dask.array.Array), got {type(X).__name__}; wrap "
            "in-memory data with dask.array.from_array(X, chunks=(rows_per_block, -1))."
        )
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D.")
    if not isinstance(X.shape[1], numbers.Integral):
        raise ValueError("X must have a known number of columns.")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the model was fitted with {n_features}."
        )
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold numbers, got dtype {X.dtype}.")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    dtype = X.dtype if X.dtype in FLOAT_DTYPES else np.dtype(np.float64)
    return X, np.dtype(dtype)


def row_blocks(X, y, sample_weight):
    """Per-row-block ``Delayed`` objects of X, y and sample_weight, paired up.

    y and sample_weight may be dask arrays (or a dask Series, through its
    ``to_dask_array``) split into as many row blocks as X, or in-memory arrays when X's
    chunk sizes are known (they are then split like X). sample_weight may be None.

    Returns
    -------
    list of (X_block, y_block, sample_weight_block or None) tuples of Delayed objects
    """
    row_chunks = X.chunks[0]
    y = _as_row_aligned(y, "y", row_chunks)
    parts = [X.to_delayed().ravel(), y.to_delayed().ravel()]
    if sample_weight is not None:
        if isinstance(sample_weight, numbers.Number):
            sample_weight = np.full(X.shape[0], float(sample_weight))
        parts.append(
            _as_row_aligned(sample_weight, "sample_weight", row_chunks).to_delayed().ravel()
        )
    else:
        parts.append([None] * len(parts[0]))
    return list(zip(*parts))


def _as_row_aligned(v, name, row_chunks):
    """``v`` as a 1-D dask array with the row blocks ``row_chunks`` of X."""
    if hasattr(v, "to_dask_array") and not isinstance(v, da.Array):  # dask Series
        v = v.to_dask_array()
    known = not any(np.isnan(c) for c in row_chunks)
    if not isinstance(v, da.Array):
        if not known:
            raise ValueError(
                f"{name} is an in-memory array but X's row blocks have unknown sizes; pass "
                f"{name} as a dask array with the same row blocks as X, or call "
                "X.compute_chunk_sizes() first."
            )
        v = np.asarray(v)
        if v.ndim != 1 or v.shape[0] != sum(row_chunks):
            raise ValueError(
                f"{name} must be 1-D with one entry per row of X ({sum(row_chunks)}), "
                f"got shape {v.shape}."
            )
        return da.from_array(v, chunks=(row_chunks,))
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got a {v.ndim}-D dask array.")
    if v.chunks[0] == row_chunks or (
        v.numblocks[0] == len(row_chunks) and (not known or any(np.isnan(c) for c in v.chunks[0]))
    ):
        return v  # block lengths that dask does not know are checked on the workers
    if known and not np.isnan(v.shape[0]) and v.shape[0] == sum(row_chunks):
        return v.rechunk({0: row_chunks})
    raise ValueError(
        f"{name} has {v.shape[0]} entries in {v.numblocks[0]} blocks, which cannot be "
        f"paired with X's {len(row_chunks)} row blocks of {sum(row_chunks)} rows; give "
        f"{name} the same row chunks as X."
    )
