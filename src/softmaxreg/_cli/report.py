"""Text output of ``softmaxreg fit``: coefficient tables, top features, the progress line."""

import sys
import time

import numpy as np


def coefficient_table(model, X, y, feature_names):
    """The ``summary(X, y)`` table (odds ratios with intervals) with the column names.

    Returns the table's text.
    """
    result = model.summary(X, y)
    names = {f"x{j}": name for j, name in enumerate(feature_names)}
    result.table["term"] = np.array([names.get(t, t) for t in result.table["term"]], dtype=object)
    return result.to_string()


def _label(c):
    """A class label for text: 'name' for strings, plain for numbers."""
    c = c.item() if hasattr(c, "item") else c
    return repr(c)


def top_features(model, feature_names, n_top):
    """Per class, the ``n_top`` features with the largest coefficients, as text.

    Binary models: the features that raise the odds of ``classes_[1]`` most, then
    those that raise the odds of ``classes_[0]`` (the most negative coefficients).
    Softmax models: per class, the largest coefficients; ``exp(coef)`` is the factor on
    that class's odds against a class whose coefficient for the feature is 0.
    """
    coef = np.asarray(model.coef_, dtype=np.float64)
    classes = model.classes_
    names = np.asarray(feature_names, dtype=object)
    n_top = min(n_top, coef.shape[1])
    lines = []

    def block(title, values, order, sign):
        lines.append(title)
        width = max([len(str(names[j])) for j in order] + [7])
        lines.append(f"  {'feature':<{width}}  {'coef':>10}  {'odds ratio':>11}")
        for j in order:
            lines.append(
                f"  {str(names[j]):<{width}}  {values[j]:>10.4g}  {np.exp(sign * values[j]):>11.4g}"
            )

    if coef.shape[0] == 1:
        w = coef[0]
        block(
            f"top {n_top} features raising the odds of {_label(classes[1])} (odds ratio per unit):",
            w,
            np.argsort(-w, kind="stable")[:n_top],
            1.0,
        )
        block(
            f"top {n_top} features raising the odds of {_label(classes[0])} (odds ratio of "
            f"{_label(classes[0])} per unit):",
            w,
            np.argsort(w, kind="stable")[:n_top],
            -1.0,
        )
    else:
        for k, c in enumerate(classes):
            w = coef[k]
            block(
                f"class {_label(c)}: top {n_top} features (odds ratio = exp(coef) per unit):",
                w,
                np.argsort(-w, kind="stable")[:n_top],
                1.0,
            )
    return "\n".join(lines)


class ProgressLine:
    """A ``callback`` that prints a progress line to stderr on long fits.

    Nothing is printed during the first ``after`` seconds (short fits stay quiet); then
    at most one line every ``every`` seconds. Never stops the fit.
    """

    def __init__(self, after=2.0, every=2.0, stream=None):
        self.after = after
        self.every = every
        self.stream = stream if stream is not None else sys.stderr
        self.last = None

    def __call__(self, record):
        elapsed = record["elapsed"]
        now = time.monotonic()
        if elapsed >= self.after and (self.last is None or now - self.last >= self.every):
            self.last = now
            unit = "iteration" if record["solver"] == "lbfgs" else "epoch"
            print(
                f"softmaxreg: {record['solver']} {unit} {record['iteration']}, objective "
                f"{record['objective']:.6g}, {elapsed:.1f} s",
                file=self.stream,
                flush=True,
            )
        return False
