"""Threads and Ctrl-C: no shared global state, and interruption leaves the estimator alone.

- ``predict_proba`` called from 8 threads at once returns what one thread returns.
- Two fits running in two threads at once give the models of two sequential fits.
- Ctrl-C (SIGINT) during a long fit starts no further kernel call and raises
  ``KeyboardInterrupt`` with the estimator exactly as before the call: a child process
  starts each fit, prints a marker from its first kernel call, the test sends SIGINT and
  reads the child's checks.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from softmaxreg import LogisticRegression, SoftmaxRegression, make_text_classification

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["lbfgs", "sgd", "sag", "saga"]


@pytest.fixture(scope="module")
def text():
    X, y = make_text_classification(n_samples=3000, n_features=2000, n_classes=5, random_state=0)
    return X, y


@pytest.mark.parametrize("container", ["csr", "dense"])
@pytest.mark.parametrize("n_classes", [2, 5])
def test_predict_proba_from_8_threads_equals_one_thread(text, container, n_classes):
    X, y = text
    y = y % n_classes
    model = SoftmaxRegression(alpha=1e-4).fit(X, y)
    Xp = X if container == "csr" else X[:1500].toarray()
    expected = model.predict_proba(Xp)
    barrier = threading.Barrier(8)

    def work(_):
        barrier.wait()  # all eight start together
        return [model.predict_proba(Xp) for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    for per_thread in results:
        for p in per_thread:
            np.testing.assert_array_equal(p, expected)


def _two_problems(text):
    X, y = text
    return (X[:1500], y[:1500]), (X[1500:].astype(np.float32), (y[1500:] + 1) % 5)


@pytest.mark.parametrize(
    "make",
    [
        *[
            pytest.param(
                lambda s=s: SoftmaxRegression(
                    solver=s, alpha=1e-4, random_state=0, max_iter=15, n_jobs=2
                ),
                id=s,
            )
            for s in SOLVERS
        ],
        pytest.param(
            lambda: SoftmaxRegression(
                solver="sgd", random_state=0, max_iter=5, average=True, l1_ratio=0.2
            ),
            id="sgd_avg_l1",
        ),
        pytest.param(
            lambda: LogisticRegression(
                multi_class="ovr", solver="saga", random_state=0, max_iter=10
            ),
            id="logistic_ovr",
        ),
    ],
)
def test_two_fits_in_two_threads_equal_sequential_fits(text, make):
    problems = _two_problems(text)
    sequential = [make().fit(X, y) for X, y in problems]
    barrier = threading.Barrier(2)

    def fit(problem):
        model = make()
        barrier.wait()
        return model.fit(*problem)

    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(pool.map(fit, problems))
    # Our kernels give bit-identical models. L-BFGS-B's own vector work goes through
    # OpenBLAS, whose dot products round differently in a worker thread than in the main
    # thread (measured: 2e-14 apart even for one fit alone in a worker thread), so lbfgs
    # models agree to rounding.
    rtol = 1e-9 if make().solver == "lbfgs" else 0.0
    for a, b in zip(sequential, concurrent):
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol * 1e-3)
        np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * 1e-3)
        np.testing.assert_array_equal(a.n_iter_, b.n_iter_)


def test_partial_fit_streams_in_two_threads_equal_sequential():
    X, y = make_text_classification(n_samples=2000, n_features=500, n_classes=3, random_state=1)
    chunks = [(X[i : i + 250], y[i : i + 250]) for i in range(0, 2000, 250)]

    def stream(order):
        model = SoftmaxRegression(solver="sgd", random_state=0)
        for i in order:
            model.partial_fit(*chunks[i], classes=[0, 1, 2])
        return model

    orders = [range(8), range(7, -1, -1)]
    sequential = [stream(o) for o in orders]
    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(pool.map(stream, orders))
    for a, b in zip(sequential, concurrent):
        np.testing.assert_array_equal(a.coef_, b.coef_)


# ---------------------------------------------------------------- Ctrl-C

CHILD = textwrap.dedent("""
    import json, signal, sys, warnings
    import numpy as np
    import softmaxreg._objective as objective
    import softmaxreg._solvers.sag as sag_solver
    import softmaxreg._solvers.sgd as sgd_solver
    from softmaxreg import SoftmaxRegression, make_text_classification

    warnings.simplefilter("ignore")
    calls = {"in fit": 0, "after signal": 0}
    signalled = []

    def on_sigint(signum, frame):
        signalled.append(True)
        raise KeyboardInterrupt

    def counted(kernel):
        # counts the kernel calls of a fit, and those that start after the signal
        def call(*args, **kwargs):
            calls["in fit"] += 1
            if signalled:
                calls["after signal"] += 1
            if calls["in fit"] == 1:
                print("INSIDE", flush=True)
            return kernel(*args, **kwargs)
        return call

    X, y = make_text_classification(n_samples=40000, n_features=20000, n_classes=20,
                                    random_state=0)
    for solver in sys.argv[1:]:
        est = SoftmaxRegression(solver=solver, random_state=0, max_iter=1000).fit(X[:200],
                                                                                   y[:200])
        # parameters that make the fit long: no stopping before max_iter
        est.set_params(alpha=1e-9, tol=0.0, max_iter=10**6, learning_rate="constant",
                       eta0=1e-3)
        before = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                  for k, v in vars(est).items()}
        before["_params"] = est.get_params()
        kernels = [(objective._loss, "loss_gradient"), (sag_solver, "_sag_steps"),
                   (sgd_solver._sgd, "sgd_pass")]
        real = [getattr(owner, name) for owner, name in kernels]
        for (owner, name), kernel in zip(kernels, real):
            setattr(owner, name, counted(kernel))
        calls.update({"in fit": 0, "after signal": 0})
        signalled.clear()
        signal.signal(signal.SIGINT, on_sigint)
        print("FITTING", solver, flush=True)
        try:
            est.fit(X, y)
            outcome = "finished"
        except KeyboardInterrupt:
            outcome = "KeyboardInterrupt"
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for (owner, name), kernel in zip(kernels, real):
            setattr(owner, name, kernel)
        after = {k: v for k, v in vars(est).items()}
        after["_params"] = est.get_params()
        same = before.keys() == after.keys() and all(
            np.array_equal(before[k], after[k]) if isinstance(before[k], np.ndarray)
            else before[k] == after[k] for k in before if k not in ("_sgd_state", "_sag_state"))
        print("RESULT", json.dumps({"solver": solver, "outcome": outcome, "unchanged": same,
                                    **calls}), flush=True)
""")


def test_ctrl_c_stops_at_the_next_kernel_call_and_leaves_the_estimator(tmp_path):
    """SIGINT during a long fit: no kernel call starts after it (each call is a bounded
    amount of work, ``CHUNK_WORK``), the fit raises KeyboardInterrupt and the estimator is
    as before. Counted, not timed, so that it holds on a busy machine."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), *SOLVERS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    results = []
    try:
        for solver in SOLVERS:
            line = child.stdout.readline()
            assert line.split() == ["FITTING", solver], line + child.stderr.read()
            line = child.stdout.readline()  # the fit's first kernel call has started
            assert line.strip() == "INSIDE", line + child.stderr.read()
            child.send_signal(signal.SIGINT)
            line = child.stdout.readline()
            assert line.startswith("RESULT "), line + child.stderr.read()
            results.append(json.loads(line[len("RESULT ") :]))
        assert child.wait(timeout=300) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    for result in results:
        assert result["outcome"] == "KeyboardInterrupt", result
        assert result["unchanged"], result
        assert result["in fit"] >= 1, result
        assert result["after signal"] == 0, result
