"""Stub of the compiled ``_loss`` module (the loss/gradient pass, ``_loss.pyx``)."""

from typing import Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_Index = Union[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_F64 = npt.NDArray[np.float64]

def loss_gradient(
    data: _Floating,
    indices: _Index,
    indptr: _Index,
    n_features: int,
    y: npt.NDArray[np.int32],
    sample_weight: _F64,
    W: _F64,
    intercept: _F64,
    grad_W_out: _F64,
    grad_intercept_out: _F64,
    binomial: bool,
    scale: float,
    l2_reg: float,
    block_starts: npt.NDArray[np.intp],
    work: _F64,
) -> float: ...
