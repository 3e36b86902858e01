"""softmaxreg on a Dask cluster: exact distributed L-BFGS over row blocks.

Needs the optional dependencies ``dask[array]`` and ``distributed``
(``pip install "softmaxreg[dask]"``); ``import softmaxreg`` alone never imports dask.

Public names
------------
DaskSoftmaxRegression
    ``SoftmaxRegression``'s L-BFGS fit over a dask array whose row blocks stay on the
    workers; lazy ``predict``/``predict_proba``/``decision_function``; ``to_local()``.
WorkerLostError
    Raised when a fit lost workers and data it could not recompute.
"""

try:
    import dask.array  # noqa: F401
    import distributed  # noqa: F401
except ImportError as exc:
    raise ImportError(
        f"softmaxreg.dask needs dask[array] and distributed ({exc}); install them with "
        'pip install "softmaxreg[dask]"'
    ) from exc

from ._estimator import DaskSoftmaxRegression
from ._objective import WorkerLostError

__all__ = ["DaskSoftmaxRegression", "WorkerLostError"]
