"""Plots of fitted models (needs matplotlib: ``pip install "softmaxreg[plot]"``).

Each function draws on ``ax`` (a new figure's axes when None) and returns the Axes.

decision_regions
    Predicted class over a grid of a 2-D feature space, as filled contours, with the
    points on top.
loss_curve
    The objective recorded per iteration/epoch during the fit (``loss_curve_``), as its
    distance to the best value on a log scale, marking a fit that did not converge.
validation_curve
    Cross-validated score against C or alpha, with its spread over the folds, from
    ``SoftmaxRegressionCV``.
odds_ratios
    Forest plot of odds ratios with their confidence intervals (log scale), from
    ``summary(X, y)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.utils.validation import check_is_fitted

from ._typing import MatrixLike

if TYPE_CHECKING:  # matplotlib is an optional dependency
    from matplotlib.axes import Axes

_INSTALL_HINT = 'pip install "softmaxreg[plot]"'


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"softmaxreg.plot needs matplotlib, which is not installed: {_INSTALL_HINT}"
        ) from exc
    return plt


def _axes(ax):
    if ax is not None:
        return ax
    return _pyplot().subplots()[1]


def decision_regions(
    model: Any,
    X: MatrixLike,
    y: npt.ArrayLike,
    ax: Axes | None = None,
    resolution: int = 200,
    margin: float = 0.1,
    alpha: float = 0.3,
) -> Axes:
    """Filled contours of the predicted class over the plane, with the points on top.

    Parameters
    ----------
    model : fitted classifier with ``predict`` and ``classes_`` (2 features)
    X : array-like of shape (n_samples, 2)
        Points to draw (and to set the plot's extent).
    y : array-like of shape (n_samples,)
        Their labels (coloured as the model's classes).
    ax : matplotlib Axes, optional
    resolution : int, default=200
        Grid points per axis.
    margin : float, default=0.1
        Extra room around the points, as a share of their range.
    alpha : float, default=0.3
        Opacity of the regions.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ._validation import check_plot_points

    check_is_fitted(model)
    X, y = check_plot_points(X, y, n_features=2)
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}.")
    plt = _pyplot()
    ax = _axes(ax)
    classes = np.asarray(model.classes_)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(g0, g1)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    pred = model.predict(grid)
    index = np.searchsorted(classes, pred).reshape(xx.shape)
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    colors = [cmap(k % cmap.N) for k in range(len(classes))]
    from matplotlib.colors import ListedColormap

    ax.contourf(
        xx,
        yy,
        index,
        levels=np.arange(len(classes) + 1) - 0.5,
        cmap=ListedColormap(colors),
        alpha=alpha,
    )
    for k, c in enumerate(classes):
        mask = y == c
        if np.any(mask):
            ax.scatter(X[mask, 0], X[mask, 1], color=colors[k], edgecolor="k", s=20, label=str(c))
    names = getattr(model, "feature_names_in_", None)
    ax.set_xlabel(str(names[0]) if names is not None else "x0")
    ax.set_ylabel(str(names[1]) if names is not None else "x1")
    ax.set_title("decision regions")
    ax.legend(title="class", loc="best", fontsize="small")
    return ax


def loss_curve(
    model: Any, ax: Axes | None = None, log_scale: bool = False, kind: str = "gap"
) -> Axes:
    """The objective per iteration/epoch recorded during the fit (``loss_curve_``).

    By default the plot shows the distance of each recorded value to the best one,
    ``f - min(f)``, on a log scale: the approach to the optimum, which a linear plot of
    ``f`` flattens into a line. The x-axis is named by what ran (L-BFGS iterations, or
    epochs of sgd/sag/saga, whose values are the epoch's running estimate). A fit that
    stopped at ``max_iter`` without converging ends with a red cross and a note.

    Parameters
    ----------
    model : fitted SoftmaxRegression or LogisticRegression
        For a one-vs-rest ``LogisticRegression``, one line per binary model.
    ax : matplotlib Axes, optional
    log_scale : bool, default=False
        With ``kind="objective"``: log scale on the objective axis.
    kind : {"gap", "objective"}, default="gap"
        ``"gap"``: ``f - min(f)`` on a log scale (the best value itself, a gap of 0,
        is left out); ``"objective"``: ``f`` as recorded.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_is_fitted(model)
    if kind not in ("gap", "objective"):
        raise ValueError(f"kind must be 'gap' or 'objective', got {kind!r}.")
    curve = getattr(model, "loss_curve_", None)
    if curve is None:
        raise ValueError(
            f"{type(model).__name__} has no loss_curve_ (models loaded from files written "
            "before it existed, or other estimators); refit it with softmaxreg."
        )
    ax = _axes(ax)
    solver = getattr(model, "solver_", None) or getattr(model, "solver", "lbfgs")
    unit = "iteration" if solver in ("lbfgs", "newton-cg", "newton-cholesky") else "epoch"
    curves = curve if isinstance(curve, list) else [curve]
    labels = [f"{c} vs rest" for c in model.classes_] if isinstance(curve, list) else [solver]
    max_iter = getattr(model, "max_iter", None)
    stopped_short = False
    for values, label in zip(curves, labels):
        values = np.asarray(values, dtype=float)
        x = np.arange(1, values.shape[0] + 1)
        y = values
        if kind == "gap":
            y = values - values.min()
            y = np.where(y > 0, y, np.nan)
        (line,) = ax.plot(x, y, marker="." if len(values) < 50 else None, label=label)
        if max_iter is not None and values.shape[0] >= max_iter:
            stopped_short = True
            last = y[-1] if np.isfinite(y[-1]) else np.nanmin(y) if np.isfinite(y).any() else 1.0
            ax.plot(x[-1], last, marker="x", color="red", markersize=10, mew=2)
    estimate = "" if unit == "iteration" else " (epoch estimate)"
    if kind == "gap":
        if any(np.isfinite(np.asarray(c, dtype=float) - np.min(c)).any() for c in curves):
            ax.set_yscale("log")
        ax.set_ylabel(f"objective - best recorded{estimate}")
    else:
        if log_scale:
            ax.set_yscale("log")
        ax.set_ylabel(f"objective{estimate}")
    ax.set_xlabel(unit)
    title = f"loss curve ({solver})"
    if stopped_short:
        title += ": did not converge (max_iter reached)"
    if stopped_short:
        ax.set_title(title, color="red")
    else:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def odds_ratios(
    model: Any,
    X: MatrixLike,
    y: npt.ArrayLike,
    ax: Axes | None = None,
    alpha: float = 0.05,
    reference_class: Any = None,
    include_intercept: bool = False,
    max_terms: int = 40,
    sample_weight: npt.ArrayLike | None = None,
    feature_names: Sequence[str] | None = None,
) -> Axes:
    """Forest plot: odds ratio and confidence interval of each coefficient (log scale).

    The numbers come from ``model.summary(X, y, ...)`` (Wald intervals on the log-odds
    scale, exponentiated). Pass the training data.

    Parameters
    ----------
    model : fitted SoftmaxRegression or LogisticRegression (L2 or no penalty), or a Pipeline
        ending in one: X is then passed through the pipeline's other steps and the rows
        are named by their ``get_feature_names_out()`` (the estimator itself saw unnamed
        columns).
    X, y : the training data
    ax : matplotlib Axes, optional
    alpha : float, default=0.05
        1 - confidence level.
    reference_class : label, optional
        Softmax models: odds against this class (see ``summary``).
    include_intercept : bool, default=False
    max_terms : int, default=40
        Draw at most this many rows (those with the largest ``|log odds ratio|``).
    sample_weight : array-like, optional
    feature_names : sequence of str, optional
        Row names, one per column the estimator saw (see ``summary``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        if feature_names is None:
            feature_names = [str(n) for n in model[:-1].get_feature_names_out()]
        X = model[:-1].transform(X)
        model = model[-1]
    result = model.summary(
        X,
        y,
        sample_weight=sample_weight,
        alpha=alpha,
        reference_class=reference_class,
        feature_names=feature_names,
    )
    table = result.table
    keep = np.ones(table["estimate"].shape[0], dtype=bool)
    if not include_intercept:
        keep &= table["term"] != "intercept"
    rows = np.flatnonzero(keep)
    if rows.shape[0] > max_terms:
        rows = rows[np.argsort(-np.abs(table["estimate"][rows]), kind="stable")[:max_terms]]
        rows.sort()
    if rows.shape[0] == 0:
        raise ValueError("nothing to plot: the model has no coefficients besides the intercept.")
    ax = _axes(ax)
    several = len(set(table["class"][rows])) > 1
    labels = [
        f"{table['class'][i]}: {table['term'][i]}" if several else str(table["term"][i])
        for i in rows
    ]
    ratio = table["odds_ratio"][rows]
    low, high = table["odds_ratio_ci_lower"][rows], table["odds_ratio_ci_upper"][rows]
    pos = np.arange(rows.shape[0])[::-1]
    finite = np.isfinite(low) & np.isfinite(high)
    ax.errorbar(
        ratio[finite],
        pos[finite],
        xerr=[ratio[finite] - low[finite], high[finite] - ratio[finite]],
        fmt="o",
        color="C0",
        ecolor="C0",
        capsize=3,
    )
    if np.any(~finite):  # no interval (singular Hessian): the point alone
        ax.plot(ratio[~finite], pos[~finite], "x", color="C3", label="no interval")
        ax.legend(loc="best", fontsize="small")
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(pos)
    ax.set_yticklabels(labels)
    ax.set_xlabel(f"odds ratio ({100 * (1 - alpha):g}% interval, log scale)")
    ax.set_title("odds ratios")
    return ax


def validation_curve(model: Any, ax: Axes | None = None) -> Axes:
    """The cross-validated score against the regularisation, from ``SoftmaxRegressionCV``.

    The mean held-out score over the folds with a band of one standard deviation, one
    line per ``l1_ratio``, against C (log scale) when the search ran on ``Cs``, else
    against alpha; the chosen value is marked with a dashed line.

    Parameters
    ----------
    model : fitted SoftmaxRegressionCV
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_is_fitted(model)
    results = getattr(model, "cv_results_", None)
    if results is None:
        raise ValueError(
            f"{type(model).__name__} has no cv_results_; pass a fitted SoftmaxRegressionCV."
        )
    ax = _axes(ax)
    by_C = "param_C" in results
    x_all = results["param_C"] if by_C else results["param_alpha"]
    mean, std = results["mean_test_score"], results["std_test_score"]
    ratios = results["param_l1_ratio"]
    for ratio in np.unique(ratios):
        rows = ratios == ratio
        label = f"l1_ratio={ratio:g}" if len(np.unique(ratios)) > 1 else "mean over folds"
        (line,) = ax.plot(x_all[rows], mean[rows], marker="o", label=label)
        ax.fill_between(
            x_all[rows],
            mean[rows] - std[rows],
            mean[rows] + std[rows],
            alpha=0.2,
            color=line.get_color(),
        )
    chosen = model.C_ if by_C else model.alpha_
    ax.axvline(chosen, color="0.5", linestyle="--", linewidth=1, label=f"chosen {chosen:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("C (log scale)" if by_C else "alpha (log scale)")
    default = getattr(model, "scoring", None) is None
    ax.set_ylabel("minus held-out log-loss" if default else f"held-out {model.scoring}")
    ax.set_title("validation curve")
    ax.legend(loc="best", fontsize="small")
    return ax
