"""The penalised objective every solver minimises, on top of the Cython loss kernel.

    f(W, b) = (1/S) * sum_i s_i * loss_i + alpha * ((1 - l1_ratio)/2 * ||W||^2 + l1_ratio * ||W||_1)

with S the total sample weight and the intercept b not penalised. ``loss_i`` is the
softmax cross-entropy for three or more classes, the sigmoid (binomial) one for two.
Weights are feature-major, ``W`` of shape (n_features, K); K = 1 for two classes.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from ._kernels import loss as _loss
from ._kernels.select import sag as _sag
from ._threads import ThreadPacer
from ._typing import MatrixLike

# Below this many multiply-adds (nnz * K) per thread, threads cost more than they save
# (about 2 ms of work: on a busy 2-core machine a thread barrier can cost more).
MIN_WORK_PER_THREAD = 2_000_000


class RowData:
    """X in the kernels' row-view form: ``data``, ``indices``, ``indptr``.

    CSR input is used without a copy; dense C-ordered X is raveled (a view) and its
    ``indices``/``indptr`` are empty, which the kernels read as "dense".

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or CSR matrix/array
        Already validated (see ``softmaxreg._validation``).
    """

    def __init__(self, X):
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        if sp.issparse(X):
            self.data, self.indices, self.indptr = X.data, X.indices, X.indptr
            self.nnz = X.indices.shape[0]
        else:
            self.data = X.reshape(-1)
            self.indices = self.indptr = np.empty(0, dtype=np.int32)
            self.nnz = X.size
        self._squared_norms = None

    def matrix(self):
        """X as a dense view or a CSR matrix over these arrays (never a copy)."""
        if self.indptr.shape[0] == 0:
            return self.data.reshape(self.n_samples, self.n_features)
        return sp.csr_matrix(
            (self.data, self.indices, self.indptr),
            shape=(self.n_samples, self.n_features),
            copy=False,
        )

    def squared_norms(self):
        """``||x_i||^2`` of every row (float64, read-only) and X's count of nonzero values
        (explicit zeros and the zeros of dense X not counted), computed once: the
        ``"auto"`` rule and SAG's step size both read them."""
        if self._squared_norms is None:
            out = np.empty(self.n_samples)
            nonzeros = _sag.row_squared_norms(
                self.data, self.indices, self.indptr, self.n_samples, self.n_features, out
            )
            out.flags.writeable = False
            self._squared_norms = (out, nonzeros)
        return self._squared_norms

    def pass_cost(self, order, n_columns):
        """Cumulative work ``(nnz_i + 1) * n_columns`` of the rows ``order``, in that order:
        where a pass over them is cut into kernel calls of about equal work."""
        if self.indptr.shape[0] == 0:
            per_row = (self.n_features + 1) * n_columns
            return np.arange(1, order.shape[0] + 1, dtype=np.float64) * per_row
        nnz = np.diff(self.indptr)[order]
        return np.cumsum((nnz + 1) * float(n_columns))

    def block_starts(self, n_blocks):
        """Row cut points splitting the rows into ``n_blocks`` runs of about equal nnz."""
        n_blocks = max(1, min(n_blocks, self.n_samples))
        if self.indptr.shape[0] == 0:
            cuts = np.linspace(0, self.n_samples, n_blocks + 1)
        else:
            cuts = np.searchsorted(self.indptr, np.linspace(0, self.nnz, n_blocks + 1))
        # Interior cuts only, then 0 and n_samples: with no nonzeros at all every cut is
        # 0, and overwriting the ends of a one-element array left no block (a loss of 0).
        cuts = np.round(cuts).astype(np.intp)
        inner = cuts[(cuts > 0) & (cuts < self.n_samples)]
        return np.unique(np.concatenate([[0], inner, [self.n_samples]])).astype(np.intp)


class Objective:
    """Value and gradient of the penalised objective for a flat parameter vector.

    The parameter vector is ``concat(W.ravel(), b)``: W feature-major (n_features, K),
    then K intercepts (present even when ``fit_intercept=False``, then held at 0).

    Parameters
    ----------
    X : validated ndarray or CSR
    y_index : ndarray of shape (n_samples,), int32
        Class indices; for two classes, 0/1 (the second class is the positive one).
    sample_weight : ndarray of shape (n_samples,), float64
    n_classes : int
        Number of classes (>= 2).
    alpha, l1_ratio : float
    fit_intercept : bool
    n_threads : int
        Upper bound on OpenMP threads for one pass.
    feature_names : sequence of str or None
        The columns' names, for the messages of :meth:`convergence_note`.
    """

    def __init__(
        self,
        X,
        y_index,
        sample_weight,
        n_classes,
        alpha,
        l1_ratio,
        fit_intercept,
        n_threads=1,
        feature_names=None,
    ):
        self.rows = RowData(X)
        self._X = X  # a reference, for convergence_note
        self.feature_names = feature_names
        self.y = np.ascontiguousarray(y_index, dtype=np.int32)
        self.sample_weight = np.ascontiguousarray(sample_weight, dtype=np.float64)
        self.total_weight = float(self.sample_weight.sum())
        self.binomial = n_classes == 2
        self.n_columns = 1 if self.binomial else n_classes
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.fit_intercept = bool(fit_intercept)
        n_features = self.rows.n_features
        self.n_params = n_features * self.n_columns
        n_blocks = self._choose_blocks(n_threads)
        self.block_starts = self.rows.block_starts(n_blocks)
        self._pacer = ThreadPacer(len(self.block_starts) - 1)
        self._work = self._grad = None  # allocated by the first value_and_gradient call

    def convergence_note(self):
        """What a ConvergenceWarning should add: badly scaled columns and the fix, or None.

        Computed only when a solver has run out of iterations (one pass over X).
        """
        from ._diagnostics import scale_hint

        return scale_hint(self._X, self.feature_names)

    def _choose_blocks(self, n_threads):
        work = self.rows.nnz * self.n_columns
        by_work = max(1, work // MIN_WORK_PER_THREAD)
        # Each extra thread costs one pass over its gradient buffer; keep that small.
        by_buffer = max(1, work // max(1, 2 * self.n_params))
        return int(max(1, min(n_threads, by_work, by_buffer)))

    @property
    def n_threads(self):
        return len(self.block_starts) - 1

    def split(self, params):
        """Views ``(W, b)`` of a flat parameter vector."""
        W = params[: self.n_params].reshape(-1, self.n_columns)
        return W, params[self.n_params :]

    def value(self, params):
        """The objective at ``params`` (a flat vector)."""
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params):
        """Objective and gradient of its smooth part (loss + L2) at ``params``.

        The L1 part, if any, is in the value but not in the gradient.
        Returns ``(value, gradient)``; the gradient is a new array.
        """
        self._allocate_buffers()
        value = self._kernel(
            params, 1.0 / self.total_weight, self.alpha * (1.0 - self.l1_ratio), self._grad
        )
        if self.l1_ratio > 0.0:
            W, _ = self.split(np.asarray(params, dtype=np.float64))
            value += self.alpha * self.l1_ratio * float(np.abs(W).sum())
        return value, self._grad.copy()

    def loss_sum_and_gradient(self, params):
        """``sum_i s_i * loss_i`` and its gradient: not divided by S, no penalty.

        What one row block of a distributed fit contributes; the sums over the blocks,
        divided by the total weight S plus the penalty, give :meth:`value_and_gradient`.
        Returns ``(loss_sum, gradient)``; the gradient is a new array.
        """
        grad = np.empty(self.n_params + self.n_columns)
        return self._kernel(params, 1.0, 0.0, grad), grad

    def _allocate_buffers(self):
        """The thread blocks' work buffers and the gradient, on first use.

        SAG, SAGA and SGD fits never evaluate the full gradient, so they never pay for these
        model-sized arrays.
        """
        if self._work is None:
            n_work = len(self.block_starts) - 2
            self._work = np.empty((max(n_work, 0), self.n_params + self.n_columns))
        if self._grad is None:
            self._grad = np.empty(self.n_params + self.n_columns)

    def _kernel(self, params, scale, l2_reg, grad_out):
        """One kernel pass: ``scale * sum_i s_i * loss_i + l2_reg/2 * ||W||^2``; the gradient
        goes into grad_out."""
        params = np.ascontiguousarray(params, dtype=np.float64)
        W, b = self.split(params)
        if not self.fit_intercept:
            b = np.zeros_like(b)
        self._allocate_buffers()
        grad_W, grad_b = self.split(grad_out)
        rows = self.rows
        # the blocks run on one thread or on one a block, whichever is faster now
        threads, _ = self._pacer.plan()
        began = time.perf_counter()
        value = _loss.loss_gradient(
            rows.data,
            rows.indices,
            rows.indptr,
            rows.n_features,
            self.y,
            self.sample_weight,
            W,
            b,
            grad_W,
            grad_b,
            self.binomial,
            scale,
            l2_reg,
            self.block_starts,
            self._work,
            threads,
        )
        self._pacer.record(
            threads, float(rows.nnz + rows.n_samples) * self.n_columns, time.perf_counter() - began
        )
        if not self.fit_intercept:
            grad_b[:] = 0.0
        return value


def params_from_coef(coef, intercept, binomial):
    """Flat parameter vector from scikit-learn-shaped ``coef_`` (K, d) and ``intercept_``."""
    W = np.asarray(coef, dtype=np.float64).T  # (d, K)
    return np.concatenate([W.ravel(), np.asarray(intercept, dtype=np.float64).ravel()])


def objective_value(
    coef: npt.ArrayLike,
    intercept: npt.ArrayLike,
    X: MatrixLike,
    y: npt.ArrayLike,
    *,
    alpha: float,
    l1_ratio: float = 0.0,
    sample_weight: npt.ArrayLike | None = None,
    classes: npt.ArrayLike | None = None,
) -> float:
    """The softmaxreg objective of a linear model on data, whoever fitted it.

    Works for scikit-learn's ``LogisticRegression`` as well: pass its ``coef_``,
    ``intercept_`` and ``classes_``; ``C`` corresponds to ``alpha = 1 / (C * S)``.

    Parameters
    ----------
    coef : array of shape (n_classes, n_features), or (1, n_features) for two classes
    intercept : array of shape (n_classes,) or (1,)
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    alpha : float
    l1_ratio : float, default=0.0
    sample_weight : array-like of shape (n_samples,), default=None
    classes : array-like, default=None
        The model's class order; default ``np.unique(y)``.

    Returns
    -------
    float
    """
    from ._validation import check_sample_weight, encode_labels, validate_X_y_standalone

    X, y = validate_X_y_standalone(X, y)
    classes, y_index = encode_labels(y, None if classes is None else np.asarray(classes))
    sw = check_sample_weight(sample_weight, X.shape[0])
    obj = Objective(X, y_index, sw, len(classes), alpha, l1_ratio, fit_intercept=True)
    return obj.value(params_from_coef(coef, intercept, obj.binomial))
