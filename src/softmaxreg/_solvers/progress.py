"""Per-iteration progress of a fit: the record, ``verbose`` output, ``callback``, ``loss_curve_``.

Every solver driver calls its :class:`ProgressLog` once per iteration (L-BFGS) or epoch
(SGD, SAG, SAGA) with the objective value it has at no extra pass over the data:

- "lbfgs": the exact objective at the iterate (L-BFGS computes it anyway).
- "sgd", "sag", "saga": the weighted average of the per-sample losses over the epoch's
  visits, each at the weights of the time of its visit (before its step), plus the
  penalty at the weights of the epoch's end. The kernels sum the losses as they go;
  it is an estimate of the objective that lags the weights by up to an epoch, and it
  is not monotone.

The log keeps the values (the estimator's ``loss_curve_``), prints a line per record to
stderr when ``verbose > 0`` and passes the record to the user's ``callback``; a true
return value asks the driver to stop after this iteration (without a
``ConvergenceWarning``).
"""

import sys
import time

import numpy as np


class ProgressLog:
    """Collects one record per iteration or epoch of a fit.

    Parameters
    ----------
    solver : str
        Name of the solver ("lbfgs", "sgd", "sag", "saga").
    verbose : int
        Print a line per record to stderr when > 0.
    callback : callable or None
        Called as ``callback(record)`` with the record dict; a true return stops the fit.
    """

    def __init__(self, solver, verbose=0, callback=None, on_iterate=None):
        self.solver = solver
        self.verbose = verbose
        self.callback = callback
        self.on_iterate = on_iterate  # called with the iterate's flat parameters (lbfgs)
        self.values = []
        self.start = time.perf_counter()
        self.unit = "iter" if solver.startswith("lbfgs") else "epoch"

    def __call__(self, iteration, objective, params=None, **extra):
        """Record one iteration; return True when the callback asks the fit to stop.

        Parameters
        ----------
        iteration : int
            1-based iteration (L-BFGS) or epoch (stochastic solvers) number.
        objective : float
            The objective value of this iteration (see the module docstring).
        params : ndarray of shape (n_params + K,) or None
            The iterate (drivers that have it at no cost: lbfgs), passed to
            ``on_iterate``; not part of the record.
        **extra : float
            Solver-specific numbers added to the record (e.g. ``relative_change``).

        Returns
        -------
        bool
        """
        if self.on_iterate is not None and params is not None:
            self.on_iterate(params)
        elapsed = time.perf_counter() - self.start
        objective = float(objective)
        self.values.append(objective)
        record = {
            "solver": self.solver,
            "iteration": int(iteration),
            "objective": objective,
            "elapsed": elapsed,
            **extra,
        }
        if self.verbose:
            more = "".join(f"  {k.replace('_', ' ')} {v:.6g}" for k, v in extra.items())
            print(
                f"[softmaxreg {self.solver}] {self.unit} {iteration:4d}  objective "
                f"{objective:.10g}{more}  elapsed {elapsed:.3f}s",
                file=sys.stderr,
            )
        if self.callback is not None:
            return bool(self.callback(record))
        return False

    def curve(self):
        """The recorded objective values as a float64 array."""
        return np.asarray(self.values, dtype=np.float64)
