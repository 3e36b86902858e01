"""Type aliases of the public signatures (annotations only; nothing here runs a check)."""

from os import PathLike
from typing import Any, Callable, Literal, Mapping, Optional, Union

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

#: X: an array-like or a SciPy sparse matrix/array.
MatrixLike = Union[npt.ArrayLike, sp.spmatrix, sp.sparray]
#: ``random_state``: None, a seed or a RandomState.
RandomStateLike = Union[None, int, np.random.RandomState]
#: ``class_weight``: a dict ``{label: weight}``, "balanced" or None.
ClassWeight = Optional[Union[Mapping[Any, float], Literal["balanced"]]]
#: ``callback``: called with one record dict per iteration or epoch; true stops the fit.
Callback = Callable[[dict], Any]
#: A file path.
StrPath = Union[str, "PathLike[str]"]
#: A float32 or float64 array.
FloatArray = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]

__all__ = ["Callback", "ClassWeight", "FloatArray", "MatrixLike", "RandomStateLike", "StrPath"]
