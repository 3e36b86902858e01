"""Stub of the compiled ``_softmax`` module (row-wise softmax kernels, ``_softmax.pyx``)."""

from typing import Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]

def softmax_rows(Z: _Floating, out: _Floating) -> None: ...
def log_softmax_rows(Z: _Floating, out: _Floating) -> None: ...
def logsumexp_rows(Z: _Floating, out: _Floating) -> None: ...
