"""Stub of the compiled ``_sag`` module (the SAG/SAGA epoch kernel, ``_sag.pyx``).

``_sag_avx2`` (the same source built with AVX2 + FMA) re-exports these names.
"""

from typing import Any, Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_Index = Union[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_F64 = npt.NDArray[np.float64]

STATUS_OK: int
STATUS_NONFINITE: int
MAX_SEGMENT: int
THREADS_AVAILABLE: bool

def sag_steps(
    data: _Floating,
    indices: _Index,
    indptr: _Index,
    n_features: int,
    y: npt.NDArray[np.int32],
    c: _F64,
    order: npt.NDArray[np.intp],
    parts: list[tuple[Any, ...]],
    step: float,
    l2: float,
    l1: float,
    saga: bool,
    binomial: bool,
    intercept_scale: float,
    n_threads: int = 1,
) -> int: ...
def padded_classes(n_classes: int) -> int: ...
def row_squared_norms(
    data: _Floating,
    indices: _Index,
    indptr: _Index,
    n_samples: int,
    n_features: int,
    out: _F64,
) -> int: ...
def finish_epoch(
    parts: list[tuple[Any, ...]], l1: float, previous: list[_Floating], n_threads: int = 1
) -> tuple[float, float, float, float]: ...
def _finish_epoch(
    dtype_tag: _Floating,
    parts: list[tuple[Any, ...]],
    l1: float,
    previous: list[_Floating],
    n_threads: int,
) -> tuple[float, float, float, float]: ...
def prox_catch_up(
    v: float, G: float, p: int, m: int, A: _F64, B: _F64, R: _F64, l1: float
) -> float: ...
