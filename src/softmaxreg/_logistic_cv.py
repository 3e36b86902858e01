"""LogisticRegressionCV: scikit-learn's class of that name on softmaxreg's warm-started paths.

Each (fold, l1_ratio) pair is one task, as in ``SoftmaxRegressionCV``: the fold's path over
``Cs`` (smallest C, the strongest penalty, first; each fit warm-started from the previous
one, SAG/SAGA with their gradient memory; see ``softmaxreg._path``), scored on the held-out
rows at every C. The tasks run as threads, taking turns a fit at a time
(``softmaxreg._path.run_interleaved``). ``C`` maps to ``alpha = 1 / (C * S_fold)`` with
S_fold the fold's total training weight (class weights included), which is scikit-learn's
objective on that fold. liblinear has no warm start (in scikit-learn neither): its paths are one
``LogisticRegression(solver="liblinear")`` fit per C. What is chosen is then refitted on all
the data from the folds' mean model, and the attributes take scikit-learn's layouts
(``use_legacy_attributes``).
"""

from __future__ import annotations

import numbers
import sys
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from ._estimator import SoftmaxRegression, solver_settings
from ._logistic import LogisticRegression, _convergence_message
from ._logistic_cv_layout import best_indices, legacy_attributes, new_attributes
from ._logistic_cv_scoring import fold_params, labelled_scorer, proxy_model
from ._objective import Objective
from ._path import path_fits, path_steps, run_interleaved
from ._solvers.registry import SOLVERS, choose_solver
from ._threads import effective_n_threads
from ._validation import (
    check_liblinear_data,
    check_logistic_params,
    check_sample_weight,
    check_X_y,
    effective_sample_weight,
    encode_labels,
)

_PENALTIES = ("l1", "l2", "elasticnet")

# Below this many stored values of X times the classes' columns, the paths run one at a
# time on one thread (see ``fit``).
_THREADED_WORK = 200_000


class LogisticRegressionCV(LogisticRegression):
    """Drop-in replacement for scikit-learn's ``LogisticRegressionCV`` on softmaxreg's solvers.

    ``LogisticRegression`` with ``C`` (and ``l1_ratio``) chosen by cross-validation:
    scikit-learn 1.9's parameters, defaults, FutureWarnings and attributes (dicts keyed by
    class with ``use_legacy_attributes=True``, arrays otherwise), plus ``multi_class``
    for code written for older versions. Each fold fits the whole path of ``Cs`` with warm
    starts (threads over folds), so the grid costs a fraction of as many cold fits.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        An int n: ``np.logspace(-4, 4, n)``; otherwise the values (> 0, ``np.inf`` for no
        penalty), in the order given (``Cs_`` keeps it; the fits run smallest C first).
    l1_ratios : array-like of float in [0, 1] or None, default="warn"
        Elastic-net mixings to try with every C. The default stands for None (L2) with
        scikit-learn's FutureWarning that it will become ``(0.0,)``.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5 stratified folds).
    dual, tol, max_iter, class_weight, intercept_scaling, random_state
        As in ``LogisticRegression`` (``tol`` and ``max_iter`` hold for each fit of a path;
        ``random_state`` seeds one stream per path, drawn before the threads start).
    penalty : {"l1", "l2", "elasticnet"}, default="deprecated"
        The default follows ``l1_ratios`` (all 0 or None: "l2", all 1: "l1", else
        "elasticnet"), as scikit-learn >= 1.8 does; an explicit value is honoured without
        scikit-learn's deprecation warning (as by softmaxreg's ``LogisticRegression``).
    scoring : str, callable or None, default="warn"
        A scorer name or ``scorer(estimator, X, y)``; None (and the default, with
        scikit-learn's FutureWarning that it will become "neg_log_loss") is the accuracy,
        weighted by ``sample_weight``. Also used by ``score``.
    solver : {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga", \
"sgd", "auto"}, default="lbfgs"
        As in ``LogisticRegression`` ("newton-cg" and "newton-cholesky" run "lbfgs";
        "liblinear" fits liblinear's objective, binary or "ovr" only, without warm starts).
    n_jobs : int or None, default=None
        Thread budget, as in ``SoftmaxRegressionCV``: the paths run in
        ``min(budget, n_paths)`` threads, each fit on ``budget // that`` threads. Small
        problems (X's stored values times the classes below 200,000) run on one thread:
        their fits are Python-bound, and threads would only contend for the GIL.
    verbose : int, default=0
        When > 0, one line per finished path on stderr.
    refit : bool, default=True
        True: the C (and l1_ratio) of the best mean score, refitted on all the data from
        the folds' mean model. False: ``coef_`` is the mean of each fold's best model, and
        ``C_`` the mean of their Cs (scikit-learn's rule).
    multi_class : {"auto", "multinomial", "ovr"}, default="auto"
        "ovr" (removed from scikit-learn in 1.8) runs the cross-validation of one binary
        problem per class, each choosing its own C, as older scikit-learn did; its
        attributes exist only in the legacy layout.
    use_legacy_attributes : bool, default="warn"
        scikit-learn 1.9's switch (see Attributes); the default is True with its
        FutureWarning.

    Attributes
    ----------
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        ``[None]`` when ``l1_ratios`` is None.
    C_, l1_ratio_ : ndarray of shape (n_classes,) or (1,) (legacy), or float
    coefs_paths_ : dict of ndarray, or ndarray
        Legacy: per class (``classes_[1]`` only for two classes), shape
        ``(n_folds, n_cs, n_dof)`` or ``(n_folds, n_cs, n_l1_ratios, n_dof)`` with
        ``l1_ratios``, ``n_dof = n_features + fit_intercept`` (intercept last). Otherwise
        ``(n_folds, n_l1_ratios, n_cs, n_classes or 1, n_dof)``.
    scores_ : dict of ndarray, or ndarray
        Held-out scores, legacy ``(n_folds, n_cs[, n_l1_ratios])`` per class (the same for
        every class unless "ovr"), otherwise ``(n_folds, n_l1_ratios, n_cs)``.
    n_iter_ : ndarray
        Legacy ``(1, n_folds, n_cs[, n_l1_ratios])`` (n_classes rows for "ovr"),
        otherwise ``(n_folds, n_l1_ratios, n_cs)``; int32.
    classes_, coef_, intercept_, n_features_in_, feature_names_in_
        As in ``LogisticRegression``; ``coef_`` is float64, as scikit-learn's.
    alpha_ : float
        softmaxreg's ``alpha`` of the refit (``1 / (C_ * S)``; 0 without a penalty).
    """

    # score()'s sample_weight is the scorer's to request (metadata routing), not its own
    __metadata_request__score = {"sample_weight": UNUSED}

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios="warn",
        fit_intercept=True,
        cv=None,
        dual=False,
        penalty="deprecated",
        scoring="warn",
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        intercept_scaling=1.0,
        multi_class="auto",
        random_state=None,
        use_legacy_attributes="warn",
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.multi_class = multi_class
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes

    # LogisticRegression's attributes that LogisticRegressionCV has no parameter for
    warm_start = False
    callback = None

    def set_callbacks(self, *callbacks):
        """Not supported: scikit-learn's callbacks (its >= 1.9 API) are not wired into
        the cross-validation's fits (scikit-learn's own LogisticRegressionCV does not call
        them either). Raises NotImplementedError rather than ignoring them."""
        raise NotImplementedError(
            "LogisticRegressionCV does not call scikit-learn callbacks; use them on "
            "LogisticRegression(C=search.C_) fitted after the search."
        )

    def _template(self, C=1.0, l1_ratio=0.0, penalty="auto", **overrides):
        """A LogisticRegression with these settings: its validation and liblinear fits."""
        params = dict(
            penalty=penalty,
            C=C,
            l1_ratio=l1_ratio,
            dual=self.dual,
            tol=self.tol,
            fit_intercept=self.fit_intercept,
            intercept_scaling=self.intercept_scaling,
            random_state=self.random_state,
            solver=self.solver,
            max_iter=self.max_iter,
            multi_class=self.multi_class,
            n_jobs=self.n_jobs,
        )
        params.update(overrides)
        return LogisticRegression(**params)

    def _check_params(self):
        """Resolve the deprecation sentinels (with scikit-learn's warnings) and validate.

        Returns the penalty, the l1_ratios to cross-validate (``[None]`` for None), the
        scoring, the legacy switch, and (l1_ratio, solver) per entry of l1_ratios.
        """
        l1_ratios = self.l1_ratios
        if isinstance(l1_ratios, str) and l1_ratios == "warn":
            l1_ratios = None
            warnings.warn(
                "The default value for l1_ratios will change from None to (0.0,) in "
                "version 1.10. From version 1.10 onwards, only array-like with values in "
                "[0, 1] will be allowed, None will be forbidden. To avoid this warning, "
                "explicitly set a value, e.g. l1_ratios=(0,).",
                FutureWarning,
                stacklevel=3,
            )
        if l1_ratios is not None:
            if np.ndim(l1_ratios) != 1 or len(l1_ratios) == 0:
                raise ValueError(
                    f"l1_ratios must be an array-like of numbers between 0 and 1; got "
                    f"(l1_ratios={l1_ratios!r})"
                )
            for r in l1_ratios:
                if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0 <= r <= 1:
                    raise ValueError(
                        "l1_ratios must be an array-like of numbers between 0 and 1; got "
                        f"(l1_ratios={l1_ratios!r})"
                    )
        if self.penalty == "deprecated":
            values = np.asarray([0.0] if l1_ratios is None else l1_ratios, dtype=float)
            penalty = "l2" if np.all(values == 0) else "l1" if np.all(values == 1) else "elasticnet"
        elif self.penalty in _PENALTIES:
            penalty = self.penalty
            if penalty == "elasticnet" and l1_ratios is None:
                raise ValueError(
                    "l1_ratios must be an array-like of numbers between 0 and 1; got "
                    "(l1_ratios=None)"
                )
            if penalty != "elasticnet" and l1_ratios is not None:
                warnings.warn(
                    "l1_ratios parameter is only used when penalty is 'elasticnet'. Got "
                    f"(penalty={penalty})",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            raise ValueError(
                f"penalty must be one of {_PENALTIES} (or left to follow l1_ratios), "
                f"got {self.penalty!r}."
            )
        scoring = self.scoring
        if isinstance(scoring, str) and scoring == "warn":
            warnings.warn(
                "The default value of the parameter 'scoring' will change from None, i.e. "
                "accuracy, to 'neg_log_loss' in version 1.11. To silence this warning, "
                "explicitly set the scoring parameter: scoring='neg_log_loss' for the new, "
                "scoring='accuracy' or scoring=None for the old default.",
                FutureWarning,
                stacklevel=3,
            )
            scoring = None
        elif scoring is not None and not (isinstance(scoring, str) or callable(scoring)):
            raise TypeError(f"scoring must be None, a scorer name or a callable, got {scoring!r}.")
        legacy = self.use_legacy_attributes
        if isinstance(legacy, str) and legacy == "warn":
            warnings.warn(
                f"The fitted attributes of {type(self).__name__} will be simplified in "
                "scikit-learn 1.10 to remove redundancy. Set `use_legacy_attributes=False` "
                "to enable the new behavior now, or set it to `True` to silence this "
                "warning during the transition period while keeping the deprecated "
                "behavior for the time being. The default value of use_legacy_attributes "
                "will change from True to False in scikit-learn 1.10.",
                FutureWarning,
                stacklevel=3,
            )
            legacy = True
        if not isinstance(legacy, (bool, np.bool_)):
            raise TypeError(f"use_legacy_attributes must be a bool, got {legacy!r}.")
        if not isinstance(self.refit, (bool, np.bool_)):
            raise TypeError(f"refit must be a bool, got {self.refit!r}.")
        Cs = self._grid()
        l1_ratios_ = [None] if l1_ratios is None else list(l1_ratios)
        plans = []
        for r in l1_ratios_:
            if penalty == "elasticnet":
                template = self._template(C=1.0, l1_ratio=float(r), penalty="elasticnet")
            else:
                template = self._template(l1_ratio={"l2": 0.0, "l1": 1.0}[penalty], penalty=penalty)
            l1, _, solver = check_logistic_params(template)
            plans.append((l1, solver))
        return penalty, l1_ratios, l1_ratios_, scoring, bool(legacy), Cs, plans

    def _grid(self):
        """``Cs_``: ``np.logspace(-4, 4, Cs)`` for an int, else the values as given."""
        Cs = self.Cs
        if isinstance(Cs, numbers.Integral) and not isinstance(Cs, bool):
            if Cs < 1:
                raise ValueError(f"Cs as an int is the size of the grid, >= 1; got {Cs}.")
            return np.logspace(-4, 4, Cs)
        if np.ndim(Cs) != 1 or len(Cs) == 0:
            raise ValueError(f"Cs must be an int >= 1 or a non-empty 1-D array, got {Cs!r}.")
        try:
            values = np.asarray(Cs, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"Cs must hold numbers, got {Cs!r}.") from None
        if np.any(np.isnan(values)) or np.any(values <= 0):
            raise ValueError(f"Cs must be > 0 (np.inf: no penalty), got {Cs!r}.")
        return values

    def _get_scorer(self):
        """The scorer of ``scoring`` (accuracy for None and the default)."""
        if isinstance(self.scoring, str) and self.scoring == "warn":
            return get_scorer("accuracy")
        return get_scorer(self.scoring or "accuracy")

    def get_metadata_routing(self):
        """The metadata routing of the estimator: fit's parameters go to the splitter
        (``split``) and the scorer (``score``), as in scikit-learn.

        Returns
        -------
        MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(splitter=self.cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )

    def score(self, X, y, sample_weight=None, **score_params):
        """Score of the fitted model on X, y with ``scoring`` (accuracy by default).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **score_params : dict
            Passed to the scorer (with metadata routing enabled).

        Returns
        -------
        float
        """
        _raise_for_params(score_params, self, "score")
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        scorer = self._get_scorer()
        if _routing_enabled():
            kwargs = process_routing(self, "score", **score_params).scorer.score
        else:
            sw = score_params.get("sample_weight")
            kwargs = {} if sw is None else {"sample_weight": sw}
        return scorer(self, X, y, **kwargs)

    def fit(self, X, y, sample_weight=None, **params):
        """Cross-validate the paths of ``Cs`` (and ``l1_ratios``), choose, and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits, also passed to the scorer (as scikit-learn does).
        **params : dict
            Passed to the splitter and the scorer (metadata routing).

        Returns
        -------
        self
        """
        _raise_for_params(params, self, "fit")
        penalty, l1_ratios, l1_ratios_, scoring, legacy, Cs, plans = self._check_params()
        liblinear = plans[0][1] == "liblinear"
        X, y = check_X_y(self, X, y)
        if X.dtype != np.float64:  # scikit-learn's LogisticRegressionCV works in float64
            X = X.astype(np.float64)
        classes, y_index = encode_labels(y)
        n_classes = len(classes)
        ovr = self.multi_class == "ovr" and n_classes > 2
        if liblinear:
            check_liblinear_data(X, n_classes, self.multi_class)
        if ovr and not legacy:
            raise ValueError(
                "multi_class='ovr' (removed from scikit-learn in 1.8) has its attributes in "
                "the legacy layout only: set use_legacy_attributes=True."
            )
        checked_sw = check_sample_weight(sample_weight, X.shape[0])
        given_sw = None if sample_weight is None else checked_sw
        sw = effective_sample_weight(
            checked_sw,
            self.class_weight,
            y_index,
            classes=classes,
            y=y,
        )
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
        else:
            score_kwargs = dict(params)
            if sample_weight is not None:
                score_kwargs["sample_weight"] = sample_weight
            routed = Bunch(splitter=Bunch(split={}), scorer=Bunch(score=score_kwargs))
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y, **routed.splitter.split))
        scorer = None if scoring is None else labelled_scorer(get_scorer(scoring), n_classes)

        # one problem (multinomial or binary), or one binary problem per class ("ovr")
        if ovr:
            problems = [
                ((y_index == k).astype(np.int32), np.array([0, 1]), (y == classes[k]).astype(int))
                for k in range(n_classes)
            ]
        else:
            problems = [(y_index, classes, y)]
        budget = effective_n_threads(self.n_jobs)
        tasks = [
            (p, f, r)
            for p in range(len(problems))
            for f in range(len(splits))
            for r in range(len(plans))
        ]
        # Threads only for problems where a pass over a fold is real work: on small data
        # (scikit-learn's tests, iris) the fits are Python-bound and threads only contend
        # for the GIL. The result does not depend on it (the seeds are drawn up front).
        work = (X.nnz if sparse.issparse(X) else X.size) * (1 if n_classes == 2 else n_classes)
        if work < _THREADED_WORK:
            budget = 1
        workers = max(1, min(budget, len(tasks)))
        inner = max(1, budget // workers)
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=(len(problems), len(splits) + 1, len(plans))
        )
        solvers = [plan[1] for plan in plans]
        if "auto" in solvers:  # chosen once, on all the data at the weakest penalty
            full = Objective(
                X, y_index, sw, n_classes, 0.0, max(p[0] for p in plans), self.fit_intercept
            )
            solvers = [choose_solver("auto", full) if s == "auto" else s for s in solvers]
        order = np.argsort(Cs, kind="stable")  # each path: smallest C first
        score_params = routed.scorer.score

        def run(p, f, r):
            codes, labels, targets = problems[p]
            train, test = splits[f]
            coefs, n_iter = yield from self._path(
                X[train],
                codes[train],
                sw[train],
                len(labels),
                Cs[order],
                plans[r][0],
                solvers[r],
                seeds[p, f, r],
                inner,
            )
            fold_kwargs = fold_params(score_params, len(y), test)
            scores = np.empty(len(Cs))
            for i, w in enumerate(coefs):
                proxy = proxy_model(labels, w, X.shape[1], inner)
                if scorer is None:
                    weight = None if given_sw is None else given_sw[test]
                    scores[i] = proxy.score(X[test], targets[test], sample_weight=weight)
                else:
                    scores[i] = scorer(proxy, X[test], targets[test], **fold_kwargs)
            if self.verbose:
                what = f"class {classes[p]!r}, " if ovr else ""
                what += f"l1_ratio={l1_ratios_[r]}, " if len(plans) > 1 else ""
                sys.stderr.write(
                    f"[LogisticRegressionCV] fold {f + 1}/{len(splits)}, {what}{len(Cs)} Cs: "
                    f"{int(n_iter.sum())} iterations\n"
                )
            inverse = np.argsort(order)
            return np.asarray(coefs)[inverse], n_iter[inverse], scores[inverse]

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = run_interleaved([run(*t) for t in tasks], workers)
        n_p, n_f, n_r = len(problems), len(splits), len(plans)
        coefs = np.stack([o[0] for o in out]).reshape(
            n_p, n_f, n_r, len(Cs), -1, X.shape[1] + self.fit_intercept
        )
        n_iter = np.stack([o[1] for o in out]).reshape(n_p, n_f, n_r, len(Cs)).astype(np.int32)
        scores = np.stack([o[2] for o in out]).reshape(n_p, n_f, n_r, len(Cs))
        # scikit-learn's order of the axes: (fold, C, l1_ratio)
        coefs = np.swapaxes(coefs, 2, 3)
        n_iter = np.swapaxes(n_iter, 2, 3)
        scores = np.swapaxes(scores, 2, 3)
        self._reissue(caught, n_iter, solvers)

        rows, chosen_C, chosen_l1 = [], [], []
        alphas, refit_l1 = [], []
        for p, (codes, labels, _) in enumerate(problems):
            if self.refit:
                i, j = best_indices(scores[p].sum(axis=0))
                C, l1_ratio = Cs[i], l1_ratios_[j]
                start = coefs[p][:, i, j].mean(axis=0)
                w, alpha = self._refit(
                    X, codes, sw, len(labels), C, plans[j][0], solvers[j], start, seeds[p, -1, 0]
                )
                refit_l1.append(plans[j][0])
            else:
                flat = scores[p].reshape(n_f, -1)
                best = [np.unravel_index(int(np.argmax(s)), scores[p].shape[1:]) for s in flat]
                w = np.mean([coefs[p][f, i, j] for f, (i, j) in enumerate(best)], axis=0)
                C = float(np.mean(Cs[[i for i, _ in best]]))
                if penalty == "elasticnet":
                    l1_ratio = float(
                        np.mean(np.asarray(l1_ratios_, dtype=float)[[j for _, j in best]])
                    )
                else:
                    l1_ratio = 0.0
                total = float(sw.sum())
                alpha = 0.0 if np.isinf(C) else 1.0 / (C * total)
                refit_l1.append(l1_ratio if penalty == "elasticnet" else plans[0][0])
            rows.append(w)
            chosen_C.append(C)
            chosen_l1.append(l1_ratio)
            alphas.append(alpha)
        W = np.concatenate(rows, axis=0)
        d = X.shape[1]
        self.classes_ = classes
        self.coef_ = np.ascontiguousarray(W[:, :d], dtype=np.float64)
        self.intercept_ = W[:, d].copy() if self.fit_intercept else np.zeros(W.shape[0])
        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray(l1_ratios_)
        self.alpha_ = float(alphas[0])
        self._inference_blocker = (
            "refit=False: coef_ is the mean of the folds' models, the optimum of no objective"
            if not self.refit
            else "multi_class='ovr' chose a different C per class"
            if len(set(alphas)) > 1
            else None
        )
        self._l1_ratio = float(refit_l1[0])
        self._liblinear = liblinear
        keys = classes[1:] if n_classes == 2 else classes
        if legacy:
            attrs = legacy_attributes(
                keys, coefs, scores, n_iter, chosen_C, chosen_l1, ovr, l1_ratios is None
            )
        else:
            attrs = new_attributes(coefs, scores, n_iter, chosen_C[0], chosen_l1[0])
            if l1_ratios is None:
                attrs["l1_ratio_"] = 1.0 if self.penalty == "l1" else 0.0
        for name, value in attrs.items():
            setattr(self, name, value)
        return self

    def _penalty_for_inference(self):
        if getattr(self, "_inference_blocker", None):
            raise ValueError(
                f"summary() and odds-ratio intervals are not available here: "
                f"{self._inference_blocker}. Fit LogisticRegression(C=C_) for them."
            )
        return super()._penalty_for_inference()

    def _path(self, X, codes, sw, n_labels, Cs, l1_ratio, solver, seed, n_threads):
        """One fold's fits along increasing ``Cs``, a generator (``run_interleaved``) that
        returns (list of w of shape (n_columns, n_dof), n_iter of shape (n_cs,))."""
        if solver == "liblinear":
            ws, n_iter = [], np.zeros(len(Cs), dtype=np.int32)
            for i, C in enumerate(Cs):
                model = self._template(
                    C=float(C),
                    l1_ratio=l1_ratio,
                    penalty="l1" if l1_ratio == 1 else "l2",
                    random_state=seed,
                    n_jobs=n_threads,
                ).fit(X, codes, sample_weight=sw)
                ws.append(_stack_w(model.coef_, model.intercept_, self.fit_intercept))
                n_iter[i] = model.n_iter_[0]
            return ws, n_iter
        objective = Objective(
            X, codes, sw, n_labels, 0.0, l1_ratio, self.fit_intercept, n_threads=n_threads
        )
        alphas = _alphas(Cs, objective.total_weight)
        settings = self._settings(solver, l1_ratio, seed, n_threads)
        params, n_iter, _ = yield from path_steps(objective, alphas, solver, settings)
        return [_w_of(objective, p, self.fit_intercept) for p in params], n_iter

    def _settings(self, solver, l1_ratio, seed, n_threads):
        """The settings of ``solver`` for one path (this estimator's tol and max_iter)."""
        model = SoftmaxRegression(
            l1_ratio=l1_ratio,
            solver=solver,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            random_state=int(seed),
            n_jobs=n_threads,
        )
        return solver_settings(model, SOLVERS[solver].settings)

    def _refit(self, X, codes, sw, n_labels, C, l1_ratio, solver, start, seed):
        """The fit at the chosen C on all the data, from ``start`` (scikit-learn's layout):
        (w of shape (n_columns, n_dof), alpha)."""
        budget = effective_n_threads(self.n_jobs)
        total = float(sw.sum())
        alpha = 0.0 if np.isinf(C) else 1.0 / (C * total)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if solver == "liblinear":  # no warm start, as in scikit-learn
                ((ws, _),) = run_interleaved(
                    [
                        self._path(
                            X, codes, sw, n_labels, np.array([C]), l1_ratio, solver, seed, budget
                        )
                    ],
                    1,
                )
                w = ws[0]
            else:
                objective = Objective(
                    X, codes, sw, n_labels, alpha, l1_ratio, self.fit_intercept, n_threads=budget
                )
                d = X.shape[1]
                params0 = np.concatenate(
                    [
                        start[:, :d].T.ravel(),
                        start[:, d] if self.fit_intercept else np.zeros(len(start)),
                    ]
                )
                settings = self._settings(solver, l1_ratio, seed, budget)
                params, n_it, _ = path_fits(objective, np.array([alpha]), solver, settings, params0)
                w = _w_of(objective, params[0], self.fit_intercept)
        for item in caught:
            message = str(item.message)
            if issubclass(item.category, ConvergenceWarning) and solver != "liblinear":
                message = _convergence_message(self.solver, solver, int(n_it[0]), message)
            warnings.warn(f"The refit at C={C:.3g}: {message}", item.category, stacklevel=3)
        return w, alpha

    def _reissue(self, caught, n_iter, solvers):
        """The paths' warnings, each distinct one once; the convergence warnings as one,
        in scikit-learn's text for the solver, naming the Cs whose fits ran out."""
        seen = set()
        converge = None
        for item in caught:
            if issubclass(item.category, ConvergenceWarning):
                converge = converge or str(item.message)
                continue
            key = (item.category, str(item.message))
            if key not in seen:
                seen.add(key)
                warnings.warn(item.message, item.category, stacklevel=3)
        if converge is None:
            return
        if solvers[0] != "liblinear":
            converge = _convergence_message(self.solver, solvers[0], int(n_iter.max()), converge)
        short = np.unique(self._grid()[np.nonzero(n_iter >= self.max_iter)[2]])
        where = ", ".join(f"{c:.3g}" for c in short) or "some Cs"
        warnings.warn(
            f"{converge} (in the cross-validation's fits at C={where})",
            ConvergenceWarning,
            stacklevel=3,
        )


def _alphas(Cs, total_weight):
    """softmaxreg's alpha of each C: ``1 / (C * S)``, 0 for ``C = inf``."""
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(Cs), 0.0, 1.0 / (Cs * total_weight))


def _w_of(objective, params, fit_intercept):
    """Flat parameters as scikit-learn's ``w``: (n_columns, n_features [+ 1, intercept])."""
    W, b = objective.split(params)
    return _stack_w(W.T, b, fit_intercept)


def _stack_w(coef, intercept, fit_intercept):
    coef = np.asarray(coef, dtype=np.float64)
    if not fit_intercept:
        return coef.copy()
    return np.hstack([coef, np.asarray(intercept, dtype=np.float64).reshape(-1, 1)])
