"""The one place that checks and converts user input before any kernel runs.

Kernels trust what leaves this module: float32/float64 data, C-contiguous dense X or
CSR X with a consistent structure (same integer dtype for ``indices`` and ``indptr``,
non-decreasing ``indptr``, indices in range), finite values, labels encoded as
``0..K-1``, finite non-negative sample weights. Nothing here writes to a caller's array:
every conversion makes a new array, and CSR input that already fits is used as is.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, validate_data

from ._kernels.sgd import LEARNING_RATES as _LEARNING_RATE_CODES

FLOAT_DTYPES = (np.float64, np.float32)


# What every kernel accepts: C-ordered float32/float64, CSR (int32 or int64 indices) as is.
X_CONTRACT = dict(
    accept_sparse="csr", dtype=list(FLOAT_DTYPES), order="C", accept_large_sparse=True
)


def check_X(estimator, X, *, reset):
    """Validate X for fitting (``reset=True``) or prediction (``reset=False``).

    Returns dense C-ordered float32/float64 ndarray or a CSR matrix/array with
    float32/float64 data (CSC, COO and other formats are converted to CSR).
    """
    return _checked_csr(validate_data(estimator, X, reset=reset, **X_CONTRACT))


def check_X_y(estimator, X, y, *, reset=True):
    """Validate X and y together for ``fit`` (1-D y of matching length, no NaN).

    ``reset=False`` (later ``partial_fit`` calls) checks ``n_features_in_`` instead of
    setting it.
    """
    X, y = validate_data(
        estimator, X, y, reset=reset, y_numeric=False, multi_output=False, **X_CONTRACT
    )
    _check_targets(y)
    return _checked_csr(X), y


def _check_targets(y):
    """scikit-learn's check that y holds class labels (not continuous values).

    Its test casts float labels to int64; for labels beyond the int64 range (1e300) that
    cast is "invalid" and would emit a RuntimeWarning before its own clear ValueError
    ("Unknown label type: continuous").
    """
    with np.errstate(invalid="ignore"):
        check_classification_targets(y)


def _checked_csr(X):
    """X itself when dense; for CSR, X after :func:`check_csr_structure`."""
    return check_csr_structure(X) if sp.issparse(X) else X


def check_csr_structure(X):
    """Raise ValueError for a CSR matrix whose structure would make a kernel read out of bounds.

    Returns X itself when its index arrays already share one integer dtype, otherwise
    a CSR copy with both cast to int64 (``data`` is shared, not copied).
    """
    n_samples, n_features = X.shape
    data, indices, indptr = X.data, X.indices, X.indptr
    if indptr.ndim != 1 or indptr.shape[0] != n_samples + 1:
        raise ValueError(
            f"Corrupt CSR matrix: indptr has length {indptr.shape[0]}, expected n_samples + 1 "
            f"= {n_samples + 1}."
        )
    if indptr[0] != 0 or indptr[-1] != indices.shape[0] or indices.shape[0] != data.shape[0]:
        raise ValueError(
            "Corrupt CSR matrix: indptr[0] must be 0 and indptr[-1] must equal "
            f"len(indices) == len(data); got indptr[0]={indptr[0]}, indptr[-1]={indptr[-1]}, "
            f"len(indices)={indices.shape[0]}, len(data)={data.shape[0]}."
        )
    if n_samples > 0 and np.any(indptr[1:] < indptr[:-1]):
        raise ValueError("Corrupt CSR matrix: indptr is not non-decreasing.")
    if indices.shape[0] > 0:
        lo, hi = indices.min(), indices.max()
        if lo < 0 or hi >= n_features:
            raise ValueError(
                f"Corrupt CSR matrix: column indices must lie in [0, {n_features}), "
                f"found values in [{lo}, {hi}]."
            )
    if indices.dtype != indptr.dtype or indices.dtype not in (np.int32, np.int64):
        X = type(X)(
            (data, indices.astype(np.int64), indptr.astype(np.int64)), shape=X.shape, copy=False
        )
    return X


def check_sample_weight(sample_weight, n_samples, *, allow_zero_sum=False):
    """Return float64 sample weights of shape (n_samples,); ones when None.

    Raises ValueError for a wrong shape, non-finite or negative values, or all zeros
    (unless ``allow_zero_sum``: one row block of a distributed fit may weigh nothing).
    """
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float64)
    if isinstance(sample_weight, numbers.Number):
        sw = np.full(n_samples, float(sample_weight), dtype=np.float64)
    else:
        try:
            sw = check_array(
                sample_weight,
                ensure_2d=False,
                dtype=np.float64,
                ensure_all_finite=False,
                input_name="sample_weight",
                copy=True,
                ensure_min_samples=0,
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sample_weight must be numeric: {exc}") from None
        if sw.ndim != 1:
            raise ValueError(f"sample_weight must be 1-D, got an array of shape {sw.shape}.")
        if sw.shape[0] != n_samples:
            raise ValueError(
                f"sample_weight has {sw.shape[0]} entries, but X has {n_samples} samples."
            )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative; found negative values.")
    if not allow_zero_sum and not sw.sum() > 0:
        raise ValueError("sample_weight sums to zero: there is nothing to fit.")
    return sw


def class_weights(
    class_weight, classes, *, y=None, sample_weight=None, counts=None, partial_fit=False
):
    """Weight of each class, as ``class_weight`` gives it.

    Parameters
    ----------
    class_weight : dict, "balanced" or ndarray of shape (n_classes,)
        An ndarray is returned as float64 (weights computed earlier).
    classes : ndarray of shape (n_classes,)
        The classes of the fit, sorted.
    y : ndarray of shape (n_samples,), default=None
        The labels, for "balanced" and for scikit-learn's check of a dict.
    sample_weight : ndarray of shape (n_samples,), default=None
        "balanced" counts each class by its total sample weight, as scikit-learn does, so
        that integer weights and repeated rows give the same class weights.
    counts : ndarray of shape (n_classes,), default=None
        Total sample weight per class of the whole data, for "balanced" when ``y`` is not
        at hand (a distributed fit sums it over its blocks).
    partial_fit : bool, default=False
        A ``partial_fit`` call: "balanced" needs the whole data and raises ValueError; a
        dict gives its weight to each class it names and 1 to the others.

    Returns
    -------
    ndarray of shape (n_classes,), float64
    """
    if isinstance(class_weight, np.ndarray):
        return np.asarray(class_weight, dtype=np.float64)
    balanced = isinstance(class_weight, str) and class_weight == "balanced"
    if partial_fit:
        if balanced:
            raise ValueError(
                "class_weight='balanced' needs the whole data and is not supported by "
                "partial_fit; pass compute_class_weight('balanced', classes=classes, y=y_all) "
                "as a dict instead."
            )
        return np.array([class_weight.get(c, 1.0) for c in classes], dtype=np.float64)
    if balanced and counts is not None:
        counts = np.asarray(counts, dtype=np.float64)
        return counts.sum() / (len(classes) * counts)
    if y is None:
        y, sample_weight = classes, None
    return compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sample_weight)


def effective_sample_weight(
    sample_weight,
    class_weight,
    y_index,
    *,
    classes=None,
    y=None,
    counts=None,
    partial_fit=False,
    allow_zero_sum=False,
):
    """The sample weights times the weight of each sample's class: the weights a fit uses.

    The one place where class weights are folded into sample weights (``fit``,
    ``partial_fit``, ``LogisticRegression``, ``summary`` and the blocks of a distributed
    fit all call it).

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,), float64
        Checked sample weights (:func:`check_sample_weight`); not modified.
    class_weight : dict, "balanced", ndarray of shape (n_classes,) or None
        None returns ``sample_weight`` itself. See :func:`class_weights`.
    y_index : ndarray of shape (n_samples,)
        Class indices ``0..K-1`` (:func:`encode_labels`).
    classes, y, counts, partial_fit
        As for :func:`class_weights`.
    allow_zero_sum : bool, default=False
        Accept weights that sum to zero (a row block of a distributed fit, a
        ``partial_fit`` chunk, the data of ``summary``); otherwise raise ValueError.

    Returns
    -------
    ndarray of shape (n_samples,), float64
    """
    if class_weight is None:
        return sample_weight
    weights = class_weights(
        class_weight,
        classes,
        y=y,
        sample_weight=sample_weight,
        counts=counts,
        partial_fit=partial_fit,
    )
    sw = sample_weight * weights[y_index]
    if not allow_zero_sum and not sw.sum() > 0:
        raise ValueError("class_weight gives every sample a zero weight.")
    return sw


def encode_labels(y, classes=None):
    """Map labels to class indices ``0..K-1``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    classes : ndarray or None
        Known classes (sorted); None to take them from ``y``.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    y_index : ndarray of shape (n_samples,), int32
    """
    if classes is None:
        classes, y_index = np.unique(y, return_inverse=True)
    else:
        y_index = np.searchsorted(classes, y)
        y_index = np.clip(y_index, 0, len(classes) - 1)
        unknown = classes[y_index] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not in classes: {np.unique(np.asarray(y)[unknown])[:10]!r}."
            )
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes[0]!r}."
        )
    return classes, y_index.astype(np.int32, copy=False)


def _check_number(name, value, kind, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(
            f"{name} must be of type {kind.__name__}, got {value!r} of type {type(value).__name__}."
        )
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}.")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}.")


def solver_names():
    """The values of ``solver``: "auto" and the registered solvers (``_solvers.SOLVERS``)."""
    from ._solvers.registry import SOLVERS  # not at the top: the solvers import this module

    return ("auto", *SOLVERS)


def check_params(est):
    """Raise ValueError/TypeError naming the first invalid hyper-parameter of ``est``."""
    _check_number("alpha", est.alpha, numbers.Real, low=0)
    _check_number("l1_ratio", est.l1_ratio, numbers.Real, low=0, high=1)
    solvers = solver_names()
    if est.solver not in solvers:
        raise ValueError(f"solver must be one of {solvers}, got {est.solver!r}.")
    _check_number("tol", est.tol, numbers.Real, low=0)
    _check_number("max_iter", est.max_iter, numbers.Integral, low=0)
    if not isinstance(est.fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be a bool, got {est.fit_intercept!r}.")
    if not isinstance(est.warm_start, (bool, np.bool_)):
        raise TypeError(f"warm_start must be a bool, got {est.warm_start!r}.")
    if est.n_jobs is not None:
        _check_number("n_jobs", est.n_jobs, numbers.Integral)
        if est.n_jobs == 0:
            raise ValueError("n_jobs == 0 has no meaning; use None, -1 or a positive count.")
    _check_number("verbose", est.verbose, numbers.Integral, low=0)
    check_callback(est.callback)
    check_random_state_param(est.random_state)
    cw = est.class_weight
    if cw is not None and cw != "balanced" and not isinstance(cw, dict):
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}.")
    if isinstance(cw, dict):
        for label, weight in cw.items():
            _check_number(f"class_weight[{label!r}]", weight, numbers.Real, low=0)
    check_sgd_params(est)


def check_callback(callback):
    """Raise TypeError unless ``callback`` is None or callable."""
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be None or a callable taking one dict, got {callback!r} of type "
            f"{type(callback).__name__}."
        )


def check_random_state_param(random_state):
    """Raise ValueError unless ``random_state`` can seed a RandomState (checked by every solver,
    also those that do not use it, so a bad value never passes silently)."""
    from sklearn.utils import check_random_state

    try:
        check_random_state(random_state)
    except (TypeError, ValueError):
        raise ValueError(
            "random_state must be None, an int in [0, 2**32 - 1] or a numpy RandomState, "
            f"got {random_state!r}."
        ) from None


# The values of ``learning_rate``, from the SGD kernel's table (name -> schedule code).
LEARNING_RATES = ("auto", *_LEARNING_RATE_CODES)


def check_sgd_params(est):
    """The checks of the parameters used only by ``solver="sgd"`` (always run)."""
    _check_number("batch_size", est.batch_size, numbers.Integral, low=1)
    if est.learning_rate not in LEARNING_RATES:
        raise ValueError(
            f"learning_rate must be one of {LEARNING_RATES}, got {est.learning_rate!r}."
        )
    if est.eta0 is not None:
        _check_number(
            "eta0", est.eta0, numbers.Real, low=0, low_open=est.learning_rate != "optimal"
        )
    if est.power_t is not None:
        _check_number(
            "power_t",
            est.power_t,
            numbers.Real,
            low=0 if est.learning_rate in ("adagrad", "auto") else None,
        )
    if est.average is None:
        pass
    elif isinstance(est.average, str):
        if est.average != "linear":
            raise ValueError(f"average must be a bool, an int or 'linear', got {est.average!r}.")
        if est.learning_rate not in ("adagrad", "auto") or est.batch_size != 1:
            raise ValueError(
                "average='linear' is an option of learning_rate='adagrad' (one row a step), "
                f"got learning_rate={est.learning_rate!r}, batch_size={est.batch_size!r}; "
                "use average=True or an int."
            )
    elif not isinstance(est.average, (bool, np.bool_)):
        _check_number("average", est.average, numbers.Integral, low=0)
    for name in ("shuffle", "early_stopping"):
        if not isinstance(getattr(est, name), (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {getattr(est, name)!r}.")
    _check_number(
        "validation_fraction",
        est.validation_fraction,
        numbers.Real,
        low=0,
        high=1,
        low_open=True,
        high_open=True,
    )
    _check_number("n_iter_no_change", est.n_iter_no_change, numbers.Integral, low=1)
    if est.learning_rate == "adagrad" and est.batch_size != 1:
        raise ValueError(
            "learning_rate='adagrad' takes one row a step: batch_size must be 1, got "
            f"{est.batch_size!r}; set learning_rate='optimal' (or another schedule) for "
            "mini-batches."
        )
    if (
        est.solver == "sgd"
        and est.alpha == 0
        and (
            est.learning_rate == "optimal" or (est.learning_rate == "auto" and est.batch_size != 1)
        )
    ):
        raise ValueError(
            "alpha must be > 0 with solver='sgd' and learning_rate='optimal' (its step "
            "size is 1 / (alpha * t)); set alpha > 0 or use another learning_rate."
        )


def validate_X_y_standalone(X, y):
    """check_X_y for functions that are not estimator methods."""
    from sklearn.utils.validation import check_X_y as sk_check_X_y

    X, y = sk_check_X_y(X, y, **X_CONTRACT)
    _check_targets(y)
    return _checked_csr(X), y


def check_block(X, y, sample_weight, n_features, dtype):
    """Validate one row block of a distributed fit, on the worker that holds it.

    The checks of ``fit`` for one block: X as the kernels take it, converted to
    ``dtype`` (the one dtype of the whole fit), ``n_features`` columns, 1-D
    classification labels of matching length, sample weights (``None``: ones) that may
    sum to zero. An empty block passes.

    Returns
    -------
    X : ndarray or CSR matrix of dtype ``dtype``
    y : ndarray of shape (n_rows,)
    sample_weight : ndarray of shape (n_rows,), float64
    """
    from sklearn.utils.validation import check_X_y as sk_check_X_y

    X, y = sk_check_X_y(X, y, ensure_min_samples=0, **X_CONTRACT)
    if X.shape[1] != n_features:
        raise ValueError(
            f"A block of X has {X.shape[1]} columns, but X has {n_features} features; "
            "every block must hold all the columns."
        )
    if y.shape[0] > 0:
        check_classification_targets(y)
    X = _checked_csr(X).astype(dtype, copy=False)
    return X, y, check_sample_weight(sample_weight, X.shape[0], allow_zero_sum=True)


def check_distributed_params(est):
    """Raise ValueError for settings a distributed L-BFGS fit does not support.

    Run after :func:`check_params` on the equivalent ``SoftmaxRegression``.
    """
    if est.solver != "lbfgs":
        raise ValueError(
            f"DaskSoftmaxRegression supports only solver='lbfgs', got solver={est.solver!r}."
        )
    if est.max_iter < 1:  # max_iter=0 (the start point) is an in-memory fit's option
        raise ValueError(f"max_iter must be >= 1, got {est.max_iter!r}.")
    if est.l1_ratio != 0:
        raise ValueError(
            "DaskSoftmaxRegression supports only the L2 penalty (l1_ratio=0) or none "
            f"(alpha=0); got l1_ratio={est.l1_ratio}."
        )


def check_inference_data(est, X, y, sample_weight):
    """Validate the data of ``summary``: X with the fit's features, y in ``classes_``.

    Returns float64 X (dense or CSR), class indices ``y_index`` and the float64 sample
    weights times the estimator's class weights (as in its fit).
    """
    X = check_X(est, X, reset=False)
    X = X.astype(np.float64, copy=False)
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X ({X.shape[0]}), got shape {y.shape}."
        )
    classes, y_index = encode_labels(y, est.classes_)
    sw = effective_sample_weight(
        check_sample_weight(sample_weight, X.shape[0]),
        est.class_weight,
        y_index,
        classes=classes,
        y=y,
        allow_zero_sum=True,
    )
    return X, y_index, sw


MULTI_CLASS = ("auto", "multinomial", "ovr")
LOGISTIC_SOLVERS = ("lbfgs", "sag", "saga", "sgd", "auto")
PENALTIES = ("l2", "l1", "elasticnet", None)
# scikit-learn's solvers with only an L2 (or no) penalty ("sgd" and "auto" are softmaxreg's).
L2_ONLY_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky", "sag")


def _requested_penalty(est):
    """scikit-learn's penalty for ``est``'s ``penalty``, ``l1_ratio`` and ``C``, with its
    warnings (scikit-learn 1.9's rules, so that code filtering them by text finds them)."""
    import warnings

    l1_ratio = est.l1_ratio
    if est.penalty == "auto":  # scikit-learn >= 1.8: the penalty follows l1_ratio and C
        if l1_ratio is None or l1_ratio == 0:
            penalty = "l2"
        elif l1_ratio == 1:
            penalty = "l1"
        else:
            penalty = "elasticnet"
        return None if est.C == np.inf else penalty
    if est.penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES} or 'auto', got {est.penalty!r}.")
    penalty = est.penalty
    if penalty != "elasticnet" and l1_ratio is not None and 0 < l1_ratio < 1:
        warnings.warn(
            "l1_ratio parameter is only used when penalty is 'elasticnet'. Got "
            f"(penalty={penalty}); softmaxreg follows penalty and ignores l1_ratio.",
            UserWarning,
            stacklevel=6,
        )
    elif l1_ratio is not None and (
        (penalty == "l2" and l1_ratio != 0) or (penalty == "l1" and l1_ratio != 1)
    ):
        warnings.warn(
            f"Inconsistent values: penalty={penalty} with l1_ratio={l1_ratio}; softmaxreg "
            "follows penalty. Leave penalty='auto' and set only l1_ratio.",
            UserWarning,
            stacklevel=6,
        )
    if penalty == "elasticnet" and l1_ratio is None:
        raise ValueError(
            "l1_ratio must be specified when penalty is elasticnet (a number in [0, 1])."
        )
    if penalty is None and est.C != 1.0:
        warnings.warn(
            "Setting penalty=None will ignore the C and l1_ratio parameters "
            f"(C={est.C}); the fit has no penalty.",
            UserWarning,
            stacklevel=6,
        )
    return penalty


def check_logistic_params(est):
    """Check the scikit-learn-style parameters of ``LogisticRegression``.

    The errors and warnings have scikit-learn's class and text (its tests and its users
    match on them), followed by softmaxreg's advice where there is some.

    Returns
    -------
    l1_ratio : float
        The elastic-net mixing the fit uses.
    penalised : bool
        False for no penalty (``penalty=None`` or ``C=inf``).
    solver : str
        One of ``LOGISTIC_SOLVERS`` ("newton-cg" and "newton-cholesky" become "lbfgs":
        they minimise the same objective).
    """
    if isinstance(est.C, bool) or not isinstance(est.C, numbers.Real):
        raise TypeError(f"C must be a positive float (np.inf: no penalty), got {est.C!r}.")
    if not est.C > 0:
        raise ValueError(f"C must be > 0 (np.inf: no penalty), got {est.C!r}.")
    check_callback(est.callback)
    if est.multi_class not in MULTI_CLASS:
        raise ValueError(f"multi_class must be one of {MULTI_CLASS}, got {est.multi_class!r}.")
    if not isinstance(est.dual, (bool, np.bool_)):
        raise TypeError(f"dual must be a bool, got {est.dual!r}.")
    _check_number("intercept_scaling", est.intercept_scaling, numbers.Real, low=0, low_open=True)
    # LogisticRegressionCV's paths run without SoftmaxRegression's check_params
    _check_number("tol", est.tol, numbers.Real, low=0)
    _check_number("max_iter", est.max_iter, numbers.Integral, low=0)
    if est.l1_ratio is not None:
        _check_number("l1_ratio", est.l1_ratio, numbers.Real, low=0, high=1)
    solver = est.solver
    known = (*LOGISTIC_SOLVERS, "liblinear", "newton-cg", "newton-cholesky")
    if solver not in known:
        raise ValueError(
            f"solver must be one of {known}, got {solver!r} ('newton-cg' and "
            "'newton-cholesky' run 'lbfgs' on the same objective)."
        )
    penalty = _requested_penalty(est)
    if solver in L2_ONLY_SOLVERS and penalty not in ("l2", None):
        raise ValueError(
            f"Solver {solver} supports only 'l2' or None penalties, got {penalty} penalty. "
            "Use solver='saga' for L1 or elastic-net."
        )
    if solver == "liblinear":
        return _check_liblinear_penalty(est, penalty)
    if est.dual:
        raise ValueError(
            f"Solver {solver} supports only dual=False, got dual={est.dual} (dual is liblinear's)."
        )
    if solver in ("newton-cg", "newton-cholesky"):
        solver = "lbfgs"
    if penalty is None:
        return 0.0, False, solver
    l1_ratio = {"l2": 0.0, "l1": 1.0}.get(penalty, est.l1_ratio)
    return float(l1_ratio), True, solver


def _check_liblinear_penalty(est, penalty):
    """``check_logistic_params`` for ``solver="liblinear"``: L1 or L2 only, dual with L2."""
    if penalty == "elasticnet":
        raise ValueError(
            "Only 'saga' solver supports elasticnet penalty, got solver=liblinear. "
            "liblinear fits L1 (l1_ratio=1) or L2 (l1_ratio=0)."
        )
    if penalty is None:
        raise ValueError(
            "C=np.inf as well as penalty=None is not supported for the liblinear solver; "
            "use solver='lbfgs' for a fit without a penalty."
        )
    if penalty == "l1" and est.dual:
        raise ValueError(
            "Unsupported set of arguments: The combination of penalty='l1' and "
            "loss='logistic_regression' are not supported when dual=True (liblinear's "
            "dual is for L2 only); set dual=False."
        )
    return (1.0 if penalty == "l1" else 0.0), True, "liblinear"


def check_liblinear_data(X, n_classes, multi_class):
    """Raise ValueError for data scikit-learn's liblinear refuses, with its text.

    More than two classes need ``multi_class="ovr"`` (scikit-learn >= 1.8 refuses them;
    softmaxreg keeps the one-vs-rest fit of older versions when asked for it), and
    values above 1e30 would overflow the loss.
    """
    if n_classes > 2 and multi_class != "ovr":
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme (in softmaxreg: "
            "or pass multi_class='ovr')."
        )
    values = X.data if sp.issparse(X) else X
    if values.size and np.max(values) > 1e30:
        raise ValueError(
            "Using the 'liblinear' solver while X contains a maximum value > 1e30 results "
            "in a frozen fit. Please choose another solver or rescale the input X."
        )


def check_plot_points(X, y, n_features=2):
    """Dense float64 X with ``n_features`` columns and labels y of matching length (plots)."""
    if sp.issparse(X):
        X = X.toarray()
    X = check_array(X, dtype=np.float64, input_name="X")
    if X.shape[1] != n_features:
        raise ValueError(
            f"decision_regions draws a {n_features}-D feature space, but X has "
            f"{X.shape[1]} columns; select two columns (or project, e.g. with PCA) first."
        )
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X ({X.shape[0]}), got shape {y.shape}."
        )
    return X, y
