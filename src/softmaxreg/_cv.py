"""SoftmaxRegressionCV: the regularisation chosen by cross-validation over warm-started paths.

Each (fold, l1_ratio) pair is one task: a regularisation path (``softmaxreg._path``) on the
fold's training rows, scored on its held-out rows at every alpha. The tasks run as threads
(the kernels release the GIL), as many as the thread budget of ``n_jobs`` allows, and each
task's solver gets an equal share of what is left, so folds and solver threads together
never ask for more threads than ``n_jobs`` gives (issue 17's rule: no oversubscription).
The tasks take turns a fit at a time (``softmaxreg._path.run_interleaved``): the paths
advance together, so 5 folds on 2 threads end with one fit of one fold left, not one
fold's whole path. The share is taken again as each SAG/SAGA fit starts: once fewer
tasks are left than workers, the last ones' fits may use the freed threads (they still
split only onto cores free at that moment, see ``softmaxreg._solvers.sag``); the models
do not depend on the thread count or on the turns.
"""

from __future__ import annotations

import numbers
import threading
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state

from ._estimator import SoftmaxRegression, feature_major_coef, linear_scores, solver_settings
from ._objective import Objective
from ._path import (
    PATH_SOLVERS,
    check_alphas,
    path_fits,
    path_steps,
    run_interleaved,
    stack_params,
)
from ._solvers.registry import SOLVERS, choose_solver
from ._threads import effective_n_threads
from ._validation import (
    check_params,
    check_sample_weight,
    check_X_y,
    effective_sample_weight,
    encode_labels,
)

# scikit-learn's LogisticRegressionCV grid for ``Cs=n``: np.logspace(-4, 4, n).
DEFAULT_C_RANGE = (-4.0, 4.0)


def _grid(values, name):
    """An int n (a log-spaced grid of n values) or a 1-D array of positive values."""
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        if values < 1:
            raise ValueError(f"{name} as an int is the size of the grid, >= 1; got {values}.")
        return None
    grid = check_alphas(values, name)
    if name == "Cs" and np.any(grid <= 0):
        raise ValueError(f"Cs must be > 0, got {values!r}.")
    return grid


def log_loss_score(scores, y_index):
    """Minus the mean log-loss of the held-out rows: the default score (higher is better).

    ``scores`` are raw (n, K) scores, or (n, 1) log-odds for two classes.
    """
    if scores.shape[1] == 1:
        z = scores[:, 0]
        signed = np.where(y_index == 1, -z, z)
        return -float(np.mean(np.logaddexp(0.0, signed)))
    top = scores.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
    return -float(np.mean(lse - scores[np.arange(len(y_index)), y_index]))


def _summarise_warnings(caught, out, alphas, est):
    """Re-issue the fits' warnings: each distinct one once, and the convergence warnings as
    one that names the alphas whose fits ran out of iterations."""
    seen = set()
    short = set()
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            continue
        key = (w.category, str(w.message))
        if key not in seen:
            seen.add(key)
            warnings.warn(w.message, w.category, stacklevel=3)
    if not any(issubclass(w.category, ConvergenceWarning) for w in caught):
        return
    for o in out:
        short.update(np.flatnonzero(o[2] >= est.max_iter).tolist())
    where = ", ".join(f"{alphas[i]:.3g}" for i in sorted(short)) or "some alphas"
    warnings.warn(
        f"Some fits of the cross-validation stopped at max_iter={est.max_iter} before "
        f"meeting tol={est.tol} (alpha {where}); their scores are those of the model "
        "reached. Increase max_iter, or leave such alphas out of the grid.",
        ConvergenceWarning,
        stacklevel=3,
    )


class SoftmaxRegressionCV(ClassifierMixin, BaseEstimator):
    """Softmax regression with ``alpha`` (and ``l1_ratio``) chosen by cross-validation.

    On each fold it fits the whole regularisation path, largest alpha first, each fit
    warm-started from the previous one (SAG/SAGA keep their gradient memory; see
    :func:`softmaxreg.regularization_path`), and scores every alpha on the held-out rows.
    The folds run in parallel as threads. The alpha with the best mean score is then
    refitted on all the data, starting from the folds' mean model at that alpha.

    The default score is the held-out log-loss, not the accuracy: the model is
    probabilistic, the log-loss is what the fits minimise, and it varies smoothly with
    alpha where the accuracy moves in steps of one row and ties across the grid (so its
    best value is ill-defined on small folds).

    Parameters
    ----------
    alphas : int or array-like, default=10
        Penalties to try. An int n gives scikit-learn's ``Cs=n`` grid
        (``C = np.logspace(-4, 4, n)``) as ``alpha = 1 / (C * S)``, S the total sample
        weight of all the data. Fitted in decreasing order. Unused when ``Cs`` is given.
    Cs : int, array-like or None, default=None
        The grid in scikit-learn's ``C`` instead (an int n: ``np.logspace(-4, 4, n)``):
        each fold fits ``alpha = 1 / (C * S_fold)`` with S_fold the total weight of its
        training rows, as ``LogisticRegressionCV(Cs=...)`` does, and the refit uses all
        the data's S. ``C_`` and ``Cs_`` are then set too.
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn (an int: ``StratifiedKFold(cv)``, the folds of
        ``LogisticRegressionCV``).
    scoring : str, callable or None, default=None
        A scikit-learn scorer (name or ``scorer(estimator, X, y)``), higher is better;
        None: minus the mean log-loss of the held-out rows (see above).
    refit : bool, default=True
        Refit at the best alpha on all the data. False: ``coef_`` and ``intercept_`` are
        the mean of the folds' models at the best alpha, as in scikit-learn.
    l1_ratios : array-like of float in [0, 1] or None, default=None
        Elastic-net mixings to try with every alpha (one path per value and fold);
        None fits the L2 penalty only.
    solver : {"auto", "lbfgs", "sag", "saga"}, default="auto"
        As in ``SoftmaxRegression``, chosen once for all the fits ("sgd" has no warm
        start to carry along a path).
    fit_intercept, tol, max_iter, class_weight
        As in ``SoftmaxRegression``; ``tol`` and ``max_iter`` hold for each fit of a path.
    random_state : int, RandomState instance or None, default=None
        Seeds the stochastic solvers: one seed per (fold, l1_ratio) path and one for the
        refit are drawn from it before the threads start, so an int (or a generator in a
        given state) gives one result whatever the thread count.
    n_jobs : int or None, default=None
        Thread budget, with ``SoftmaxRegression``'s meaning (None follows
        ``OMP_NUM_THREADS``, threadpoolctl and joblib's inner limits). The (fold,
        l1_ratio) paths run in ``min(budget, n_paths)`` threads, each fit on
        ``budget // that`` threads; once fewer paths are left than threads, the last
        paths' SAG/SAGA fits may use the freed ones (on cores free at that moment).

    Attributes
    ----------
    alpha_ : float
        The chosen alpha (refit on all the data: ``1 / (C_ * S)`` with ``Cs``).
    l1_ratio_ : float
        The chosen l1_ratio (0.0 when ``l1_ratios`` is None).
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing (for ``Cs``, the alphas of all the data).
    C_, Cs_ : float, ndarray of shape (n_alphas,)
        With ``Cs`` only: the chosen C and the grid, increasing (matching ``alphas_``).
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    scores_ : ndarray of shape (n_folds, n_alphas), or (n_folds, n_alphas, n_l1_ratios)
        The held-out score of each fold at each alpha (and l1_ratio).
    coefs_paths_ : ndarray of shape (n_folds, n_alphas, n_columns, n_features)
        Each fold's ``coef_`` at each alpha (an l1_ratio axis after the alpha axis when
        ``l1_ratios`` is given); ``n_columns`` is n_classes, or 1 for two classes.
    intercepts_paths_ : ndarray of shape (n_folds, n_alphas, n_columns)
        The matching intercepts (same extra axis).
    n_iter_ : ndarray of shape (n_folds, n_alphas), or (n_folds, n_alphas, n_l1_ratios)
        Iterations or epochs of each path fit.
    refit_n_iter_ : int
        Iterations of the refit (0 with ``refit=False``).
    cv_results_ : dict of ndarrays
        One entry per (l1_ratio, alpha) candidate, as ``GridSearchCV`` has it:
        ``param_alpha``, ``param_l1_ratio`` (and ``param_C``), ``split{k}_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score``, ``mean_n_iter``.
    solver_ : str
    classes_, coef_, intercept_, n_features_in_, feature_names_in_
        As in ``SoftmaxRegression``.

    Examples
    --------
    >>> from softmaxreg import SoftmaxRegressionCV, make_text_classification
    >>> X, y = make_text_classification(n_samples=300, random_state=0)
    >>> model = SoftmaxRegressionCV(alphas=4, cv=3, random_state=0).fit(X, y)
    >>> model.scores_.shape
    (3, 4)
    """

    def __init__(
        self,
        alphas=10,
        Cs=None,
        cv=5,
        scoring=None,
        refit=True,
        l1_ratios=None,
        solver="auto",
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        random_state=None,
        n_jobs=None,
    ):
        self.alphas = alphas
        self.Cs = Cs
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.l1_ratios = l1_ratios
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # prediction is SoftmaxRegression's, on the chosen model
    decision_function = SoftmaxRegression.decision_function
    predict_proba = SoftmaxRegression.predict_proba
    predict_log_proba = SoftmaxRegression.predict_log_proba
    predict = SoftmaxRegression.predict

    def _template(self, alpha=1.0, l1_ratio=0.0, n_jobs=None, random_state=None):
        """A SoftmaxRegression with this estimator's settings (validation, solver settings)."""
        return SoftmaxRegression(
            alpha=alpha,
            l1_ratio=l1_ratio,
            solver=self.solver,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=self.class_weight,
            random_state=self.random_state if random_state is None else random_state,
            n_jobs=self.n_jobs if n_jobs is None else n_jobs,
        )

    def _check_params(self):
        if self.solver not in PATH_SOLVERS:
            raise ValueError(f"solver must be one of {PATH_SOLVERS}, got {self.solver!r}.")
        check_params(self._template())
        if not isinstance(self.refit, (bool, np.bool_)):
            raise TypeError(f"refit must be a bool, got {self.refit!r}.")
        l1_ratios = [0.0] if self.l1_ratios is None else self.l1_ratios
        if np.ndim(l1_ratios) != 1 or len(l1_ratios) == 0:
            raise ValueError(f"l1_ratios must be a non-empty 1-D sequence, got {l1_ratios!r}.")
        for r in l1_ratios:
            check_params(self._template(l1_ratio=r))
        if self.scoring is not None and not (
            isinstance(self.scoring, str) or callable(self.scoring)
        ):
            raise TypeError(
                f"scoring must be None, a scorer name or a callable, got {self.scoring!r}."
            )
        return np.asarray(l1_ratios, dtype=np.float64)

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the regularisation paths, choose, and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits (the default score is unweighted, as scikit-learn's
            scorers are).

        Returns
        -------
        self
        """
        l1_ratios = self._check_params()
        use_C = self.Cs is not None
        grid = _grid(self.Cs if use_C else self.alphas, "Cs" if use_C else "alphas")
        X, y = check_X_y(self, X, y)
        classes, y_index = encode_labels(y)
        sw = effective_sample_weight(
            check_sample_weight(sample_weight, X.shape[0]),
            self.class_weight,
            y_index,
            classes=classes,
            y=y,
        )
        total = float(sw.sum())
        if grid is None:
            n = self.Cs if use_C else self.alphas
            Cs = np.logspace(*DEFAULT_C_RANGE, n)
        else:
            Cs = np.sort(grid) if use_C else None
        alphas = 1.0 / (Cs * total) if Cs is not None else grid  # decreasing
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = None if self.scoring is None else get_scorer(self.scoring)

        budget = effective_n_threads(self.n_jobs)
        # A seed per path (and the refit) drawn up front: the paths run in threads, and a
        # shared generator would make the result depend on their interleaving.
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=(len(splits) + 1, len(l1_ratios))
        )
        tasks = [(f, r) for f in range(len(splits)) for r in range(len(l1_ratios))]
        workers = max(1, min(budget, len(tasks)))
        inner = max(1, budget // workers)
        unfinished = [len(tasks)]
        lock = threading.Lock()

        def share():
            """Threads of a fit starting now: the budget over the tasks still running
            or waiting (never more than ``workers`` of them run at once)."""
            with lock:
                return max(1, budget // max(1, min(workers, unfinished[0])))

        K = 1 if len(classes) == 2 else len(classes)
        full = Objective(
            X,
            y_index,
            sw,
            len(classes),
            float(alphas[-1]),
            float(l1_ratios.max()),
            self.fit_intercept,
            n_threads=inner,
        )
        solver = choose_solver(self.solver, full)

        def run_path(fold, r):
            """The task as a generator, a fit per step (``run_interleaved``)."""
            try:
                return (yield from fold_path(fold, r))
            finally:
                with lock:
                    unfinished[0] -= 1

        def fold_path(fold, r):
            train, test = splits[fold]
            objective = Objective(
                X[train],
                y_index[train],
                sw[train],
                len(classes),
                float(alphas[-1]),
                float(l1_ratios[r]),
                self.fit_intercept,
                n_threads=inner,
            )
            fold_alphas = alphas if not use_C else 1.0 / (Cs * objective.total_weight)
            settings = solver_settings(
                self._template(l1_ratio=l1_ratios[r], n_jobs=inner, random_state=seeds[fold, r]),
                SOLVERS[solver].settings,
            )
            params, n_iter, _ = yield from path_steps(
                objective, fold_alphas, solver, settings, n_jobs_at=share
            )
            coefs, intercepts = stack_params(objective, params, X.dtype)
            X_test = X[test]
            scores = np.empty(len(params))
            for i in range(len(params)):
                if scorer is None:
                    raw = linear_scores(X_test, coefs[i], intercepts[i], inner)
                    scores[i] = log_loss_score(raw, y_index[test])
                else:
                    proxy = self._proxy(classes, coefs[i], intercepts[i], X.shape[1], inner)
                    scores[i] = scorer(proxy, X_test, y[test])
            return coefs, intercepts, n_iter, scores

        # The fits warn from the worker threads; one summary is clearer than a warning per
        # fit (the weakest penalties of a grid often need more than max_iter).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = run_interleaved([run_path(f, r) for f, r in tasks], workers)
        _summarise_warnings(caught, out, alphas, self)
        n_folds, n_l1, n_alphas = len(splits), len(l1_ratios), len(alphas)
        d = X.shape[1]
        coefs = np.stack([o[0] for o in out]).reshape(n_folds, n_l1, n_alphas, K, d)
        intercepts = np.stack([o[1] for o in out]).reshape(n_folds, n_l1, n_alphas, K)
        n_iter = np.stack([o[2] for o in out]).reshape(n_folds, n_l1, n_alphas)
        scores = np.stack([o[3] for o in out]).reshape(n_folds, n_l1, n_alphas)
        mean = scores.mean(axis=0)  # (n_l1, n_alphas)
        # first best: the larger alpha (the simpler model) wins a tie
        best_r, best_a = np.unravel_index(int(np.argmax(mean)), mean.shape)

        self.classes_ = classes
        self.solver_ = solver
        self.alphas_ = alphas
        self.alpha_ = float(alphas[best_a])
        self.l1_ratio_ = float(l1_ratios[best_r])
        if use_C:
            self.Cs_ = Cs
            self.C_ = float(Cs[best_a])
        if self.l1_ratios is not None:
            self.l1_ratios_ = l1_ratios
        self._set_paths(coefs, intercepts, n_iter, scores)
        self.cv_results_ = self._cv_results(scores, n_iter, alphas, Cs, l1_ratios)

        start_W = coefs[:, best_r, best_a].mean(axis=0)
        start_b = intercepts[:, best_r, best_a].mean(axis=0)
        self.refit_n_iter_ = 0
        if self.refit:
            full = Objective(
                X,
                y_index,
                sw,
                len(classes),
                self.alpha_,
                self.l1_ratio_,
                self.fit_intercept,
                n_threads=budget,
            )
            params0 = np.concatenate([np.asarray(start_W.T, dtype=np.float64).ravel(), start_b])
            settings = solver_settings(
                self._template(l1_ratio=self.l1_ratio_, random_state=seeds[-1, 0]),
                SOLVERS[solver].settings,
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                params, n_it, _ = path_fits(
                    full, np.array([self.alpha_]), solver, settings, params0
                )
            for w in caught:  # at the caller's line
                message = str(w.message)
                if issubclass(w.category, ConvergenceWarning):
                    message = f"The refit at alpha={self.alpha_:.3g}: {message}"
                warnings.warn(message, w.category, stacklevel=2)
            W, b = full.split(params[0])
            start_W, start_b = W.T, b
            self.refit_n_iter_ = int(n_it[0])
        self.coef_ = feature_major_coef(np.asarray(start_W).T, X.dtype)
        self.intercept_ = np.array(start_b if self.fit_intercept else np.zeros(K), dtype=X.dtype)
        return self

    def _proxy(self, classes, coef, intercept, n_features, n_jobs):
        """A fitted SoftmaxRegression with these weights, for scikit-learn scorers."""
        proxy = SoftmaxRegression(n_jobs=n_jobs)
        proxy.classes_ = classes
        proxy.coef_ = coef
        proxy.intercept_ = intercept
        proxy.n_features_in_ = n_features
        return proxy

    def _set_paths(self, coefs, intercepts, n_iter, scores):
        """The per-fold arrays with the alpha axis before the l1_ratio axis (dropped when
        ``l1_ratios`` is None), as ``LogisticRegressionCV`` orders them."""
        squeeze = self.l1_ratios is None

        def arrange(a):
            a = np.moveaxis(a, 1, 2)  # (n_folds, n_alphas, n_l1, ...)
            return a[:, :, 0] if squeeze else a

        self.coefs_paths_ = arrange(coefs)
        self.intercepts_paths_ = arrange(intercepts)
        self.n_iter_ = arrange(n_iter)
        self.scores_ = arrange(scores)

    def _cv_results(self, scores, n_iter, alphas, Cs, l1_ratios):
        """``GridSearchCV``-like results, one entry per (l1_ratio, alpha), alpha fastest."""
        n_folds = scores.shape[0]
        flat = scores.reshape(n_folds, -1)
        mean, std = flat.mean(axis=0), flat.std(axis=0)
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(mean), dtype=np.int32)
        rank[order] = np.arange(1, len(mean) + 1)
        results = {
            "param_alpha": np.tile(alphas, len(l1_ratios)),
            "param_l1_ratio": np.repeat(l1_ratios, len(alphas)),
        }
        if Cs is not None:
            results["param_C"] = np.tile(Cs, len(l1_ratios))
        for k in range(n_folds):
            results[f"split{k}_test_score"] = flat[k]
        results.update(
            mean_test_score=mean,
            std_test_score=std,
            rank_test_score=rank,
            mean_n_iter=n_iter.reshape(n_folds, -1).mean(axis=0),
        )
        return results
