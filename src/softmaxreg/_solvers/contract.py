"""What a solver driver takes and what it returns.

Every driver has the signature::

    driver(objective, params0, settings, progress, state=None) -> SolverResult

- ``objective``: the problem (``softmaxreg._objective.Objective`` or the distributed one);
- ``params0``: the flat start point ``concat(W.ravel(), b)`` (float64; the driver may use
  its buffer);
- ``settings``: one frozen dataclass per solver family (:class:`LbfgsSettings`,
  :class:`SagSettings`, :class:`SGDSettings`), built by the estimator from its
  hyper-parameters (the field names are the estimator's parameter names);
- ``progress``: a ``softmaxreg._solvers.progress.ProgressLog``, called once per iteration or
  epoch; a true return stops the driver;
- ``state``: the warm-start state an earlier result of the same driver returned
  (``SolverResult.state``), or None.

Drivers read nothing from an estimator and set nothing on it: the estimator keeps the
returned state (``_sag_state``, ``_sgd_state``) and sets its fitted attributes from the
result.
"""

import warnings
from dataclasses import dataclass, replace
from typing import Any, Optional, Union

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._typing import RandomStateLike


@dataclass(frozen=True)
class LbfgsSettings:
    """Settings of ``solver="lbfgs"`` (see ``SoftmaxRegression`` for their meaning)."""

    tol: float = 1e-4
    max_iter: int = 100


@dataclass(frozen=True)
class SagSettings:
    """Settings of ``solver="sag"`` and ``"saga"``.

    ``warm_start``: reuse the gradient memory passed as ``state`` (when it fits the
    problem) and return the new one in ``SolverResult.state``.
    """

    tol: float = 1e-4
    max_iter: int = 100
    random_state: RandomStateLike = None
    n_jobs: Optional[int] = None
    warm_start: bool = False


# What ``eta0``, ``power_t`` and ``average`` of None stand for: per learning rate, then
# for every other one ("adagrad"'s were chosen on five partial_fit passes over three
# TF-IDF corpora; the others are SGDClassifier's).
SGD_DEFAULTS = {
    "adagrad": {"eta0": 2.0, "power_t": 0.2, "average": "linear"},
    None: {"eta0": 0.01, "power_t": 0.5, "average": False},
}


def sgd_default(learning_rate, name, value):
    """``value``, or what None stands for at this ``learning_rate``."""
    if value is not None:
        return value
    return SGD_DEFAULTS.get(learning_rate, SGD_DEFAULTS[None])[name]


def auto_learning_rate(partial, alpha, batch_size, average):
    """What ``learning_rate="auto"`` runs: "adagrad" for ``partial_fit`` (a stream's few
    passes, whose length is not known: per-feature steps and a linearly weighted average
    get close to the optimum in a few passes), "optimal" for ``fit`` (epochs until
    ``tol``: its ``1 / (alpha t)`` steps converge faster there); "adagrad" also where
    "optimal" cannot run (``alpha=0``) or ``average="linear"`` asks for it, and
    "optimal" for mini-batches (AdaGrad here takes one row a step)."""
    if batch_size != 1:
        return "optimal"
    if partial or alpha == 0 or average == "linear":
        return "adagrad"
    return "optimal"


@dataclass(frozen=True)
class SGDSettings:
    """Settings of ``solver="sgd"`` (``fit`` and ``partial_fit``); ``eta0``,
    ``power_t`` and ``average`` of None take ``SGD_DEFAULTS`` once the learning rate is
    known (``resolve`` turns "auto" into one)."""

    tol: float = 1e-4
    max_iter: int = 100
    random_state: RandomStateLike = None
    n_jobs: Optional[int] = None
    batch_size: int = 1
    learning_rate: str = "auto"
    eta0: Optional[float] = None
    power_t: Optional[float] = None
    average: Union[bool, int, str, None] = None
    shuffle: bool = True
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 5

    def __post_init__(self):
        if self.learning_rate == "auto":
            return
        for name in ("eta0", "power_t", "average"):
            value = sgd_default(self.learning_rate, name, getattr(self, name))
            object.__setattr__(self, name, value)

    def resolve(self, partial, alpha, previous=None):
        """These settings with ``learning_rate="auto"`` replaced by what it runs and the
        defaults filled in: ``previous`` (the schedule of the run being continued), else
        ``auto_learning_rate``."""
        if self.learning_rate != "auto":
            return self
        rate = previous or auto_learning_rate(partial, alpha, self.batch_size, self.average)
        return replace(self, learning_rate=rate)


@dataclass(frozen=True)
class SolverResult:
    """What a driver returns.

    Attributes
    ----------
    params : ndarray of shape (n_features * K + K,), float64
        The flat parameters ``concat(W.ravel(), b)`` the driver ended at.
    n_iter : int
        Iterations (L-BFGS) or epochs (stochastic solvers) run.
    loss_curve : ndarray of shape (n_iter,), float64
        The objective recorded by ``progress`` after each iteration or epoch.
    state : object or None
        Warm-start state for a later call of the same driver (SAG/SAGA with
        ``warm_start``: ``{"memory": ndarray of shape (n_samples, K), "sums": ndarray of
        shape (n_features, K)}``, the gradient memory and ``X.T @ memory``; SGD: the
        ``SGDState`` that ``partial_fit`` continues from); None when nothing is kept.
    """

    params: np.ndarray
    n_iter: int
    loss_curve: np.ndarray
    state: Any = None


def warn_not_converged(message, objective, stacklevel=4):
    """Issue a ``ConvergenceWarning``, with the objective's note on badly scaled columns.

    Running out of iterations on columns of very different scales calls for
    standardising, not for a larger ``max_iter``, so the warning names the columns when
    the objective can (``Objective.convergence_note``; the distributed objective cannot).
    ``stacklevel`` counts from the driver's frame, as ``warnings.warn`` would there.
    """
    note = getattr(objective, "convergence_note", None)
    note = note() if note is not None else None
    warnings.warn(
        f"{message} {note}" if note else message, ConvergenceWarning, stacklevel=stacklevel + 1
    )
