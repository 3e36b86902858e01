"""The objective of a distributed fit: row blocks persisted on a Dask cluster.

Design
------
The validated row blocks stay on the workers for the whole fit (futures held by
:class:`DistributedObjective`). One evaluation at parameters ``p``:

1. ``p`` is scattered to one worker, and each other worker fetches it once (from any
   worker that already holds it) for all its blocks: d*K*8 bytes per worker. (Not
   ``scatter(broadcast=True)``: its replication kept retrying a dead worker for minutes
   in our worker-kill test, while a plain dependency is recovered by the scheduler.)
2. every block runs the Cython kernel (``Objective.loss_sum_and_gradient``): its
   weighted loss sum and unnormalised gradient, with no penalty;
3. the blocks' results are added in a tree of ``sum_results`` tasks (blocks sorted by
   the worker holding them, so the first levels add on one worker without moving data);
4. the client divides the sums by the total weight S and adds the L2 term once.

So the value and gradient are those of the in-memory ``Objective`` up to the order of
the floating-point sums. Only the finished tree's result is used: an evaluation either
includes every block or raises, never a partial sum. If a worker dies, Dask recomputes
the blocks it held from their source (their task graph), and an evaluation interrupted
by the loss is run again from the start (a pure function of the parameters); when that
keeps failing (the source data is gone too, or a task keeps killing workers)
:class:`WorkerLostError` is raised.
"""

import asyncio
import concurrent.futures
import time

import numpy as np
from distributed import KilledWorker, wait
from distributed.comm.core import CommClosedError

from .._validation import class_weights as _class_weights
from . import _blocks

# Exceptions by which distributed reports lost data or workers (not errors of our code).
LOST = (
    KilledWorker,
    CommClosedError,
    concurrent.futures.CancelledError,
    asyncio.CancelledError,
    OSError,
)
# An evaluation that met a lost worker (e.g. the weights were being sent to it as it died)
# is run again from the start this many times, after RETRY_WAIT * attempt seconds.
RETRIES = 3
RETRY_WAIT = 0.5


class WorkerLostError(RuntimeError):
    """A distributed fit lost workers or data it could not recompute; no model was made."""


def _lost(step, exc):
    return WorkerLostError(
        f"softmaxreg.dask: the cluster lost a worker or data during the {step} "
        f"({type(exc).__name__}: {exc}); the fit was abandoned and the estimator left as "
        "it was (no model is made from a partial gradient). Check the workers' memory and "
        "logs, and make X recomputable (built from files or a dask graph, not scattered "
        "data) so that Dask can rebuild the blocks a lost worker held."
    )


def load_blocks(client, pieces, n_features, dtype, class_weight):
    """Validate, encode and persist the row blocks on the cluster.

    Parameters
    ----------
    client : distributed.Client
    pieces : list of (X_block, y_block, sample_weight_block or None) Delayed tuples
    n_features : int
    dtype : numpy.dtype
        float32 or float64, for every block.
    class_weight : dict, "balanced" or None

    Returns
    -------
    blocks : list of distributed.Future
        One encoded :class:`~softmaxreg.dask._blocks.Block` per non-empty row block,
        sorted by the worker holding it.
    classes : ndarray of shape (n_classes,)
    total_weight : float
        Sum of the (class-weighted) sample weights.
    """
    import dask

    prepare = dask.delayed(_blocks.prepare_block, pure=True)
    try:
        prepared = client.compute([prepare(Xb, yb, sb, n_features, dtype) for Xb, yb, sb in pieces])
        # the classes pass: distinct labels and class weights of every block, merged here
        found = client.gather(client.map(_blocks.block_labels, prepared, pure=False))
        prepared = [f for f, (_, _, n_rows) in zip(prepared, found) if n_rows > 0]
        if not prepared:
            raise ValueError("X has no rows: there is nothing to fit.")
        classes = np.unique(np.concatenate([labels for labels, _, _ in found]))
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0]!r}."
            )
        weights = class_weights(class_weight, classes, found)
        blocks = client.map(
            _blocks.encode_block, prepared, classes=classes, class_weight=weights, pure=False
        )
        del prepared
        total_weight = sum(client.gather(client.map(_blocks.block_weight_sum, blocks, pure=False)))
        wait(blocks)
        holders = client.who_has(blocks)
    except LOST as exc:
        raise _lost("loading of the blocks", exc) from exc
    if not total_weight > 0:
        raise ValueError("sample_weight sums to zero: there is nothing to fit.")
    blocks.sort(key=lambda f: tuple(sorted(holders.get(f.key, ()))))
    return blocks, classes, total_weight


def class_weights(class_weight, classes, found):
    """Weight of each class, from the per-block ``(labels, weights, n_rows)`` of the classes pass.

    "balanced" is scikit-learn's ``total weight / (n_classes * weight of the class)`` over
    the whole data (from the summed sample weights per class); see
    ``softmaxreg._validation.class_weights``.
    """
    if class_weight is None:
        return None
    counts = np.zeros(len(classes))
    for labels, n, _ in found:
        counts[np.searchsorted(classes, labels)] += n
    return _class_weights(class_weight, classes, counts=counts)


class DistributedObjective:
    """Value and gradient of the penalised objective over row blocks on a cluster.

    The same contract as ``softmaxreg._objective.Objective`` for ``fit_lbfgs``:
    ``value_and_gradient(params)`` and ``l1_ratio`` (always 0: L2 or no penalty).

    Parameters
    ----------
    client : distributed.Client
    blocks : list of distributed.Future
        Encoded blocks from :func:`load_blocks`.
    n_classes, n_features : int
    alpha : float
    fit_intercept : bool
    total_weight : float
    fan_in : int, default=4
        Results added per task of the reduction tree.
    """

    l1_ratio = 0.0

    def __init__(
        self, client, blocks, n_classes, n_features, alpha, fit_intercept, total_weight, fan_in=4
    ):
        self.client = client
        self.blocks = blocks
        self.n_classes = n_classes
        self.binomial = n_classes == 2
        self.n_columns = 1 if self.binomial else n_classes
        self.n_params = n_features * self.n_columns
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.total_weight = float(total_weight)
        self.fan_in = int(fan_in)

    def split(self, params):
        """Views ``(W, b)`` of a flat parameter vector (W feature-major)."""
        return params[: self.n_params].reshape(-1, self.n_columns), params[self.n_params :]

    def value_and_gradient(self, params):
        """Objective and gradient at ``params``, summed over every block.

        Raises
        ------
        WorkerLostError
            When the cluster lost data it could not recompute.
        """
        params = np.array(params, dtype=np.float64)  # a copy: what the workers read
        if not self.fit_intercept:
            params[self.n_params :] = 0.0
        loss_sum, grad = self.loss_sum_and_gradient(params)
        W = params[: self.n_params]
        value = loss_sum / self.total_weight + 0.5 * self.alpha * float(W @ W)
        grad /= self.total_weight
        grad[: self.n_params] += self.alpha * W
        if not self.fit_intercept:
            grad[self.n_params :] = 0.0
        return value, grad

    def loss_sum_and_gradient(self, params):
        """``(sum_i s_i * loss_i, its gradient)`` over all blocks, no penalty, not divided by S.

        Run again from the start (at most ``RETRIES`` times) when a worker was lost.
        """
        for attempt in range(RETRIES + 1):
            try:
                return self._evaluate(params)
            except KilledWorker as exc:  # a task killed workers again and again
                raise _lost("evaluation of the loss and gradient", exc) from exc
            except LOST as exc:
                if attempt == RETRIES:
                    raise _lost("evaluation of the loss and gradient", exc) from exc
                time.sleep(RETRY_WAIT * (attempt + 1))

    def _evaluate(self, params):
        client = self.client
        # to one worker; the others fetch it from a holder when their first block needs it
        shared = client.scatter(params, hash=False)
        parts = [
            client.submit(
                _blocks.block_loss_gradient,
                block,
                shared,
                self.n_classes,
                self.fit_intercept,
                pure=False,
            )
            for block in self.blocks
        ]
        root = tree_sum(client, parts, self.fan_in)
        del parts, shared
        loss_sum, grad = root.result()
        return float(loss_sum), np.array(grad, dtype=np.float64)

    def close(self):
        """Release the blocks held on the cluster."""
        self.blocks = []


def tree_sum(client, parts, fan_in):
    """A future of the sum of ``parts`` (futures of (loss, gradient)), ``fan_in`` at a time."""
    while len(parts) > 1:
        parts = [
            group[0] if len(group) == 1 else client.submit(_blocks.sum_results, *group, pure=False)
            for group in (parts[i : i + fan_in] for i in range(0, len(parts), fan_in))
        ]
    return parts[0]
