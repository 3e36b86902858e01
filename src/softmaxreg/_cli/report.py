"""Text output of ``softmaxreg fit``: coefficient tables, top features, the progress line."""

import sys
import time

import numpy as np


def _format_rows(head, rows, left=2):
    """Fixed-width text of ``rows`` (lists of str); the first ``left`` columns left-aligned."""
    widths = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(head)]

    def line(cells):
        return "  ".join(
            c.ljust(w) if j < left else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths))
        )

    out = [line(head)]
    out.append("-" * len(out[0]))
    out += [line(r) for r in rows]
    return out


def _per_unit(result, mean, scale, fit_intercept):
    """The summary's estimates and covariance on the features' original units.

    A model fitted on ``(x - mean) / scale`` with coefficients ``w`` and intercept ``b``
    is, on x, ``w / scale`` and ``b - sum(w * mean / scale)``: a linear map ``T`` per
    class, so the covariance becomes ``T Cov T^T`` (the intercept's interval included).
    """
    n_rows = result.table["estimate"].shape[0]
    n_features = mean.shape[0]
    q = n_features + int(fit_intercept)
    block = np.zeros((q, q))
    block[np.arange(n_features), np.arange(n_features)] = 1.0 / scale
    if q > n_features:
        block[n_features, :n_features] = -mean / scale
        block[n_features, n_features] = 1.0
    T = np.kron(np.eye(n_rows // q), block)
    return T @ result.table["estimate"], T @ result.cov @ T.T


def coefficient_table(model, X, y, feature_names, scaler=None):
    """The ``summary(X, y)`` table, and with a scaler the same model per original unit.

    Parameters
    ----------
    model : fitted SoftmaxRegression
    X : ndarray of shape (n_samples, n_features)
        The data the model was fitted on (after the scaler, if any).
    y : ndarray of shape (n_samples,)
    feature_names : list of str
    scaler : fitted StandardScaler or None
        The scaler in front of the model: the first table is then per standard deviation
        of each feature and a second one gives the estimates and odds ratios per unit of
        the feature as read from the file, since both questions are asked of a model.

    Returns
    -------
    str
    """
    from .._inference import InferenceResult

    result = model.summary(X, y, feature_names=feature_names)
    if scaler is None:
        return f"coefficients per unit of each feature (as read, not standardised)\n{result}"
    n_features = len(feature_names)
    mean = scaler.mean_ if scaler.with_mean else np.zeros(n_features)
    scale = scaler.scale_ if scaler.with_std else np.ones(n_features)
    estimate, cov = _per_unit(result, mean, scale, model.fit_intercept)
    unit = InferenceResult(
        result.table["class"],
        result.table["term"],
        estimate,
        cov,
        result.alpha,
        result.condition_number,
        result.description,
    )
    sd = dict(zip(feature_names, scale))
    level = f"{100 * (1 - result.alpha):g}%"
    rows = []
    for i in range(len(estimate)):
        term = str(unit.table["term"][i])
        rows.append(
            [str(unit.table["class"][i]), term, f"{sd[term]:.4g}" if term in sd else ""]
            + [
                f"{unit.table[k][i]:.4g}"
                for k in ("estimate", "std_err", "odds_ratio", "odds_ratio_ci_lower")
            ]
            + [f"{unit.table['odds_ratio_ci_upper'][i]:.4g}"]
        )
    head = ["class", "term", "SD", "estimate", "std err", "odds ratio", f"{level} lower", "upper"]
    return "\n".join(
        [
            "coefficients per standard deviation of each feature (the features were "
            "standardised; --no-scale fits on the values as read)",
            str(result),
            "",
            "the same coefficients per unit of each feature as read (estimate / SD; odds "
            "ratio per unit)",
            *_format_rows(head, rows),
        ]
    )


def _label(c):
    """A class label for text: 'name' for strings, plain for numbers."""
    c = c.item() if hasattr(c, "item") else c
    return repr(c)


# Why the top-features table of text shows no odds ratios (printed under it).
TFIDF_NOTE = (
    "(no odds ratios for TF-IDF terms: a term's value is a small share of a length-"
    "normalised document vector, so exp(coef) 'per unit of TF-IDF' describes a change "
    "no document makes)"
)


# Above this many classes, one line per class: twenty tables of ten rows bury the fit's
# other output, while a line per class still reads as a list of topics.
MAX_TABLES = 5


def top_features(model, feature_names, n_top, unit="sd", sd=None):
    """Per class, the ``n_top`` features with the largest coefficients, as text.

    Every table reads the same way: ``coef`` is the change in the log-odds of the class
    named in its title, so a positive coefficient raises that class's odds. Binary
    models: the features that raise the odds of ``classes_[1]`` most, then those that
    raise the odds of ``classes_[0]`` (the model's most negative coefficients, shown
    negated, as log-odds of ``classes_[0]``). Softmax models: per class, the largest
    coefficients (against a class whose coefficient for the feature is 0); with more than
    ``MAX_TABLES`` classes, one line per class of names and coefficients.

    Parameters
    ----------
    model : fitted SoftmaxRegression
    feature_names : sequence of str
    n_top : int
        Features per table.
    unit : {"sd", "raw", "tfidf"}
        What a unit of the model's features is: one standard deviation (standardised
        features: odds ratios per SD), the values as read (odds ratios per SD computed
        with ``sd``), or TF-IDF (no odds ratios, with a one-line explanation).
    sd : ndarray of shape (n_features,), optional
        The features' standard deviations, for ``unit="raw"``.

    Returns
    -------
    str
    """
    coef = np.asarray(model.coef_, dtype=np.float64)
    classes = model.classes_
    names = np.asarray(feature_names, dtype=object)
    n_top = min(n_top, coef.shape[1])
    per = {"sd": "per standard deviation", "raw": "per unit", "tfidf": "per unit of TF-IDF"}
    lines = [f"coef: change in the class's log-odds {per[unit]} of the feature; positive raises it"]

    def block(title, values, order):
        lines.append(title)
        width = max([len(str(names[j])) for j in order] + [7])
        head = f"  {'feature':<{width}}  {'coef':>10}"
        if unit == "raw":
            head += f"  {'SD':>10}"
        if unit != "tfidf":
            head += f"  {'OR per SD':>10}"
        lines.append(head)
        for j in order:
            row = f"  {str(names[j]):<{width}}  {values[j]:>10.4g}"
            if unit == "raw":
                row += f"  {sd[j]:>10.4g}  {np.exp(values[j] * sd[j]):>10.4g}"
            elif unit == "sd":
                row += f"  {np.exp(values[j]):>10.4g}"
            lines.append(row)

    if coef.shape[0] == 1:
        w = coef[0]
        for label, values in ((classes[1], w), (classes[0], -w)):
            order = [j for j in np.argsort(-values, kind="stable")[:n_top] if values[j] > 0]
            if order:
                block(
                    f"top {len(order)} features raising the odds of {_label(label)}:", values, order
                )
            else:
                lines.append(f"no feature raises the odds of {_label(label)}")
    elif len(classes) > MAX_TABLES:
        lines.append(f"top {n_top} features per class, largest coefficient first:")
        for k, c in enumerate(classes):
            w = coef[k]
            top = ", ".join(f"{names[j]} {w[j]:.3g}" for j in np.argsort(-w, kind="stable")[:n_top])
            lines.append(f"  {_label(c)}: {top}")
    else:
        for k, c in enumerate(classes):
            w = coef[k]
            block(
                f"class {_label(c)}: top {n_top} features:",
                w,
                np.argsort(-w, kind="stable")[:n_top],
            )
    if unit == "tfidf":
        lines.append(TFIDF_NOTE)
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
