"""Stub of the compiled ``_predict`` module (scores of CSR X, ``_predict.pyx``)."""

from typing import Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_Index = Union[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_F64 = npt.NDArray[np.float64]

def linear_scores(
    data: _Floating,
    indices: _Index,
    indptr: _Index,
    n_features: int,
    W: _F64,
    intercept: _F64,
    out: _F64,
    n_threads: int,
) -> None: ...
