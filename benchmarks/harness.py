"""Time to reach the optimum: softmaxreg's solvers against scikit-learn's, one protocol for all.

The harness behind ``benchmarks/compare.py``. It lives beside the benchmarks, not in the
package: it measures the library and needs nothing a user of it does.

Protocol (issue 4), the same for every method:

1. ``f*``: a tight solve (softmaxreg lbfgs, ``tol=1e-10``) cached on disk under a hash
   of the data and alpha; lowered to the best objective any method reaches in the run.
2. Ladder: each method is fitted with ``max_iter`` (L-BFGS iterations or epochs) going
   up ``LADDER`` (factor ~1.4 a rung) and stopping rules off (``tol=0``), from a cold
   start each time, until its objective ``f`` (``softmaxreg.objective_value``, the same
   function for everyone's ``coef_``/``intercept_``) has ``(f - f*) / f* <= target``,
   or its ladder has used ``budget`` seconds, or the rungs run out ("not reached").
3. Timing: the first rung that reached the target (``k``) and ``ceil(k/2)`` are timed
   ``repeat`` times, round-robin over all methods (interleaved, so a load spike on the
   shared machine hits every method alike), medians taken. Time to target = median fit
   time at ``k``; time per epoch (or L-BFGS iteration) = the difference of the two
   medians over the difference of iterations (setup costs cancel). scikit-learn is
   timed as installed and with BLAS limited to one thread (threadpoolctl), softmaxreg's
   threaded solvers (lbfgs, auto) with the default ``n_jobs`` and with ``n_jobs=1``; the
   faster of the two counts. The ladders themselves run on one thread.
4. Memory: one more fit at ``k`` under ``tracemalloc`` (peak of what Python and NumPy
   allocate during the fit, X not included since it exists before) and the growth of
   the process's peak resident set (Linux ``/proc``, reset before the fit).

``SGDClassifier(loss="log_loss")`` (one-vs-rest, another objective) is run to its own
stopping rule: its rows report time, epochs and accuracy, not a time to target.
"""

import contextlib
import hashlib
import json
import math
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from problems import get_problem

LADDER = (
    1,
    2,
    3,
    4,
    6,
    8,
    11,
    16,
    23,
    32,
    45,
    64,
    91,
    128,
    181,
    256,
    362,
    512,
    724,
    1024,
    1448,
    2048,
    2896,
    4096,
)
CACHE_VERSION = "f-star-v1"
DEFAULT_CACHE = Path.home() / ".cache" / "softmaxreg-bench"


@dataclass
class Method:
    """One row family of the table.

    ``make(problem, n_iter, one_thread)`` returns an unfitted estimator that runs exactly
    ``n_iter`` iterations (epochs) with its stopping rule off (on one thread if asked).
    ``optimises`` is False for methods of another objective (SGDClassifier), which run
    to their own stopping rule instead. ``threaded``: also timed on one thread
    (scikit-learn: BLAS limited by threadpoolctl; softmaxreg: ``n_jobs=1``).
    """

    name: str
    make: object
    library: str
    optimises: bool = True
    first_rung: int = 1
    threaded: bool = True


def _softmaxreg(solver, **extra):
    from softmaxreg import SoftmaxRegression

    def make(problem, n_iter, one_thread=False):
        params = dict(
            alpha=problem.alpha,
            solver=solver,
            tol=0.0,
            max_iter=n_iter,
            random_state=0,
            n_jobs=1 if one_thread else None,
        )
        if solver == "sgd":
            params["n_iter_no_change"] = n_iter + 1  # never stop early
        return SoftmaxRegression(**params, **extra)

    return make


def _sklearn_logistic(solver):
    from sklearn.linear_model import LogisticRegression

    def make(problem, n_iter, one_thread=False):
        return LogisticRegression(
            C=problem.C, solver=solver, tol=0.0, max_iter=n_iter, random_state=0
        )

    return make


def _sklearn_sgd(problem, n_iter, one_thread=False):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(
        loss="log_loss", alpha=problem.alpha, max_iter=n_iter, tol=None, random_state=0
    )


def default_methods(include_sgd=True):
    """The methods of issue 4: softmaxreg's solvers and ``"auto"``, scikit-learn's."""
    methods = [
        Method("softmaxreg auto", _softmaxreg("auto"), "softmaxreg"),
        Method("softmaxreg lbfgs", _softmaxreg("lbfgs"), "softmaxreg", first_rung=4),
        Method("softmaxreg sag", _softmaxreg("sag"), "softmaxreg", threaded=False),
        Method("softmaxreg saga", _softmaxreg("saga"), "softmaxreg", threaded=False),
        Method("scikit-learn lbfgs", _sklearn_logistic("lbfgs"), "scikit-learn", first_rung=4),
        Method("scikit-learn sag", _sklearn_logistic("sag"), "scikit-learn"),
        Method("scikit-learn saga", _sklearn_logistic("saga"), "scikit-learn"),
    ]
    if include_sgd:
        methods.insert(
            4, Method("softmaxreg sgd", _softmaxreg("sgd"), "softmaxreg", threaded=False)
        )
        methods.append(
            Method("scikit-learn SGDClassifier", _sklearn_sgd, "scikit-learn", optimises=False)
        )
    return methods


# ---------------------------------------------------------------------------- helpers


_CONTROLLER = []


def _blas_limit(threads):
    """Context: BLAS held to ``threads`` (None: as installed)."""
    if threads is None:
        return contextlib.nullcontext()
    if not _CONTROLLER:  # one scan of the loaded libraries, not one per fit
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=threads, user_api="blas")


def _fit(est, problem, blas_threads=None):
    """Fit quietly; return the wall time in seconds."""
    with warnings.catch_warnings(), _blas_limit(blas_threads):
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        est.fit(problem.X_train, problem.y_train)
        return time.perf_counter() - t0


def _objective(est, problem):
    from softmaxreg import objective_value

    return objective_value(
        est.coef_,
        est.intercept_,
        problem.X_train,
        problem.y_train,
        alpha=problem.alpha,
        classes=est.classes_,
    )


def data_key(problem):
    """Hash of the training data, labels and alpha: the cache key of ``f*``."""
    h = hashlib.sha1(CACHE_VERSION.encode())
    X = problem.X_train
    h.update(repr((X.shape, str(X.dtype), float(problem.alpha))).encode())
    parts = (X.data, X.indices, X.indptr) if hasattr(X, "nnz") else (X,)
    for a in parts + (np.asarray(problem.y_train).astype(str),):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:20]


def reference_objective(problem, cache_dir=None, log=sys.stderr):
    """``f*`` of the problem: a tight softmaxreg lbfgs solve, cached on disk.

    Returns
    -------
    dict with ``f_star``, ``n_iter``, ``seconds``, ``key``, ``cached``
    """
    from softmaxreg import SoftmaxRegression

    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    key = data_key(problem)
    path = cache / f"{key}.json"
    if path.exists():
        return dict(json.loads(path.read_text()), cached=True)
    print(f"  computing f* (lbfgs tol=1e-10), cache {path}", file=log, flush=True)
    est = SoftmaxRegression(alpha=problem.alpha, tol=1e-10, max_iter=20_000)
    seconds = _fit(est, problem)
    ref = dict(
        f_star=float(_objective(est, problem)),
        n_iter=int(est.n_iter_),
        seconds=seconds,
        key=key,
        problem=problem.name,
    )
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ref))
    return dict(ref, cached=False)


def _rss_peak_reset():
    """Reset the process's peak RSS (Linux); return the current RSS in bytes or None."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_bytes("VmRSS")
    except OSError:
        return None


def _status_bytes(field_name):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return None


def _peak_memory(est, problem, blas_threads):
    """(tracemalloc peak, peak RSS growth or None) in bytes during one fit."""
    rss0 = _rss_peak_reset()
    tracemalloc.start()
    try:
        _fit(est, problem, blas_threads)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rss_peak = _status_bytes("VmHWM") if rss0 is not None else None
    return peak, (rss_peak - rss0 if rss_peak is not None else None)


# ---------------------------------------------------------------------------- protocol


@dataclass
class Result:
    """What the comparison measured for one method (all times in seconds)."""

    method: str
    library: str
    optimises: bool
    rungs: list = field(default_factory=list)  # (n_iter, seconds, relative suboptimality)
    n_iter: int = None  # the rung timed (reached the target, or the last one tried)
    reached: bool = False
    times: dict = field(default_factory=dict)  # variant -> median fit time at n_iter
    epoch: dict = field(default_factory=dict)  # variant -> seconds per epoch/iteration
    accuracy: float = float("nan")
    rel_subopt: float = float("nan")
    peak_tracemalloc: int = None
    peak_rss: int = None

    @property
    def best_time(self):
        return min(self.times.values()) if self.times else float("nan")


def _variants(method):
    """Timed settings: label -> (BLAS thread limit or None, one_thread for ``make``)."""
    if method.library == "scikit-learn":
        return {"as installed": (None, False), "BLAS 1 thread": (1, False)}
    if method.threaded:
        return {"default": (None, False), "n_jobs=1": (None, True)}
    return {"default": (None, False)}


def _ladder(method, problem, f_star, target, budget, log):
    """Run the ladder of one method; return a Result with its rungs."""
    res = Result(method.name, method.library, method.optimises)
    if not method.optimises:  # run to its own stopping rule; time that many epochs
        from sklearn.linear_model import SGDClassifier

        est = SGDClassifier(loss="log_loss", alpha=problem.alpha, random_state=0)
        seconds = _fit(est, problem, 1)
        res.n_iter, res.reached = int(est.n_iter_), False
        res.rungs.append((res.n_iter, seconds, float("nan")))
        print(
            f"  {method.name}: own stopping rule, {res.n_iter} epochs, {seconds:.2f}s",
            file=log,
            flush=True,
        )
        return res
    spent = 0.0
    blas = 1 if method.library == "scikit-learn" else None
    for k in (r for r in LADDER if r >= method.first_rung):
        est = method.make(problem, k, one_thread=True)
        seconds = _fit(est, problem, blas)
        rel = (_objective(est, problem) - f_star) / abs(f_star)
        spent += seconds
        res.rungs.append((k, seconds, rel))
        print(
            f"  {method.name}: max_iter {k:5d}  {seconds:8.3f}s  rel. subopt. {rel:.3e}",
            file=log,
            flush=True,
        )
        res.n_iter = k
        if rel <= target:
            res.reached = True
            break
        if spent > budget:
            break
    return res


def run_comparison(
    problem,
    methods=None,
    target=1e-4,
    repeat=3,
    budget=300.0,
    cache_dir=None,
    memory=True,
    log=sys.stderr,
):
    """Measure every method on one problem by the protocol of the module docstring.

    Parameters
    ----------
    problem : Problem or str
        A :class:`problems.Problem`, or ``"small"``, ``"large"``,
        ``"dense"`` or a corpus path (see ``get_problem``).
    methods : list of Method, default=None
        ``default_methods()`` when None.
    target : float
        Relative suboptimality ``(f - f*) / f*`` to reach.
    repeat : int
        Timed runs per (method, variant, rung); medians are reported.
    budget : float
        Seconds a method's ladder may use, and that the repeats of one timed setting may
        use (the first run always happens).
    cache_dir : path, default=None
        Where ``f*`` is cached (``~/.cache/softmaxreg-bench``).
    memory : bool, default=True
        Measure the peak memory of each method's fit (one more fit each).
    log : file
        Progress lines go here.

    Returns
    -------
    problem : Problem
    reference : dict
        ``f_star`` (after lowering to the best objective seen) and how it was computed.
    results : list of Result
    """
    if isinstance(problem, str):
        problem = get_problem(problem)
    methods = default_methods() if methods is None else methods
    start = time.perf_counter()
    print(problem.describe(), file=log, flush=True)
    ref = reference_objective(problem, cache_dir, log)
    f_star = ref["f_star"]
    results = []
    for i, m in enumerate(methods, start=1):
        res = _ladder(m, problem, f_star, target, budget, log)
        results.append(res)
        print(_ladder_row(res, i, len(methods), target, start), file=log, flush=True)
    best_seen = min(
        (r[2] for res in results for r in res.rungs if not math.isnan(r[2])), default=0.0
    )
    if best_seen < 0:  # a method beat the reference: use its objective as f*
        ref["lowered_by"] = -best_seen
        f_new = f_star * (1 + best_seen)
        for res in results:
            res.rungs = [(k, s, (rel * f_star + f_star - f_new) / f_new) for k, s, rel in res.rungs]
            res.reached = res.optimises and res.rungs[-1][2] <= target
        f_star = f_new
    ref["f_star"] = f_star
    _time_interleaved(methods, results, problem, repeat, budget, log)
    for m, res in zip(methods, results):
        res.rel_subopt = res.rungs[-1][2]
        if not memory:
            continue
        blas = 1 if m.library == "scikit-learn" else None
        res.peak_tracemalloc, res.peak_rss = _peak_memory(
            m.make(problem, res.n_iter, one_thread=True), problem, blas
        )
    return problem, ref, results


def _ladder_row(res, i, n, target, start):
    """The row of one method as soon as its ladder ends (first run; medians come later)."""
    k, seconds, rel = res.rungs[-1]
    if res.reached:
        outcome = f"reached {target:g} at max_iter {k} in {seconds:.3f} s (first run)"
    elif res.optimises:
        outcome = f"not reached by max_iter {k} (rel. subopt. {rel:.1e})"
    else:
        outcome = f"own stopping rule, {k} epochs in {seconds:.3f} s"
    elapsed = time.perf_counter() - start
    return f"[{i}/{n} methods, {elapsed:.0f} s] {res.method:<28} {outcome}"


def _time_interleaved(methods, results, problem, repeat, budget, log):
    """Median fit times at each method's rung k and at ceil(k/2); epoch time from both."""
    tasks = []
    for m, res in zip(methods, results):
        k = res.n_iter
        lo = max(1, -(-k // 2)) if k > 1 else None
        for variant, setting in _variants(m).items():
            tasks.append((m, res, variant, setting, k))
            if lo is not None and lo < k:
                tasks.append((m, res, variant, setting, lo))
    times = {id(t): [] for t in tasks}
    start = time.perf_counter()
    for rnd in range(repeat):
        for t in tasks:
            m, res, variant, (blas, one_thread), k = t
            if rnd > 0 and sum(times[id(t)]) > budget:
                continue
            est = m.make(problem, k, one_thread)
            times[id(t)].append(_fit(est, problem, blas))
            if k == res.n_iter:
                res.accuracy = float(est.score(problem.X_test, problem.y_test))
        elapsed = time.perf_counter() - start
        left = elapsed / (rnd + 1) * (repeat - rnd - 1)
        print(
            f"  timing round {rnd + 1}/{repeat} done ({len(tasks)} fits, {elapsed:.0f} s; "
            f"about {left:.0f} s to go)",
            file=log,
            flush=True,
        )
    med = {(t[0].name, t[2], t[4]): float(np.median(times[id(t)])) for t in tasks}
    for m, res in zip(methods, results):
        k = res.n_iter
        lo = max(1, -(-k // 2)) if k > 1 else None
        for variant in _variants(m):
            res.times[variant] = med[(m.name, variant, k)]
            if lo is not None and lo < k:
                res.epoch[variant] = (med[(m.name, variant, k)] - med[(m.name, variant, lo)]) / (
                    k - lo
                )
            else:  # one epoch: setup included
                res.epoch[variant] = med[(m.name, variant, k)]


# ---------------------------------------------------------------------------- output


def format_table(problem, ref, results, target=1e-4):
    """The comparison table of one problem as text."""
    sk = [r for r in results if r.library == "scikit-learn" and r.optimises and r.reached]
    best_sk = min(sk, key=lambda r: r.best_time) if sk else None
    K = problem.n_classes if problem.n_classes > 2 else 1
    lines = [
        problem.describe(),
        f"f* = {ref['f_star']:.12g} (lbfgs tol=1e-10, {ref['n_iter']} iterations"
        + (
            f"; lowered by {ref['lowered_by']:.1e} relative to a method's objective"
            if "lowered_by" in ref
            else ""
        )
        + ")",
        f"time to target = median fit time at the first max_iter with (f - f*)/f* <= {target:g}"
        + (
            f"; ratio vs the fastest scikit-learn solver ({best_sk.method}, "
            f"{best_sk.best_time:.3f} s)"
            if best_sk
            else "; no scikit-learn solver reached it"
        ),
        f"{'method':<28}{'BLAS':<15}{'max_iter':>9}{'time (s)':>10}{'ratio':>7}"
        f"{'epoch (ms)':>11}{'ns/nnz/cls':>11}{'test acc':>9}{'rel subopt':>11}"
        f"{'tracemalloc MB':>15}{'RSS+ MB':>9}",
    ]
    for r in results:
        for variant, t in r.times.items():
            if r.reached:
                ratio = f"{t / best_sk.best_time:7.2f}" if best_sk else f"{'':>7}"
                it = f"{r.n_iter:>9d}"
            elif r.optimises:
                ratio, it = f"{'n/r':>7}", f"{'>' + str(r.n_iter):>9}"
            else:
                ratio, it = f"{'own':>7}", f"{r.n_iter:>9d}"
            ep = r.epoch[variant]
            # a non-positive difference of medians: the noise exceeded the epochs' cost
            epoch_cols = (
                f"{ep * 1e3:11.2f}{ep / (problem.nnz * K) * 1e9:11.2f}"
                if ep > 0
                else f"{'noise':>11}{'':>11}"
            )
            rss = f"{r.peak_rss / 2**20:9.1f}" if r.peak_rss is not None else f"{'':>9}"
            tm = (
                f"{r.peak_tracemalloc / 2**20:15.1f}"
                if r.peak_tracemalloc is not None
                else f"{'':>15}"
            )
            rel = f"{r.rel_subopt:11.1e}" if r.optimises else f"{'':>11}"
            lines.append(
                f"{r.method:<28}{variant:<15}{it}{t:10.3f}{ratio}{epoch_cols}"
                f"{r.accuracy:9.4f}{rel}{tm}{rss}"
            )
    lines.append(
        "n/r: target not reached within the ladder's budget (time shown: the last "
        "rung tried); own: run to its own stopping rule (another objective)."
    )
    return "\n".join(lines)
