"""The solvers by name, and the ``"auto"`` rule that picks one for the data.

Every driver has the signature
``driver(objective, params0, settings, progress, state=None) -> SolverResult`` with its
settings (``tol``, ``max_iter``, ...) in a frozen dataclass (``softmaxreg._solvers.contract``
describes the contract). ``progress`` is a ``softmaxreg._solvers.progress.ProgressLog``: the
driver calls it once per iteration or epoch with the objective value it has for free, and
stops (without a warning) when it returns True. The driver owns stopping rules and
convergence warnings; the estimator owns validation, the fitted attributes and the
warm-start state between fits. New solvers are added to ``SOLVERS``, the one list of
solver names (the estimators' ``solver`` values are ``"auto"`` and its keys).
"""

from typing import Callable, NamedTuple

from .contract import LbfgsSettings, SagSettings, SGDSettings, SolverResult
from .lbfgs import fit_lbfgs
from .lbfgs_l1 import fit_lbfgs_l1
from .sag import fit_sag, fit_saga
from .sgd import fit_sgd
from .tron import fit_tron
from .whitening import has_few_features

# "auto" runs "lbfgs" on sparse X with fewer multiply-adds per pass (nonzeros x weight
# columns) than this: such fits take milliseconds either way, and L-BFGS needs no
# random_state and copes better with weak regularisation on few rows.
AUTO_SMALL_WORK = 100_000
# ... and when the largest weighted row norm ``c_i ||x_i||^2`` is more than this many times
# their mean: SAG's step is bounded by the largest, so a few long or heavy rows make every
# step short. On 20newsgroups at the default alpha, SAG ended far from the optimum within
# max_iter on raw counts (ratio 2770), unnormalised sublinear TF-IDF (89), MaxAbsScaler'd
# counts (182) and on Reuters with class_weight="balanced" (126), where L-BFGS converged;
# L2-normalised rows give 1.
AUTO_MAX_ROW_NORM_RATIO = 10.0


def _rows_hold_sag_back(objective):
    """Whether a few rows dominate SAG's step bound (see ``AUTO_MAX_ROW_NORM_RATIO``)."""
    sq, _ = objective.rows.squared_norms()
    weighted = objective.sample_weight * sq
    mean = weighted.mean()
    return not mean > 0.0 or weighted.max() > AUTO_MAX_ROW_NORM_RATIO * mean


def choose_solver(solver, objective):
    """The solver ``solver="auto"`` runs on this problem (other values are returned as is).

    The rule (measured, see BENCHMARKS.md): "saga" when the penalty has an L1 part (the
    only solver for it); "lbfgs" for dense X, without a penalty (``alpha=0``: SAG's step
    size and convergence rate rely on the L2 term), with few features (``n_features <=
    16 K``: L-BFGS then runs whitened), on small data (``nnz * K < AUTO_SMALL_WORK``), or
    when a few rows would hold SAG's step back (weighted row norms far from even:
    ``AUTO_MAX_ROW_NORM_RATIO``); "sag" for other sparse X (text, L2-normalised as
    ``TfidfVectorizer`` leaves it), whose epochs cost about as much as one
    loss+gradient pass and reach 1e-4 of the optimum in fewer passes than L-BFGS needs
    iterations.
    """
    if solver != "auto":
        return solver
    if objective.l1_ratio > 0.0:
        return "saga"
    rows = objective.rows
    if rows.indptr.shape[0] == 0 or objective.alpha == 0.0:  # dense, or no penalty
        return "lbfgs"
    K = objective.n_columns
    if has_few_features(rows.n_features, K) or rows.nnz * K < AUTO_SMALL_WORK:
        return "lbfgs"
    if _rows_hold_sag_back(objective):
        return "lbfgs"
    return "sag"


class Solver(NamedTuple):
    """A registered solver: its driver and the settings dataclass the driver takes."""

    fit: Callable[..., SolverResult]
    settings: type


SOLVERS = {
    "lbfgs": Solver(fit_lbfgs, LbfgsSettings),
    "sgd": Solver(fit_sgd, SGDSettings),
    "sag": Solver(fit_sag, SagSettings),
    "saga": Solver(fit_saga, SagSettings),
}

# Drivers that estimators run on their own behalf, not values of ``solver``:
# LogisticRegression(solver="liblinear") runs "tron" for liblinear's L2 penalty and
# "lbfgs-l1" for its L1 penalty.
PRIVATE_SOLVERS = {
    "lbfgs-l1": Solver(fit_lbfgs_l1, LbfgsSettings),
    "tron": Solver(fit_tron, LbfgsSettings),
}
