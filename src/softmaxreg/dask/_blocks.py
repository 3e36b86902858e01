"""What runs on the workers: one function per step of a distributed fit, over one row block.

Every function takes and returns plain Python/NumPy objects, is defined at module level
(so worker processes can unpickle it by name) and never modifies its inputs: a block's
data may be shared with other tasks of the same worker process.

Steps of a fit, for each row block of X (with its labels and weights):

1. :func:`prepare_block` validates the block (``_validation.check_block``);
2. :func:`block_labels` returns its distinct labels and their counts (the classes pass);
3. :func:`encode_block` turns labels into class indices and multiplies the class
   weights into the sample weights: the :class:`Block` that stays on the worker;
4. :func:`block_loss_gradient`, once per L-BFGS evaluation, runs the Cython kernel on
   the block (GIL released) for the broadcast parameters;
5. :func:`sum_results` adds the blocks' (loss sum, gradient) pairs in a tree.
"""

import numpy as np

from .._objective import Objective
from .._validation import check_block, effective_sample_weight, encode_labels


class Block:
    """One validated row block: X in kernel form, its labels and sample weights.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features) or CSR matrix, float32 or float64
    y : ndarray of shape (n_rows,)
        Labels (after :func:`prepare_block`) or int32 class indices (after
        :func:`encode_block`).
    sample_weight : ndarray of shape (n_rows,), float64
    """

    def __init__(self, X, y, sample_weight):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight

    @property
    def n_rows(self):
        return self.X.shape[0]


def prepare_block(X, y, sample_weight, n_features, dtype):
    """Validate one block (see ``softmaxreg._validation.check_block``)."""
    return Block(*check_block(X, y, sample_weight, n_features, dtype))


def block_labels(block):
    """``(labels, weights, n_rows)``: the block's distinct labels (sorted) and their total
    sample weights (what ``class_weight="balanced"`` counts)."""
    labels, index = np.unique(block.y, return_inverse=True)
    weights = np.bincount(index.ravel(), weights=block.sample_weight, minlength=len(labels))
    return labels, weights, block.n_rows


def encode_block(block, classes, class_weight):
    """The block with class indices for labels and ``sample_weight * class_weight[y]``.

    Parameters
    ----------
    block : Block
    classes : ndarray of shape (n_classes,)
        All classes of the fit, sorted.
    class_weight : ndarray of shape (n_classes,), float64, or None
    """
    _, y_index = encode_labels(block.y, classes)
    sw = effective_sample_weight(block.sample_weight, class_weight, y_index, allow_zero_sum=True)
    return Block(block.X, y_index, sw)


def block_weight_sum(block):
    """Sum of the block's (class-weighted) sample weights."""
    return float(block.sample_weight.sum())


def block_loss_gradient(block, params, n_classes, fit_intercept):
    """``(sum_i s_i * loss_i, gradient of that sum)`` over the block's rows.

    Parameters
    ----------
    block : Block
        Encoded block.
    params : ndarray of shape (n_features * K + K,), float64
        Flat parameters (feature-major W, then the intercepts), K = 1 for two classes.
    n_classes : int
    fit_intercept : bool

    Returns
    -------
    loss_sum : float
    gradient : ndarray of shape (n_features * K + K,), float64
        Not divided by the total weight, without the penalty.
    """
    objective = Objective(
        block.X,
        block.y,
        block.sample_weight,
        n_classes,
        alpha=0.0,
        l1_ratio=0.0,
        fit_intercept=fit_intercept,
        n_threads=1,
    )
    return objective.loss_sum_and_gradient(params)


def sum_results(*parts):
    """Sum of several ``(loss_sum, gradient)`` pairs, in the order given (new arrays)."""
    loss = parts[0][0] + parts[1][0]
    grad = parts[0][1] + parts[1][1]
    for part_loss, part_grad in parts[2:]:
        loss += part_loss
        grad += part_grad
    return loss, grad


def predict_block(X, model, method):
    """``model.<method>(X)`` on one block of X (``model``: a fitted SoftmaxRegression).

    An empty block gives an empty result of the right shape and dtype (the estimator
    itself refuses empty X).
    """
    if X.shape[0] == 0:
        return getattr(model, method)(np.zeros((1, X.shape[1]), dtype=X.dtype))[:0]
    return getattr(model, method)(X)
