"""The fitted attributes of LogisticRegressionCV in scikit-learn's two layouts.

The cross-validation produces, per problem p (one, or one binary problem per class for
"ovr"), arrays over (fold, C, l1_ratio): ``coefs`` of shape
(n_problems, n_folds, n_cs, n_l1_ratios, n_columns, n_dof), ``scores`` and ``n_iter`` of
shape (n_problems, n_folds, n_cs, n_l1_ratios). scikit-learn 1.9 publishes them either in
its legacy layout (dicts keyed by class, arrays of C_ repeated per class) or in its new one
(plain arrays with the l1_ratio axis before the C axis, floats for C_ and l1_ratio_).
"""

from __future__ import annotations

import numpy as np


def best_indices(mean_scores):
    """(C index, l1_ratio index) of the best score of a (n_cs, n_l1_ratios) array: the first
    in C-major order on a tie, as scikit-learn's ``np.argmax`` picks it."""
    i, j = np.unravel_index(int(np.argmax(mean_scores)), mean_scores.shape)
    return int(i), int(j)


def legacy_attributes(keys, coefs, scores, n_iter, chosen_C, chosen_l1, ovr, drop_l1):
    """scikit-learn's ``use_legacy_attributes=True`` layout.

    Parameters
    ----------
    keys : ndarray
        The classes keying the dicts (``classes_[1:]`` for two classes).
    coefs, scores, n_iter : ndarray
        As in the module docstring.
    chosen_C, chosen_l1 : list
        The chosen C and l1_ratio of each problem.
    ovr : bool
        One problem per class (each with its own scores) rather than one shared problem.
    drop_l1 : bool
        ``l1_ratios`` was None: the l1_ratio axis is dropped.

    Returns
    -------
    dict of attribute name to value
    """
    if ovr:
        paths = [coefs[k][..., 0, :] for k in range(len(keys))]
        score_list = [scores[k] for k in range(len(keys))]
        n_iter_ = n_iter
        C_ = np.asarray(chosen_C)
        l1_ = np.asarray(chosen_l1)
    else:
        paths = [coefs[0][..., k, :] for k in range(len(keys))]
        score_list = [scores[0].copy() for _ in keys]
        n_iter_ = n_iter[:1]
        C_ = np.repeat(np.asarray(chosen_C), len(keys))
        l1_ = np.asarray(chosen_l1 * len(keys))
    if drop_l1:
        paths = [p[:, :, 0] for p in paths]
        score_list = [s[:, :, 0] for s in score_list]
        n_iter_ = n_iter_[..., 0]
    return {
        "coefs_paths_": dict(zip(keys, paths)),
        "scores_": dict(zip(keys, score_list)),
        "n_iter_": n_iter_,
        "C_": C_,
        "l1_ratio_": l1_,
    }


def new_attributes(coefs, scores, n_iter, C, l1_ratio):
    """scikit-learn's ``use_legacy_attributes=False`` layout (one problem): C_ and
    l1_ratio_ floats, arrays with the axes (fold, l1_ratio, C, ...)."""
    return {
        "coefs_paths_": np.moveaxis(coefs[0], 2, 1),
        "scores_": np.moveaxis(scores[0], 2, 1),
        "n_iter_": np.moveaxis(n_iter[0], 2, 1),
        "C_": float(C),
        "l1_ratio_": None if l1_ratio is None else float(l1_ratio),
    }
