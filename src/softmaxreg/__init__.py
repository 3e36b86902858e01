"""softmaxreg: fast, numerically exact softmax (multinomial logistic) regression.

Public names
------------
SoftmaxRegression
    The scikit-learn compatible estimator.
SoftmaxRegressionCV
    SoftmaxRegression with ``alpha`` (and ``l1_ratio``) chosen by cross-validation over
    warm-started regularisation paths, folds in parallel.
regularization_path
    Fits along a decreasing sequence of ``alpha``, each warm-started from the previous.
LogisticRegression
    Drop-in replacement for scikit-learn's ``LogisticRegression`` (``C``, ``penalty``,
    and the removed ``multi_class``) on softmaxreg's solvers.
InferenceResult
    What ``summary(X, y)`` returns: estimates, standard errors, z, p-values, intervals,
    odds ratios, as a table, a dict of arrays or a pandas DataFrame.
variance_inflation_factors
    Variance inflation factor of each column (multicollinearity diagnostic).
check_feature_scales
    Ratio of the largest to smallest column scale; warns when it exceeds 1e3.
SingularHessianWarning, CollinearityWarning, FeatureScaleWarning
    Warnings (``UserWarning`` subclasses) of the inference (a singular Hessian; columns
    with variance inflation factors above 10) and of the scale check.
softmax, log_softmax, logsumexp
    Stable row-wise functions over 2-D float32/float64 arrays.
objective_value
    The objective any linear model (ours or scikit-learn's) reaches on given data.
make_text_classification
    A seeded generator of sparse, TF-IDF-like text classification problems.
save_model, load_model, ModelFileError
    Safe model files (arrays in .npz, JSON metadata, SHA-256 checked; no pickles).

Submodule ``softmaxreg.plot`` (needs matplotlib: ``pip install "softmaxreg[plot]"``) draws
decision regions, loss curves and odds-ratio forest plots.
"""

from ._cv import SoftmaxRegressionCV
from ._datasets import make_text_classification
from ._diagnostics import (
    CollinearityWarning,
    FeatureScaleWarning,
    check_feature_scales,
    variance_inflation_factors,
)
from ._estimator import SoftmaxRegression
from ._inference import InferenceResult, SingularHessianWarning
from ._logistic import LogisticRegression
from ._logistic_cv import LogisticRegressionCV
from ._model_file import ModelFileError, load_model, save_model
from ._objective import objective_value
from ._path import RegularizationPath, regularization_path
from ._rowwise import log_softmax, logsumexp, softmax

# The one place of the version: pyproject.toml reads this line (keep it a plain string).
__version__ = "0.1.0.dev0"

__all__ = [
    "CollinearityWarning",
    "FeatureScaleWarning",
    "InferenceResult",
    "LogisticRegression",
    "LogisticRegressionCV",
    "ModelFileError",
    "SingularHessianWarning",
    "RegularizationPath",
    "SoftmaxRegression",
    "SoftmaxRegressionCV",
    "check_feature_scales",
    "log_softmax",
    "load_model",
    "logsumexp",
    "make_text_classification",
    "objective_value",
    "regularization_path",
    "save_model",
    "softmax",
    "variance_inflation_factors",
]
