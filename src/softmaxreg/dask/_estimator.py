"""DaskSoftmaxRegression: exact L-BFGS over row blocks held on a Dask cluster."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .._estimator import (
    SoftmaxRegression,
    _restore_on_error,
    set_fitted,
    solver_settings,
    warm_start_params,
)
from .._solvers.contract import LbfgsSettings
from .._solvers.lbfgs import fit_lbfgs
from .._solvers.progress import ProgressLog
from .._validation import check_distributed_params, check_params
from . import _blocks
from ._collections import check_dask_X, row_blocks
from ._objective import DistributedObjective, load_blocks

# The hyper-parameters shared with SoftmaxRegression (the others concern other solvers).
SHARED_PARAMS = (
    "alpha",
    "l1_ratio",
    "solver",
    "fit_intercept",
    "tol",
    "max_iter",
    "class_weight",
    "warm_start",
    "verbose",
    "callback",
)


def _get_client():
    from distributed import get_client

    try:
        return get_client()
    except ValueError as exc:
        raise ValueError(
            "DaskSoftmaxRegression.fit needs a dask.distributed Client: connect to a "
            "scheduler with `from distributed import Client; client = Client('tcp://...')`, "
            "or start a local one with `Client()`."
        ) from exc


class DaskSoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Softmax regression fitted by exact L-BFGS over the row blocks of a dask array.

    Minimises the objective of :class:`softmaxreg.SoftmaxRegression` (L2 or no penalty)::

        (1/S) * sum_i s_i * loss_i + alpha/2 * ||W||^2

    with the blocks of X kept on the workers of the current ``distributed.Client``. Each
    L-BFGS iteration broadcasts the weights once, every block computes its loss and
    gradient with the Cython kernel (the GIL is released, so threaded workers run blocks
    in parallel), the results are added in a tree and scipy's L-BFGS-B steps on the
    client. The optimum is the in-memory model's, up to the order of floating-point sums.

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 regularisation strength (>= 0; 0: no penalty).
    l1_ratio : float, default=0.0
        Must be 0 (kept so that the parameters match ``SoftmaxRegression``'s).
    solver : {"lbfgs"}, default="lbfgs"
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Stop when the max-norm of the projected gradient is below ``tol``.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations; reaching it warns with ``ConvergenceWarning``.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights ("balanced" from each
        class's total sample weight over the whole data, as in scikit-learn).
    warm_start : bool, default=False
        Start from the previous ``coef_``/``intercept_`` when classes and features match.
    verbose : int, default=0
        Print the objective per iteration to stderr when > 0.
    callback : callable or None, default=None
        Called after each L-BFGS iteration with a record dict (``iteration``,
        ``objective``, ``elapsed``, ``solver``), as in :class:`SoftmaxRegression`; a true
        return stops the fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for two classes
        float32 when X is float32, float64 otherwise.
    intercept_ : ndarray of shape (n_classes,), or (1,) for two classes
    n_iter_ : int
        L-BFGS iterations run.
    loss_curve_ : ndarray of shape (n_iter_,), float64
        The objective after each iteration.
    n_features_in_ : int

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client
    >>> from softmaxreg.dask import DaskSoftmaxRegression
    >>> client = Client(processes=False)  # doctest: +SKIP
    >>> X = da.from_array(X_numpy, chunks=(10_000, -1))  # doctest: +SKIP
    >>> y = da.from_array(y_numpy, chunks=(10_000,))  # doctest: +SKIP
    >>> clf = DaskSoftmaxRegression(alpha=1e-5).fit(X, y)  # doctest: +SKIP
    >>> clf.predict(X).compute()  # doctest: +SKIP
    """

    def __init__(
        self,
        alpha=1e-4,
        l1_ratio=0.0,
        solver="lbfgs",
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        warm_start=False,
        verbose=0,
        callback=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback

    def _local_estimator(self):
        """An unfitted SoftmaxRegression with this estimator's hyper-parameters."""
        return SoftmaxRegression(**{name: getattr(self, name) for name in SHARED_PARAMS})

    def fit(self, X, y, sample_weight=None):
        """Fit on a dask array X split into row blocks.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features)
            Row blocks of NumPy arrays or SciPy CSR matrices (column chunks are joined
            first). float32 X is used as float32, other numbers as float64.
        y : dask array or dask Series of shape (n_samples,)
            Labels of any type, split into the same row blocks as X (an in-memory array is
            split like X when X's chunk sizes are known).
        sample_weight : dask array, array-like or None, default=None
            Non-negative weights, split like y.

        Returns
        -------
        self

        Raises
        ------
        softmaxreg.dask.WorkerLostError
            When the cluster lost a worker and data it could not recompute.
        """
        with _restore_on_error(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        local = self._local_estimator()
        check_params(local)
        check_distributed_params(self)
        X, dtype = check_dask_X(X)
        pieces = row_blocks(X, y, sample_weight)
        client = _get_client()
        n_features = int(X.shape[1])
        blocks, classes, total_weight = load_blocks(
            client, pieces, n_features, dtype, self.class_weight
        )
        objective = DistributedObjective(
            client, blocks, len(classes), n_features, self.alpha, self.fit_intercept, total_weight
        )
        del blocks
        progress = ProgressLog("lbfgs", self.verbose, self.callback)
        params0 = warm_start_params(self, objective, classes, n_features)
        try:
            result = fit_lbfgs(objective, params0, solver_settings(self, LbfgsSettings), progress)
        finally:
            objective.close()
        if not np.all(np.isfinite(result.params)):
            raise FloatingPointError(
                "softmaxreg: the fit produced non-finite weights; check the scale of X "
                "(try StandardScaler or MaxAbsScaler) or increase alpha."
            )
        W, b = objective.split(result.params)
        set_fitted(self, classes, W, b, dtype, result.n_iter, result.loss_curve)
        self.n_features_in_ = n_features
        return self

    def to_local(self):
        """The fitted model as an in-memory :class:`softmaxreg.SoftmaxRegression`.

        Returns
        -------
        SoftmaxRegression
            Same hyper-parameters and fitted attributes (copies).
        """
        check_is_fitted(self)
        local = self._local_estimator()
        for name in ("classes_", "coef_", "intercept_"):
            setattr(local, name, getattr(self, name).copy())
        local.n_iter_ = self.n_iter_
        local.loss_curve_ = self.loss_curve_.copy()
        local.n_features_in_ = self.n_features_in_
        return local

    def _blockwise(self, X, method):
        """``method`` of the local model on every row block of dask X (lazy), or on X."""
        import dask
        import dask.array as da

        local = self.to_local()
        if not isinstance(X, da.Array):
            return getattr(local, method)(X)
        X, dtype = check_dask_X(X, n_features=self.n_features_in_)
        score_dtype = np.result_type(dtype, self.coef_.dtype)
        if method == "predict":
            out_dtype, two_d = self.classes_.dtype, False
        else:
            out_dtype, two_d = score_dtype, method != "decision_function" or len(self.classes_) > 2
        n_columns = len(self.classes_)
        model = dask.delayed(local, pure=True)
        if two_d:
            return X.map_blocks(
                _blocks.predict_block,
                model,
                method,
                dtype=out_dtype,
                chunks=(X.chunks[0], (n_columns,)),
                meta=np.empty((0, 0), dtype=out_dtype),
            )
        return X.map_blocks(
            _blocks.predict_block,
            model,
            method,
            dtype=out_dtype,
            drop_axis=1,
            meta=np.empty((0,), dtype=out_dtype),
        )

    def decision_function(self, X):
        """Raw scores ``X @ coef_.T + intercept_``, lazily for a dask array.

        Parameters
        ----------
        X : dask.array.Array, array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        dask.array.Array (for dask X) or ndarray, of shape (n_samples, n_classes), or
        (n_samples,) for two classes (the log-odds of ``classes_[1]``)
        """
        return self._blockwise(X, "decision_function")

    def predict_proba(self, X):
        """Class probabilities (columns in the order of ``classes_``), lazily for dask X.

        Returns
        -------
        dask.array.Array or ndarray of shape (n_samples, n_classes)
        """
        return self._blockwise(X, "predict_proba")

    def predict_log_proba(self, X):
        """Log of the class probabilities, lazily for dask X.

        Returns
        -------
        dask.array.Array or ndarray of shape (n_samples, n_classes)
        """
        return self._blockwise(X, "predict_log_proba")

    def predict(self, X):
        """Most probable class per sample, lazily for dask X.

        Returns
        -------
        dask.array.Array or ndarray of shape (n_samples,), taken from ``classes_``
        """
        return self._blockwise(X, "predict")
