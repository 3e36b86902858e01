"""Stub of the compiled ``_sgd`` module (the SGD epoch kernel, ``_sgd.pyx``).

``_sgd_avx2`` (the same source built with AVX2 + FMA) re-exports these names.
"""

from typing import Any, Union

import numpy as np
import numpy.typing as npt

_Floating = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_Index = Union[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_F64 = npt.NDArray[np.float64]

STATE_FIELDS: dict[str, int]
STATE_SIZE: int
THREADS_AVAILABLE: bool
LEARNING_RATES: dict[str, int]

def sgd_pass(
    data: _Floating,
    indices: _Index,
    indptr: _Index,
    n_features: int,
    y: npt.NDArray[np.int32],
    sample_weight: _F64,
    order: npt.NDArray[np.intp],
    start: int,
    stop: int,
    parts: list[tuple[Any, ...]],
    binomial: bool,
    fit_intercept: bool,
    batch_size: int,
    lr_kind: int,
    eta0: float,
    power_t: float,
    alpha: float,
    l1_ratio: float,
    optimal_init: float,
    average_start: float,
    n_threads: int = 1,
    linear_average: bool = False,
) -> int: ...
def adagrad_rates(G: _F64, E: _F64, eta0: float, power_t: float) -> None: ...
def adagrad_catch_up(
    V: _Floating,
    E: _F64,
    A: _F64,
    last: _F64,
    state: _F64,
    alpha: float,
    l1_ratio: float,
    linear_average: bool = False,
) -> None: ...
def l1_catch_up(V: _Floating, Q: _F64, A: _F64, state: _F64) -> None: ...
def weight_sums(
    Vs: list[_Floating], As: list[_F64], n_threads: int = 1
) -> tuple[float, float, bool]: ...
def _weight_sums_parts(
    dtype_tag: _Floating, Vs: list[_Floating], As: list[_F64], n_threads: int
) -> tuple[float, float, bool]: ...
