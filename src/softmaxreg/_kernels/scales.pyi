"""Stub of the compiled ``_scales`` module (column scales of CSR X, ``_scales.pyx``)."""

from typing import Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_Index = Union[npt.NDArray[np.int32], npt.NDArray[np.int64]]

def column_square_sums(
    data: _Floating,
    indices: _Index,
    inv_top: float,
    sq_out: npt.NDArray[np.float64],
    count_out: npt.NDArray[np.float64],
) -> None: ...
