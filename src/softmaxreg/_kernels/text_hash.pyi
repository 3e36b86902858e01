"""Stub of the compiled ``text_hash`` module (hashed word counts, ``text_hash.pyx``)."""

import numpy as np
import numpy.typing as npt

NORM_NONE: int
NORM_L1: int
NORM_L2: int

def hash_texts(
    texts: list[str],
    n_features: int,
    alternate_sign: bool,
    norm: int,
    single: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.int64]]: ...
