"""softmaxreg: fast, numerically exact softmax (multinomial logistic) regression.

Public names
------------
SoftmaxRegression
    The scikit-learn compatible estimator.
softmax, log_softmax, logsumexp
    Stable row-wise functions over 2-D float32/float64 arrays.
objective_value
    The objective any linear model (ours or scikit-learn's) reaches on given data.
make_text_classification
    A seeded generator of sparse, TF-IDF-like text classification problems.
"""

from ._datasets import make_text_classification
from ._estimator import SoftmaxRegression
from ._functions import log_softmax, logsumexp, softmax
from ._objective import objective_value

__version__ = "0.1.0.dev0"

__all__ = [
    "SoftmaxRegression",
    "log_softmax",
    "logsumexp",
    "make_text_classification",
    "objective_value",
    "softmax",
]
