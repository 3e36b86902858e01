"""Print SAG epoch timings of softmaxreg and scikit-learn, interleaved in one run.

    python benchmarks/compare_sag.py [--repeat 7] [--corpus DIR]

Without ``--corpus`` the data is ``make_text_classification(20000, 50000, 20)``; with it,
DIR holds ``train.jsonl.gz`` (e.g. ``../shared/data/20newsgroups``). Each fit runs 1, 2
and 5 epochs (``tol=0``); the table shows the median 1-epoch fit (what
``LogisticRegression(solver="sag", max_iter=1, tol=0)`` costs, setup included) and the
median epoch ``(t5 - t2) / 3`` (the first epoch also pays the page faults of fresh weight
arrays, which are slow and erratic on a VM), for float64 and float32 X. Runs are
interleaved and BLAS is held to one thread, so the ratios hold on a noisy shared machine.
"""

import argparse
import time
import warnings

import numpy as np


def main(argv=None):
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    import softmaxreg
    from softmaxreg import SoftmaxRegression
    from softmaxreg._datasets import load_jsonl_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--C", type=float, default=10.0)
    args = parser.parse_args(argv)

    if args.corpus:
        X, _, y, _ = load_jsonl_corpus(args.corpus)
    else:
        X, y = softmaxreg.make_text_classification(20000, 50000, 20, random_state=0)
    n_classes = len(np.unique(y))
    alpha = 1.0 / (args.C * X.shape[0])

    def ours(X, epochs):
        SoftmaxRegression(alpha=alpha, solver="sag", tol=0.0, max_iter=epochs,
                          random_state=0).fit(X, y)

    def sklearn(X, epochs):
        LogisticRegression(C=args.C, solver="sag", tol=0.0, max_iter=epochs,
                           random_state=0).fit(X, y)

    data = {"float64": X.astype(np.float64), "float32": X.astype(np.float32)}
    times = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.repeat):
            for dtype, Xd in data.items():
                for who, fit in (("softmaxreg", ours), ("scikit-learn", sklearn)):
                    for epochs in (1, 2, 5):
                        t0 = time.perf_counter()
                        fit(Xd, epochs)
                        times.setdefault((dtype, who, epochs), []).append(
                            time.perf_counter() - t0)
    med = {key: float(np.median(t)) for key, t in times.items()}
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros, {n_classes} classes; "
          f"medians of {args.repeat} interleaved runs")
    print(f"{'dtype':8} {'solver':13} {'1-epoch fit':>12} {'epoch':>9} {'ns/nnz/class':>13}")
    for dtype in data:
        for who in ("softmaxreg", "scikit-learn"):
            one = med[(dtype, who, 1)]
            epoch = (med[(dtype, who, 5)] - med[(dtype, who, 2)]) / 3
            per = epoch / (X.nnz * (1 if n_classes == 2 else n_classes)) * 1e9
            print(f"{dtype:8} {who:13} {one * 1e3:10.1f}ms {epoch * 1e3:7.1f}ms {per:13.2f}")
        ratio_fit = med[(dtype, "softmaxreg", 1)] / med[(dtype, "scikit-learn", 1)]
        ours_epoch = (med[(dtype, "softmaxreg", 5)] - med[(dtype, "softmaxreg", 2)]) / 3
        sk_epoch = (med[(dtype, "scikit-learn", 5)] - med[(dtype, "scikit-learn", 2)]) / 3
        print(f"{dtype:8} ratio softmaxreg / scikit-learn: 1-epoch fit {ratio_fit:.2f}, "
              f"epoch {ours_epoch / sk_epoch:.2f}")


if __name__ == "__main__":
    main()
