"""Time distributed L-BFGS (DaskSoftmaxRegression) against the one-process fit.

    python benchmarks/compare_dask.py [--n-samples 200000] [--n-features 500000]
        [--n-classes 20] [--iterations 10] [--workers 2] [--blocks 8]

On ``softmaxreg.make_text_classification`` data (default: 200k x 500k, 20 classes,
~100 tokens per row), it reports medians over the L-BFGS evaluations of a fit of
``--iterations`` iterations:

* one process: the kernel's loss+gradient pass (1 and 2 threads) and the in-memory
  ``SoftmaxRegression(solver="lbfgs", n_jobs=1)`` time per iteration;
* a LocalCluster of ``--workers`` worker processes (1 thread each) holding ``--blocks`` row
  blocks: wall time per evaluation, the slowest worker's kernel time in it (from Dask's
  task stream), and the difference, the communication and scheduling overhead (weights
  to the workers, tree reduction of the gradients, results to the client).

Not run in CI (minutes and several GB); the timings depend on what else runs on the
machine, so run it on a quiet one, or report the load average with the figures.
"""

import argparse
import os
import time
import warnings

import numpy as np


def median_ms(values):
    return float(np.median(values)) * 1e3


def one_process(X, y, args):
    """Kernel pass medians and the in-memory fit's time per iteration."""
    from sklearn.exceptions import ConvergenceWarning

    from softmaxreg import SoftmaxRegression
    from softmaxreg._objective import Objective

    classes, y_index = np.unique(y, return_inverse=True)
    K = len(classes)
    rng = np.random.default_rng(0)
    params = rng.standard_normal(X.shape[1] * K + K) * 0.01
    kernel = {}
    for threads in (1, 2):
        obj = Objective(
            X,
            y_index.astype(np.int32),
            np.ones(X.shape[0]),
            K,
            args.alpha,
            0.0,
            True,
            n_threads=threads,
        )
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            obj.value_and_gradient(params)
            times.append(time.perf_counter() - t0)
        kernel[threads] = median_ms(times)
    del obj

    evals = []
    original = Objective.value_and_gradient

    def timed(self, p):
        t0 = time.perf_counter()
        out = original(self, p)
        evals.append(time.perf_counter() - t0)
        return out

    Objective.value_and_gradient = timed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            model = SoftmaxRegression(
                alpha=args.alpha, tol=0.0, max_iter=args.iterations, n_jobs=1
            ).fit(X, y)
            fit = time.perf_counter() - t0
    finally:
        Objective.value_and_gradient = original
    return dict(
        kernel_1=kernel[1],
        kernel_2=kernel[2],
        fit=fit,
        n_iter=model.n_iter_,
        n_evals=len(evals),
        eval_median=median_ms(evals),
        lbfgs_per_iter=(fit - sum(evals)) / model.n_iter_ * 1e3,
        model=model,
    )


def cluster(X, y, args):
    """Wall time, kernel time and overhead per evaluation of the distributed fit."""
    import dask.array as da
    from distributed import Client, LocalCluster, get_task_stream
    from sklearn.exceptions import ConvergenceWarning

    from softmaxreg.dask import DaskSoftmaxRegression
    from softmaxreg.dask import _estimator as dask_estimator
    from softmaxreg.dask import _objective as dask_objective

    cuts = np.linspace(0, X.shape[0], args.blocks + 1).astype(int)
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cl,
        Client(cl) as client,
    ):
        # the blocks go to the workers once, round-robin, as data loaded there would be
        futures = client.scatter([X[a:b] for a, b in zip(cuts[:-1], cuts[1:])])
        Xd = da.concatenate(
            [
                da.from_delayed(f, shape=(b - a, X.shape[1]), dtype=X.dtype, meta=X[:0])
                for f, a, b in zip(futures, cuts[:-1], cuts[1:])
            ]
        )
        yd = da.from_array(y, chunks=(tuple(np.diff(cuts)),))
        windows = []
        original = dask_objective.DistributedObjective.loss_sum_and_gradient

        def timed(self, p):
            t0 = time.time()
            out = original(self, p)
            windows.append((t0, time.time()))
            return out

        load_blocks = dask_estimator.load_blocks
        loading = []

        def timed_load(*a, **k):
            t0 = time.perf_counter()
            out = load_blocks(*a, **k)
            loading.append(time.perf_counter() - t0)
            return out

        dask_objective.DistributedObjective.loss_sum_and_gradient = timed
        dask_estimator.load_blocks = timed_load
        try:
            with warnings.catch_warnings(), get_task_stream(client) as stream:
                warnings.simplefilter("ignore", ConvergenceWarning)
                t0 = time.perf_counter()
                model = DaskSoftmaxRegression(
                    alpha=args.alpha, tol=0.0, max_iter=args.iterations
                ).fit(Xd, yd)
                fit = time.perf_counter() - t0
        finally:
            dask_objective.DistributedObjective.loss_sum_and_gradient = original
            dask_estimator.load_blocks = load_blocks
        tasks = stream.data
        del futures, Xd

    wall, critical, kernel_total, transfer = [], [], [], []
    for start, stop in windows[1:]:  # the first evaluation also warms up the workers
        per_worker = {}
        moved = 0.0
        for task in tasks:
            for ss in task["startstops"]:
                if not start <= ss["start"] <= stop:
                    continue
                if ss["action"] == "compute" and task["key"].startswith("block_loss_gradient"):
                    per_worker[task["worker"]] = (
                        per_worker.get(task["worker"], 0.0) + ss["stop"] - ss["start"]
                    )
                elif ss["action"] == "transfer":
                    moved += ss["stop"] - ss["start"]
        wall.append(stop - start)
        critical.append(max(per_worker.values()))
        kernel_total.append(sum(per_worker.values()))
        transfer.append(moved)
    wall_ms, critical_ms = median_ms(wall), median_ms(critical)
    return dict(
        fit=fit,
        n_iter=model.n_iter_,
        n_evals=len(windows),
        wall=wall_ms,
        critical=critical_ms,
        kernel_total=median_ms(kernel_total),
        overhead=median_ms(np.array(wall) - np.array(critical)),
        transfer=median_ms(transfer),
        load=loading[0],
        lbfgs_per_iter=(fit - loading[0] - sum(b - a for a, b in windows)) / model.n_iter_ * 1e3,
        model=model,
    )


def main(argv=None):
    from softmaxreg import make_text_classification, objective_value

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200_000)
    parser.add_argument("--n-features", type=int, default=500_000)
    parser.add_argument("--n-classes", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=1e-6)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    X, y = make_text_classification(
        n_samples=args.n_samples, n_features=args.n_features, n_classes=args.n_classes
    )
    K = args.n_classes if args.n_classes > 2 else 1
    d = X.shape[1]
    print(
        f"data: {X.shape[0]} x {d}, {args.n_classes} classes, {X.nnz} nonzeros "
        f"({X.nnz / X.shape[0]:.1f} per row), made in {time.perf_counter() - t0:.1f} s; "
        f"{os.cpu_count()} cores, load average before {os.getloadavg()[0]:.2f}"
    )
    local = one_process(X, y, args)
    dist = cluster(X, y, args)
    f_local = objective_value(
        local["model"].coef_, local["model"].intercept_, X, y, alpha=args.alpha
    )
    f_dist = objective_value(dist["model"].coef_, dist["model"].intercept_, X, y, alpha=args.alpha)
    mb = d * K * 8 / 1e6
    print(
        f"weights: d x K = {d} x {K} = {d * K} numbers, {mb:.0f} MB; per worker per "
        f"iteration 2 x {mb:.0f} MB = {2 * mb:.0f} MB moved (weights in, gradient out)"
    )
    print("one process (medians over evaluations, ms):")
    print(f"  kernel loss+gradient pass, 1 thread      {local['kernel_1']:9.1f}")
    print(f"  kernel loss+gradient pass, 2 threads     {local['kernel_2']:9.1f}")
    print(
        f"  in-memory fit (n_jobs=1): {local['n_iter']} iterations, {local['n_evals']} "
        f"evaluations in {local['fit']:.2f} s: {local['fit'] / local['n_iter'] * 1e3:.1f} "
        f"per iteration, evaluation {local['eval_median']:.1f}, L-BFGS-B's own work "
        f"{local['lbfgs_per_iter']:.1f} per iteration"
    )
    print(
        f"LocalCluster, {args.workers} worker processes x 1 thread, {args.blocks} blocks "
        "(medians over evaluations after the first, ms):"
    )
    print(
        f"  fit: {dist['n_iter']} iterations, {dist['n_evals']} evaluations in "
        f"{dist['fit']:.2f} s, of which {dist['load']:.2f} s validating and persisting the "
        f"blocks (classes pass); L-BFGS-B and client work {dist['lbfgs_per_iter']:.1f} "
        "per iteration"
    )
    print(f"  evaluation wall time                     {dist['wall']:9.1f}")
    print(f"  slowest worker's kernel time             {dist['critical']:9.1f}")
    print(f"  all workers' kernel time                 {dist['kernel_total']:9.1f}")
    print(f"  overhead (wall - slowest kernel)         {dist['overhead']:9.1f}")
    print(f"  of which worker-to-worker transfers      {dist['transfer']:9.1f}")
    print(
        f"objective after {args.iterations} iterations: one process {f_local:.12g}, "
        f"distributed {f_dist:.12g}; load average after {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
