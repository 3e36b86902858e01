"""Odds ratios, standard errors, z, p-values and confidence intervals of a fitted model.

Design: the covariance of the estimates is the inverse of the Hessian of the
*unnormalised* penalised negative log-likelihood

    H = sum_i s_i * d2 loss_i + S * alpha * (1 - l1_ratio) * I_W     (intercepts unpenalised)

i.e. S times the Hessian of the objective the solvers minimise, so that an unpenalised
model gives the classical maximum-likelihood standard errors. Parameters are ordered
class-major, ``[coef_[k], intercept_[k]]`` for each class k. The softmax model is
invariant to adding one vector to every class's coefficients, so its Hessian is
singular along those directions (all columns without a penalty, the intercepts with
one); we invert it on the complement (estimates centred over the classes: the
sum-to-zero parameterisation) and report either those or, with ``reference_class``,
the contrasts ``theta_k - theta_ref`` (statsmodels' ``MNLogit`` parameterisation), whose
covariance ``A Cov A^T`` does not depend on how the redundancy was removed.
Everything is computed in float64 with a dense Hessian (see ``MAX_PARAMS``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.linalg import null_space
from scipy.special import expit, softmax
from scipy.stats import norm
from sklearn.utils.validation import check_is_fitted

from ._gram import weighted_gram
from ._typing import MatrixLike
from ._validation import check_inference_data

# The dense Hessian has MAX_PARAMS**2 float64 entries (128 MB at 4000) and costs
# O(n_samples * n_params**2 / n_classes) to build and O(n_params**3) to invert.
MAX_PARAMS = 4000

# Jacobi-scaled condition numbers above these limits: warn; treat as singular (NaN).
ILL_CONDITIONED = 1e8
SINGULAR = 1e13


class SingularHessianWarning(UserWarning):
    """Warning: the Hessian is singular or ill-conditioned, so standard errors are unreliable.

    Raised for perfect separation (the unpenalised maximum-likelihood estimate does not
    exist), collinear columns, or a nearly flat likelihood. Standard errors of affected
    parameters are NaN when the Hessian is numerically singular.
    """


def _design(X, fit_intercept):
    """[X, 1] (or X) as a float64 dense array or CSR matrix."""
    if fit_intercept:
        ones = np.ones((X.shape[0], 1))
        if sp.issparse(X):
            return sp.hstack([X, sp.csr_matrix(ones)], format="csr", dtype=np.float64)
        return np.hstack([X, ones])
    return X.astype(np.float64)


def _invert(H, keep=None):
    """Inverse of the symmetric matrix H (restricted to the columns of ``keep`` if given).

    Returns ``(cov, cond)``: the covariance in the full space (``keep @ inv @ keep.T``)
    and the condition number of the Jacobi-scaled Hessian; cov is all NaN when that
    condition number exceeds ``SINGULAR`` or H is not positive definite.
    """
    Hr = H if keep is None else keep.T @ H @ keep
    d = np.sqrt(np.clip(np.diag(Hr), np.finfo(float).tiny, None))
    Hs = Hr / d[:, None] / d[None, :]
    lam, V = np.linalg.eigh(Hs)
    cond = np.inf if lam[0] <= 0 else lam[-1] / lam[0]
    if not cond <= SINGULAR:
        inv = np.full_like(Hr, np.nan)
    else:
        inv = (V / lam) @ V.T / d[:, None] / d[None, :]
    cov = inv if keep is None else keep @ inv @ keep.T
    return cov, cond


class InferenceResult:
    """Estimates, standard errors, z, p-values and intervals of a fitted model.

    Attributes
    ----------
    table : dict of str to ndarray of shape (n_rows,)
        Keys ``"class"``, ``"term"``, ``"estimate"``, ``"std_err"``, ``"z"``,
        ``"p_value"``, ``"ci_lower"``, ``"ci_upper"``, ``"odds_ratio"``,
        ``"odds_ratio_ci_lower"``, ``"odds_ratio_ci_upper"``; one row per coefficient
        and intercept, grouped by class (the positive class for a binary model, each
        non-reference class with ``reference_class``).
    cov : ndarray of shape (n_rows, n_rows)
        Covariance matrix of the estimates, in row order.
    alpha : float
        1 - confidence level of the intervals.
    condition_number : float
        Condition number of the (Jacobi-scaled) Hessian that was inverted.
    description : str
        What the rows are (model, parameterisation, penalty).
    """

    COLUMNS = (
        "class",
        "term",
        "estimate",
        "std_err",
        "z",
        "p_value",
        "ci_lower",
        "ci_upper",
        "odds_ratio",
        "odds_ratio_ci_lower",
        "odds_ratio_ci_upper",
    )

    def __init__(self, classes, terms, estimate, cov, alpha, condition_number, description):
        std_err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        std_err[~np.isfinite(np.diag(cov))] = np.nan
        q = norm.ppf(1.0 - alpha / 2.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = estimate / std_err
            lower, upper = estimate - q * std_err, estimate + q * std_err
            self.table = {
                "class": np.asarray(classes, dtype=object),
                "term": np.asarray(terms, dtype=object),
                "estimate": estimate,
                "std_err": std_err,
                "z": z,
                "p_value": 2.0 * norm.sf(np.abs(z)),
                "ci_lower": lower,
                "ci_upper": upper,
                "odds_ratio": np.exp(estimate),
                "odds_ratio_ci_lower": np.exp(lower),
                "odds_ratio_ci_upper": np.exp(upper),
            }
        self.cov = cov
        self.alpha = alpha
        self.condition_number = condition_number
        self.description = description

    def __getitem__(self, key: str) -> np.ndarray:
        return self.table[key]

    def to_dict(self) -> dict[str, np.ndarray]:
        """The table as a dict of numpy arrays (copies).

        Returns
        -------
        dict of str to ndarray of shape (n_rows,)
        """
        return {k: v.copy() for k, v in self.table.items()}

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame with the columns of ``COLUMNS``
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "to_frame() needs pandas, which is not installed (pip install pandas); "
                "to_dict() gives the same table as numpy arrays."
            ) from exc
        return pd.DataFrame({k: self.table[k] for k in self.COLUMNS})

    def to_string(self) -> str:
        """The table as fixed-width text.

        Returns
        -------
        str
        """
        level = f"{100 * (1 - self.alpha):g}%"
        head = [
            "class",
            "term",
            "estimate",
            "std err",
            "z",
            "P>|z|",
            f"{level} lower",
            "upper",
            "odds ratio",
            "OR lower",
            "OR upper",
        ]
        rows = []
        for i in range(len(self.table["estimate"])):
            rows.append(
                [str(self.table["class"][i]), str(self.table["term"][i])]
                + [f"{self.table[k][i]:.4g}" for k in self.COLUMNS[2:]]
            )
        widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(head)]
        lines = [
            self.description,
            "  ".join(
                h.ljust(w) if j < 2 else h.rjust(w) for j, (h, w) in enumerate(zip(head, widths))
            ),
        ]
        lines.append("-" * len(lines[-1]))
        for r in rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))
                )
            )
        return "\n".join(lines)

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return f"<InferenceResult: {len(self.table['estimate'])} rows>\n{self.to_string()}"


def _check_condition(cond, separated):
    if separated:
        warnings.warn(
            "The fitted model classifies every training sample correctly without a penalty: "
            "the classes are perfectly separated, so the maximum-likelihood estimate does not "
            "exist and the standard errors are meaningless. Use a penalty (C < inf, alpha > 0) "
            "or remove the separating features.",
            SingularHessianWarning,
            stacklevel=4,
        )
    if not cond <= SINGULAR:
        warnings.warn(
            f"The Hessian is singular (condition number {cond:.3g}): collinear or constant "
            "columns, or perfect separation. Standard errors are NaN; check "
            "softmaxreg.variance_inflation_factors(X) and remove redundant columns, or "
            "add a penalty.",
            SingularHessianWarning,
            stacklevel=4,
        )
    elif cond > ILL_CONDITIONED:
        warnings.warn(
            f"The Hessian is ill-conditioned (condition number {cond:.3g}): nearly collinear "
            "columns or near separation; standard errors are unreliable.",
            SingularHessianWarning,
            stacklevel=4,
        )


def _binary(X, X1, t, sw, theta, penalty, fit_intercept):
    """Covariance of a sigmoid model with parameters theta on targets t in {0, 1}
    (``X1``: X with the intercept's column of ones, when fitted)."""
    p = expit(X1 @ theta)
    H = weighted_gram(X, sw * p * (1.0 - p), fit_intercept)
    H[np.diag_indices(X1.shape[1] - fit_intercept)] += penalty
    separated = penalty == 0 and np.all((p > 0.5) == (t == 1)) and np.all(p != 0.5)
    cov, cond = _invert(H)
    return cov, cond, separated


def _term_names(est, n_features, feature_names):
    """The coefficient rows' names: ``feature_names``, the fit's column names, or x0, x1..."""
    if feature_names is None:
        names = getattr(est, "feature_names_in_", None)
        return [f"x{j}" for j in range(n_features)] if names is None else [str(n) for n in names]
    if isinstance(feature_names, str):
        raise TypeError("feature_names must be a sequence of names, one per column, not a str.")
    names = [str(n) for n in feature_names]
    if len(names) != n_features:
        raise ValueError(
            f"feature_names has {len(names)} names, but the model has {n_features} features "
            "(behind a pipeline, pass pipe[:-1].get_feature_names_out())."
        )
    return names


def _check_collinearity(X, names):
    """Warn (``CollinearityWarning``) naming the columns of X with a VIF above the limit."""
    from ._diagnostics import VIF_LIMIT, CollinearityWarning, collinear_columns

    found = collinear_columns(X, names)
    if not found:
        return
    listed = ", ".join(f"{name!r} {vif:.3g}" for name, vif in found[:8])
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    warnings.warn(
        f"Collinear columns (variance inflation factor > {VIF_LIMIT:g}): {listed}{more}. "
        "Their standard errors are inflated and their coefficients hard to read one at a "
        "time; drop or combine some of them (variance_inflation_factors(X) gives every "
        "column's figure).",
        CollinearityWarning,
        stacklevel=4,
    )


def compute_inference(
    est, X, y, sample_weight=None, alpha=0.05, reference_class=None, feature_names=None
):
    """Build the :class:`InferenceResult` of a fitted estimator (see ``summary``)."""
    check_is_fitted(est)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}.")
    reg_alpha, l1_ratio = est._penalty_for_inference()
    if l1_ratio > 0:
        raise ValueError(
            f"Standard errors need an L2 or no penalty, but the model has l1_ratio={l1_ratio}: "
            "the L1 term has no Hessian at zero coefficients, and post-selection inference "
            "from a lasso fit is not valid. Refit with l1_ratio=0 (or penalty='l2')."
        )
    X, y_index, sw = check_inference_data(est, X, y, sample_weight)
    classes = est.classes_
    n_classes = len(classes)
    fit_intercept = bool(est.fit_intercept)
    coef = np.asarray(est.coef_, dtype=np.float64)
    intercept = np.asarray(est.intercept_, dtype=np.float64)
    n_features = coef.shape[1]
    q = n_features + fit_intercept
    n_params = coef.shape[0] * q
    if n_params > MAX_PARAMS:
        raise ValueError(
            f"The model has {n_params} parameters; inference builds a dense Hessian and is "
            f"limited to {MAX_PARAMS} parameters (n_classes x (n_features + intercept)). "
            "Select features first."
        )
    names = _term_names(est, n_features, feature_names)
    terms = names + (["intercept"] if fit_intercept else [])
    _check_collinearity(X, names)
    # penalty on W of the unnormalised objective: S * alpha * (1 - l1_ratio)
    penalty = sw.sum() * reg_alpha * (1.0 - l1_ratio)
    X1 = _design(X, fit_intercept)
    theta = np.column_stack([coef, intercept[:, None]]) if fit_intercept else coef.copy()
    pen_text = "no penalty" if penalty == 0 else f"L2 penalty {penalty:.4g} on the coefficients"

    if n_classes == 2 or getattr(est, "multi_class", None) == "ovr":
        if reference_class is not None and not (n_classes == 2 and reference_class == classes[0]):
            raise ValueError(
                f"reference_class={reference_class!r}: a binary model is already parameterised "
                f"against classes_[0]={classes[0]!r}, and one-vs-rest models have no "
                "reference class; pass reference_class=None."
            )
        pos = [1] if n_classes == 2 else list(range(n_classes))
        covs, conds, seps = [], [], []
        for row, k in enumerate(pos):
            t = (y_index == k).astype(np.float64)
            cov_k, cond_k, sep_k = _binary(X, X1, t, sw, theta[row], penalty, fit_intercept)
            covs.append(cov_k), conds.append(cond_k), seps.append(sep_k)
        from scipy.linalg import block_diag

        cov, cond = block_diag(*covs), max(conds)
        _check_condition(cond, any(seps))
        out_classes = np.repeat(classes[pos], q)
        if n_classes == 2:
            description = (
                f"binary logistic regression, log-odds of {classes[1]} against "
                f"{classes[0]}; {pen_text}"
            )
        else:
            description = f"one-vs-rest logistic regression, one binary model per class; {pen_text}"
        return InferenceResult(
            out_classes, terms * len(pos), theta.ravel(), cov, alpha, cond, description
        )

    # softmax model, class-major parameters [w_k, b_k]
    P = softmax(X1 @ theta.T, axis=1)
    H = np.empty((n_params, n_params))
    for k in range(n_classes):
        for m in range(k, n_classes):
            w = sw * P[:, k] * ((k == m) - P[:, m])
            H[k * q : (k + 1) * q, m * q : (m + 1) * q] = weighted_gram(X, w, fit_intercept)
            H[m * q : (m + 1) * q, k * q : (k + 1) * q] = H[
                k * q : (k + 1) * q, m * q : (m + 1) * q
            ].T
    for k in range(n_classes):
        idx = k * q + np.arange(n_features)
        H[idx, idx] += penalty
    # directions the likelihood (and penalty) cannot see: one column, all classes shifted
    free_cols = range(q) if penalty == 0 else range(n_features, q)
    N = np.zeros((n_params, len(free_cols)))
    for c, j in enumerate(free_cols):
        N[j::q, c] = 1.0 / np.sqrt(n_classes)
    keep = null_space(N.T) if N.shape[1] else None
    cov, cond = _invert(H, keep)
    params = theta.ravel()
    if N.shape[1]:
        params = params - N @ (N.T @ params)  # the sum-to-zero representative
    pred = np.argmax(P, axis=1)
    separated = penalty == 0 and np.all(pred == y_index)
    _check_condition(cond, separated)
    if reference_class is None:
        description = (
            f"softmax regression, sum-to-zero parameterisation (coefficients "
            f"centred over the classes); {pen_text}"
        )
        return InferenceResult(
            np.repeat(classes, q), terms * n_classes, params, cov, alpha, cond, description
        )
    matches = np.flatnonzero(classes == reference_class)
    if matches.shape[0] != 1:
        raise ValueError(f"reference_class={reference_class!r} is not one of classes_={classes!r}.")
    ref = int(matches[0])
    others = [k for k in range(n_classes) if k != ref]
    A = np.zeros(((n_classes - 1) * q, n_params))
    for r, k in enumerate(others):
        A[r * q : (r + 1) * q, k * q : (k + 1) * q] = np.eye(q)
        A[r * q : (r + 1) * q, ref * q : (ref + 1) * q] = -np.eye(q)
    description = (
        f"softmax regression, log-odds of each class against reference class "
        f"{classes[ref]}; {pen_text}"
    )
    return InferenceResult(
        np.repeat(classes[others], q),
        terms * len(others),
        A @ params,
        A @ cov @ A.T,
        alpha,
        cond,
        description,
    )


class InferenceMixin:
    """``odds_ratios_`` and ``summary`` for the fitted linear models of softmaxreg."""

    @property
    def odds_ratios_(self) -> npt.NDArray[np.float64]:
        """``exp(coef_)``: the factor by which one unit of each feature multiplies the odds.

        For two classes, the odds of ``classes_[1]`` against ``classes_[0]``; for a
        softmax model, ratios between classes are ``exp(coef_[k] - coef_[l])``.

        Returns
        -------
        ndarray of the shape of ``coef_``
        """
        check_is_fitted(self)
        return np.exp(np.asarray(self.coef_, dtype=np.float64))

    def _penalty_for_inference(self):
        """``(alpha, l1_ratio)`` of the objective the fit minimised."""
        return float(self.alpha), float(self.l1_ratio)

    def summary(
        self,
        X: MatrixLike,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        alpha: float = 0.05,
        reference_class: Any = None,
        feature_names: Sequence[str] | None = None,
    ) -> InferenceResult:
        """Estimates with standard errors, z, p-values, confidence intervals and odds ratios.

        Standard errors come from the inverse Hessian of the unnormalised penalised
        negative log-likelihood on (X, y) (pass the training data): for an unpenalised
        model, the classical maximum-likelihood standard errors (statsmodels' ``Logit``
        and ``MNLogit``); with an L2 penalty, the inverse of the penalised Hessian.
        Intervals are Wald intervals on the log-odds scale, exponentiated for the odds
        ratios.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Usually the training data.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            The fit's sample weights (``class_weight`` is applied as in the fit).
        alpha : float, default=0.05
            1 - confidence level of the intervals.
        reference_class : label or None, default=None
            Softmax models only: report each other class's coefficients minus this
            class's (the reference-class parameterisation of statsmodels' ``MNLogit``
            with ``classes_[0]``). None reports the model's own coefficients, centred
            over the classes where the model does not identify them.
        feature_names : sequence of str, default=None
            Names of the coefficient rows, one per column of X. None uses the column
            names the model was fitted with (a DataFrame's) or ``x0, x1, ...``. A model
            at the end of a pipeline saw the previous step's output, which has no names:
            pass ``pipe[:-1].get_feature_names_out()`` so that the rows are named.

        Returns
        -------
        InferenceResult
            ``str(result)`` is a table; ``result.to_dict()`` and ``result.to_frame()``
            give the numbers.

        Raises
        ------
        ValueError
            For an L1/elastic-net model, more than ``MAX_PARAMS`` (4000) parameters, or
            ``feature_names`` of the wrong length.

        Warns
        -----
        SingularHessianWarning
            When the Hessian is singular or ill-conditioned, or the classes are
            perfectly separated without a penalty.
        CollinearityWarning
            Naming the columns whose variance inflation factor exceeds 10, with the
            figures: their standard errors are inflated by collinearity.
        """
        return compute_inference(self, X, y, sample_weight, alpha, reference_class, feature_names)
