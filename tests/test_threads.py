"""Thread counts: scikit-learn's ``n_jobs`` conventions, nested parallelism, the pacer.

- ``n_jobs=None`` follows the OpenMP budget: ``OMP_NUM_THREADS``, threadpoolctl's limits
  and loky's inner limit in joblib's workers, so a fit inside a worker runs on one thread.
- ``ThreadPacer`` keeps the faster of one thread and the threads, judged on measured
  rates (a fake clock here), and cuts a pass exactly.
- The threaded kernels give the same model when their threads must share one core (the
  hand-off's waiting thread blocks instead of spinning).
"""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits

from softmaxreg import SoftmaxRegression, _threads, make_text_classification

THREADS_BUILD = _threads._cpu.openmp_max_threads() > 1 or os.cpu_count() == 1


@pytest.fixture(scope="module")
def wide_rows():
    """20 classes and rows of about 200 nonzeros: threads are worth it on free cores."""
    X, y = make_text_classification(600, 3000, 20, tokens_per_row=200, random_state=0)
    return sp.csr_matrix(X), y


def _threads_of_fit(X, y, solver, n_jobs=None):
    """The most threads any epoch's kernel calls ran on (the callback's record)."""
    used = []
    est = SoftmaxRegression(
        solver=solver,
        max_iter=3,
        tol=0.0,
        random_state=0,
        n_jobs=n_jobs,
        callback=lambda record: used.append(record["n_threads"]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return max(used)


def _effective_in_worker():
    return _threads.effective_n_threads(None)


def _fit_in_worker(X, y, solver):
    return _threads_of_fit(X, y, solver)


# --- n_jobs ---------------------------------------------------------------------------------


def test_n_jobs_conventions(monkeypatch):
    cores = _threads.available_cores()
    assert _threads.effective_n_threads(None) == min(_threads._cpu.openmp_max_threads(), cores)
    assert _threads.effective_n_threads(-1) == cores
    assert _threads.effective_n_threads(-cores - 5) == 1
    assert _threads.effective_n_threads(3) == 3
    monkeypatch.setattr(_threads, "cpu_count", lambda: 8)
    assert _threads.effective_n_threads(-2) == 7
    assert _threads.available_cores() == 8


def test_threadpool_limits_hold_the_default_to_one_thread(wide_rows):
    with threadpool_limits(limits=1, user_api="openmp"):
        assert _threads.effective_n_threads(None) == 1
        for solver in ("sag", "saga", "sgd"):
            assert _threads_of_fit(*wide_rows, solver) == 1
    # an explicit count is the user's choice, as in scikit-learn
    with threadpool_limits(limits=1, user_api="openmp"):
        assert _threads.effective_n_threads(2) == 2


def test_omp_num_threads_holds_the_default_to_one_thread():
    code = textwrap.dedent("""
        from softmaxreg import _threads
        print(_threads.effective_n_threads(None), _threads.effective_n_threads(-1))
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["1", str(_threads.available_cores())]


def test_a_fit_inside_a_loky_worker_runs_on_one_thread(wide_rows):
    X, y = wide_rows
    with parallel_config(backend="loky", inner_max_num_threads=1):
        budgets = Parallel(n_jobs=2)(delayed(_effective_in_worker)() for _ in range(2))
        used = Parallel(n_jobs=2)(delayed(_fit_in_worker)(X, y, s) for s in ("sag", "sgd"))
    assert budgets == [1, 1]
    assert used == [1, 1]


def test_a_fit_inside_gridsearch_workers_runs_on_one_thread(wide_rows):
    """GridSearchCV(n_jobs=2) on 2 cores: loky gives each worker one core's worth."""
    from sklearn.model_selection import GridSearchCV

    X, y = wide_rows
    used = []

    class Recording(SoftmaxRegression):
        def fit(self, X, y, sample_weight=None):
            super().fit(X, y, sample_weight)
            self.threads_used_ = _threads.effective_n_threads(self.n_jobs)
            return self

    search = GridSearchCV(
        Recording(solver="sag", max_iter=2, random_state=0),
        {"alpha": [1e-3, 1e-4]},
        cv=2,
        n_jobs=2,
        refit=False,
        scoring=lambda est, X, y: float(est.threads_used_),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    used = search.cv_results_["mean_test_score"]
    assert np.all(used <= max(1, _threads.available_cores() // 2))


# --- free cores -----------------------------------------------------------------------------


def test_others_running_reads_procs_running(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  1 2 3 4 5 6 7\nprocs_running 3\nprocs_blocked 0\n")
    assert _threads.others_running(str(stat), samples=3, pause=0.0) == 2.0
    assert _threads.others_running(str(tmp_path / "missing")) is None


def test_free_threads_leave_busy_cores_alone(monkeypatch):
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "others_running", lambda: 1.0)
    assert _threads.free_threads(2) == 1
    monkeypatch.setattr(_threads, "others_running", lambda: 0.0)
    assert _threads.free_threads(2) == 2
    monkeypatch.setattr(_threads, "others_running", lambda: None)  # no counters: trust n_jobs
    assert _threads.free_threads(2) == 2
    assert _threads.free_threads(1) == 1


# --- the pacer ------------------------------------------------------------------------------


class FakeClock:
    """A clock that advances by the simulated duration of each kernel call."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _run(pacer, clock, seconds_per_work, n_rows=20_000, work_per_row=1_000, passes=4):
    """Feed ``passes`` passes through the pacer; returns ``(pass, threads, work)`` of
    every call."""
    cost = np.cumsum(np.full(n_rows, float(work_per_row)))
    calls = []
    for p in range(passes):
        for start, stop, threads in pacer.chunks(cost, chunk_work=1e6):
            work = cost[stop - 1] - (cost[start - 1] if start else 0.0)
            calls.append((p, threads, work))
            clock.now += work * seconds_per_work(threads, p)
    return calls


def _threaded_share(calls, passes=None):
    """The share of the work run on threads (in the given passes)."""
    work = [(t, w) for p, t, w in calls if passes is None or p in passes]
    return sum(w for t, w in work if t > 1) / sum(w for _, w in work)


def test_pacer_keeps_threads_that_pay():
    clock = FakeClock()
    pacer = _threads.ThreadPacer(2, clock=clock)
    calls = _run(pacer, clock, lambda t, p: 1e-9 / (1.4 if t == 2 else 1.0))
    assert [t for _, t, _ in calls[:2]] == [1, 2]  # a probe on each
    assert pacer.threads == 2
    assert _threaded_share(calls) > 0.95


def test_pacer_drops_threads_that_do_not_pay():
    clock = FakeClock()
    pacer = _threads.ThreadPacer(2, clock=clock)
    calls = _run(pacer, clock, lambda t, p: 1e-9 * (3.0 if t == 2 else 1.0))
    assert pacer.threads == 1
    # the threaded probes are short, and rarer as the choice is confirmed
    assert _threaded_share(calls) < 0.02
    assert pacer.interval > pacer.FIRST_INTERVAL


def test_pacer_leaves_threads_when_another_process_takes_a_core():
    clock = FakeClock()
    pacer = _threads.ThreadPacer(2, clock=clock)
    # idle for the first pass, then the threads become 3x slower than one thread
    calls = _run(
        pacer,
        clock,
        lambda t, p: 1e-9 * ((1 / 1.4 if p == 0 else 3.0) if t == 2 else 1.0),
        passes=3,
    )
    assert _threaded_share(calls, [0]) > 0.9
    assert pacer.threads == 1
    # one full-size call notices; the rest of the work is on one thread but for probes
    assert _threaded_share(calls, [1, 2]) < 0.1


def test_pacer_cuts_on_steps_and_covers_the_pass():
    pacer = _threads.ThreadPacer(1)
    cost = np.cumsum(np.arange(1, 1001, dtype=float))
    cuts = [(start, stop) for start, stop, _ in pacer.chunks(cost, chunk_work=5_000, step=7)]
    assert cuts[0][0] == 0 and cuts[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:]))
    assert all(stop % 7 == 0 for _, stop in cuts[:-1])
    assert all(threads == 1 for *_, threads in pacer.chunks(cost, chunk_work=5_000))


# --- threads that share a core --------------------------------------------------------------

SHARED_CORE = textwrap.dedent("""
    import os, sys, warnings
    import numpy as np
    import softmaxreg._solvers.sag as sag_solver
    import softmaxreg._solvers.sgd as sgd_solver
    import softmaxreg._threads as threads
    from softmaxreg import SoftmaxRegression, make_text_classification

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    warnings.simplefilter("ignore")
    X, y = make_text_classification(400, 2000, 20, tokens_per_row=150, random_state=0)
    fits = {}
    for parts in (1, 2):
        sag_solver.sag_threads = lambda est, rows, n_columns, n=parts: n
        sgd_solver.thread_parts = lambda *args, n=parts: n
        # always on the threads: the two threads share the one core
        threads.ThreadPacer.plan = lambda self: (self.n_threads, self.chunk_work)
        for solver in ("sag", "sgd"):
            fits[solver, parts] = SoftmaxRegression(
                solver=solver, max_iter=3, tol=0.0, random_state=0, n_jobs=2).fit(X, y).coef_
    same = all(np.array_equal(fits[s, 1], fits[s, 2]) for s in ("sag", "sgd"))
    print("SAME" if same else "DIFFERENT")
""")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_threads_on_one_core_give_the_same_model():
    """Two threads on one core wait for each other at every row: the waiting one must
    give the core away (block) for the other to run; the model stays bit-identical."""
    out = subprocess.run(
        [sys.executable, "-c", SHARED_CORE],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS="2"),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["SAME"]
