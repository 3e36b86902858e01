"""How many threads a fit may use, and when its threads stop paying.

``n_jobs`` follows scikit-learn's conventions for OpenMP code:

- ``None``: the OpenMP runtime's budget, which respects ``OMP_NUM_THREADS``,
  threadpoolctl's ``threadpool_limits(..., user_api="openmp")`` and the limit loky sets
  in joblib's worker processes (``parallel_config(inner_max_num_threads=...)``; by
  default the cores divided by the workers, so a fit inside ``GridSearchCV(n_jobs=-1)``
  runs on one thread), capped by the cores this process may use (affinity mask and
  container CPU quota, as ``joblib.cpu_count`` counts them);
- ``-1``: every core this process may use; ``-2`` one fewer, and so on;
- a positive number: that many threads at most.

Every threaded kernel gives the same model whatever the thread count, so the thread
count is a matter of speed only. The stochastic solvers' threads wait for each other
row by row, so on a machine whose other cores are busy they run slower than one thread.
Two measures keep them from it: a fit splits its classes for threads only when cores
are free as it starts (:func:`free_threads`; the split layout run on one thread is
slower than the one-part layout), and :class:`ThreadPacer` times the kernel calls of a
fit on both settings and keeps the faster one, so a process that starts later on the
other core sends the fit back to one thread.
"""

import time

import numpy as np
from joblib import cpu_count

from ._kernels import cpu as _cpu

# Multiply-adds (nonzeros x classes) of a full-size kernel call of the stochastic solvers:
# a few hundredths of a second of work, so that Python gets control (and Ctrl-C is
# honoured) several times a second.
CHUNK_WORK = 50_000_000


def effective_n_threads(n_jobs=None):
    """The number of threads ``n_jobs`` allows (see the module docstring).

    Parameters
    ----------
    n_jobs : int or None
        ``None``, a negative number (-1: every core) or a positive count; 0 is refused by
        the estimators' parameter check before this is called.

    Returns
    -------
    int
        At least 1.
    """
    if n_jobs is None:
        return max(1, min(_cpu.openmp_max_threads(), cpu_count()))
    if n_jobs < 0:
        return max(1, cpu_count() + 1 + int(n_jobs))
    return max(1, int(n_jobs))


def available_cores():
    """The cores this process may run on (affinity mask and CPU quota)."""
    return max(1, cpu_count())


def others_running(path="/proc/stat", samples=5, pause=0.0005):
    """How many other threads the machine is running right now, or None where unknown.

    The median over a few readings, a millisecond or two apart, of the kernel's count of
    runnable threads (``procs_running`` of ``/proc/stat``, every process and niced ones
    included), less the thread that reads it. A second thread of ours pays only when a
    core is free for it.
    """
    counts = []
    for i in range(samples):
        try:
            with open(path, "rb") as f:
                for line in f:
                    if line.startswith(b"procs_running"):
                        counts.append(int(line.split()[1]) - 1)
                        break
        except (OSError, IndexError, ValueError):
            return None
        if i + 1 < samples:
            time.sleep(pause)
    return float(np.median(counts)) if counts else None


def free_threads(n_threads):
    """``n_threads`` capped by the cores not in use by other threads (at least 1)."""
    if n_threads <= 1:
        return 1
    others = others_running()
    if others is None:
        return n_threads
    return int(max(1, min(n_threads, available_cores() - others)))


class ThreadPacer:
    """Chooses, kernel call by kernel call, between one thread and ``n_threads``.

    For the class-split SAG/SAGA and SGD kernels, whose result does not depend on the
    thread count: one thread runs every part in turn, the same arithmetic. Threads pay
    only while they have cores to themselves; when another process takes a core, a
    thread waiting for its descheduled partner makes a call several times slower than
    one thread. So the pacer measures: a short probe on each setting first, then the
    faster one in full-size calls, and probes again after a stretch of work that doubles
    each time a probe confirms the choice. A threaded call that runs slower than the
    last one-thread rate ends the threaded run at once. Rates are work (multiply-adds)
    per second of wall time, so calls of different sizes compare.

    Parameters
    ----------
    n_threads : int
        The threads the fit may use (its number of parts); 1 makes the pacer a plain
        chunker.
    clock : callable, default=time.perf_counter
    """

    PROBE_SHARE = 1 / 16  # a probe call's work, as a share of a full-size call
    GAIN = 1.1  # threads must be this much faster than one thread to be used
    FIRST_INTERVAL = 2  # full-size calls between the first probes, then doubling
    MAX_INTERVAL = 64

    def __init__(self, n_threads, clock=time.perf_counter):
        self.n_threads = int(max(1, n_threads))
        self.clock = clock
        self.threads = self.n_threads  # the setting of full-size calls
        self.chunk_work = float(CHUNK_WORK)
        self.rates = {}
        self.interval = self.FIRST_INTERVAL
        self.until_probe = 0.0
        # the probes still to run, in order: each setting once, the current one last
        self.pending = [1, self.n_threads] if self.n_threads > 1 else []
        self.calls = {}  # setting -> number of kernel calls run on it

    def plan(self):
        """``(threads, work)`` of the next kernel call."""
        if self.pending:
            return self.pending[0], self.chunk_work * self.PROBE_SHARE
        return self.threads, self.chunk_work

    def record(self, threads, work, seconds):
        """Account for a finished kernel call of ``work`` on ``threads`` threads."""
        self.calls[threads] = self.calls.get(threads, 0) + 1
        if self.n_threads == 1 or seconds <= 0.0 or work <= 0.0:
            return
        rate = work / seconds
        self.rates[threads] = rate
        if self.pending and threads == self.pending[0]:
            self.pending.pop(0)
            if not self.pending:
                self._decide()
            return
        if threads > 1 and rate < self.rates.get(1, 0.0):
            # the threads stopped paying (another process took a core): one thread now
            self.threads = 1
            self.interval = self.FIRST_INTERVAL
            self.until_probe = self.interval * self.chunk_work
            return
        self.until_probe -= work
        if self.until_probe <= 0.0:
            other = 1 if self.threads > 1 else self.n_threads
            self.pending = [other, self.threads]

    def _decide(self):
        threaded = self.rates[self.n_threads] > self.GAIN * self.rates[1]
        choice = self.n_threads if threaded else 1
        if choice == self.threads and self.calls.get(choice, 0) > 1:
            self.interval = min(2 * self.interval, self.MAX_INTERVAL)
        else:
            self.interval = self.FIRST_INTERVAL
        self.threads = choice
        self.until_probe = self.interval * self.chunk_work

    def chunks(self, cost, chunk_work=CHUNK_WORK, step=1):
        """Cut a pass into kernel calls and time them: yields ``(start, stop, threads)``.

        Parameters
        ----------
        cost : ndarray of shape (n,)
            Cumulative work of the pass's rows (``cost[i]``: rows ``0..i``), non-decreasing.
        chunk_work : float, default=CHUNK_WORK
            Work of a full-size call (small enough that Ctrl-C is honoured promptly).
        step : int, default=1
            Cuts fall on multiples of ``step`` (SGD's mini-batches), so the cutting does not
            change the result.

        The time from a yield to the next resumption is the caller's kernel call.
        """
        n = cost.shape[0]
        self.chunk_work = float(max(1.0, chunk_work))
        start, done = 0, 0.0
        while start < n:
            threads, work = self.plan()
            stop = int(np.searchsorted(cost, done + work, side="left")) + 1
            stop = min(n, max(start + 1, -(-stop // step) * step))
            began = self.clock()
            yield start, stop, threads
            seconds = self.clock() - began
            total = float(cost[stop - 1])
            self.record(threads, total - done, seconds)
            start, done = stop, total
