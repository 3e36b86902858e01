"""Print loss+gradient timings of softmaxreg and scikit-learn, interleaved in one run.

    python benchmarks/compare_loss_gradient.py [--repeat 15] [--corpus DIR]

DIR holds ``train.jsonl.gz`` (``label``/``text`` lines); the default is
``../shared/data/20newsgroups`` beside the checkout, or ``$SOFTMAXREG_CORPUS``. The runs are
interleaved and medians are reported, so the ratios hold on a noisy shared machine.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np


def main(argv=None):
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    from softmaxreg._datasets import load_jsonl_corpus
    from softmaxreg._objective import Objective

    default = os.environ.get(
        "SOFTMAXREG_CORPUS", Path(__file__).resolve().parents[2] / "shared/data/20newsgroups"
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(default))
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    X, _, y, _ = load_jsonl_corpus(args.corpus)
    classes, y_index = np.unique(y, return_inverse=True)
    K = len(classes)
    rng = np.random.default_rng(0)
    coef = rng.standard_normal((K, X.shape[1] + 1)) * 0.1
    params = np.concatenate([coef[:, :-1].T.ravel(), coef[:, -1]])
    lml = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=True)
    yf = y_index.astype(np.float64)
    ours = {
        t: Objective(
            X, y_index.astype(np.int32), np.ones(X.shape[0]), K, 1e-5, 0.0, True, n_threads=t
        )
        for t in (1, 2)
    }
    runs = {
        "softmaxreg 1 thread": lambda: ours[1].value_and_gradient(params),
        "softmaxreg 2 threads": lambda: ours[2].value_and_gradient(params),
        "scikit-learn 1 thread": lambda: lml.loss_gradient(
            coef, X, yf, l2_reg_strength=1e-5, n_threads=1
        ),
        "scikit-learn 2 threads": lambda: lml.loss_gradient(
            coef, X, yf, l2_reg_strength=1e-5, n_threads=2
        ),
    }
    times = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    med = {name: float(np.median(t)) * 1e3 for name, t in times.items()}
    print(
        f"{Path(args.corpus).name}: {X.shape[0]} x {X.shape[1]}, nnz {X.nnz}, {K} classes, "
        f"{args.repeat} interleaved runs (medians)"
    )
    for name, ms in med.items():
        print(f"  {name:<24}{ms:9.1f} ms")
    sk1, sk_best = (
        med["scikit-learn 1 thread"],
        min(med["scikit-learn 1 thread"], med["scikit-learn 2 threads"]),
    )
    print(
        f"  ratio 1 thread  (ours / scikit-learn 1 thread):   {med['softmaxreg 1 thread'] / sk1:.2f}"
    )
    print(
        f"  ratio 2 threads (ours / scikit-learn's best):     "
        f"{med['softmaxreg 2 threads'] / sk_best:.2f}"
    )


if __name__ == "__main__":
    main()
