"""The least a SAG epoch costs on this machine, next to softmaxreg's and scikit-learn's.

    python benchmarks/compare_ceiling.py [--corpus DIR] [--repeat 5] [--C 10] [--epochs 6]
                                         [--save PATH.json]

``plain_sag_epoch.c`` (beside this file) is the same SAG as softmaxreg's with nothing but
the loop PERFORMANCE.md found fastest: feature blocks of weights and gradient sums, the
number of classes fixed at compile time, the next row's blocks prefetched, one thread.
This script writes the training data for it, compiles it twice (float64 and float32
storage) with the flags softmaxreg's epoch kernels get (``-O3``, and ``-mavx2 -mfma`` on a
CPU that has them), and times in interleaved rounds, medians:

- the plain loop: the median of its epochs after the first (the first pays page faults);
- softmaxreg's and scikit-learn's SAG epochs as ``benchmarks/compare_epochs.py`` times them
  (``(t(5 epochs) - t(2 epochs)) / 3``, CPU time on one thread, wall time for softmaxreg's
  default ``n_jobs``).

The ratios say how far softmaxreg's kernel is from the plain loop, and what the plain loop
itself achieves against scikit-learn here: issue 4's epoch targets came from
PERFORMANCE.md's measurements on another CPU, and this is the figure that shows whether a
machine allows them. As a check that the loop runs the same algorithm, the objective
after ``--epochs`` epochs is printed beside softmaxreg's (the sample orders differ).

DIR holds ``train.jsonl.gz`` (``label``, ``text``), e.g. ``$SOFTMAXREG_DATA/20newsgroups``;
without it the data is ``make_text_classification(15000, 100000, 20)``'s first 11000 rows;
``small`` or ``large`` takes ``compare.py``'s generated problems (with ``--C 1``).
Needs a C compiler (``$CC``, else ``cc``).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "plain_sag_epoch.c"


def compiler():
    """The C compiler to use (``$CC`` or ``cc``), or None when there is none."""
    return shutil.which(os.environ.get("CC", "cc"))


def write_input(X, y_index, n_classes, folder):
    """The CSR training data in the plain loop's files (see ``plain_sag_epoch.c``)."""
    X = X.tocsr()  # the loop needs no sorted indices
    folder = Path(folder)
    np.array([X.shape[0], X.shape[1], X.nnz, n_classes], dtype=np.int64).tofile(
        folder / "header.i64"
    )
    X.indptr.astype(np.int64).tofile(folder / "indptr.i64")
    X.indices.astype(np.int32).tofile(folder / "indices.i32")
    X.data.astype(np.float64).tofile(folder / "data.f64")
    np.asarray(y_index, dtype=np.int32).tofile(folder / "y.i32")


def build(n_classes, real, folder):
    """Compile the plain loop for ``n_classes`` and storage type ``real``; its path."""
    from softmaxreg._kernels import cpu as _cpu

    out = Path(folder) / f"plain_sag_{real}"
    flags = ["-O3"] + (["-mavx2", "-mfma"] if _cpu.has_avx2_fma() else [])
    subprocess.run(
        [
            compiler(),
            *flags,
            f"-DK={n_classes}",
            f"-DREAL={real}",
            "-o",
            str(out),
            str(SOURCE),
            "-lm",
        ],
        check=True,
    )
    return out


def plain_run(binary, folder, epochs, alpha, seed=0):
    """Run the plain loop: (milliseconds per epoch, objective at the end)."""
    lines = subprocess.run(
        [str(binary), str(folder), str(epochs), repr(alpha), str(seed)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    ms = [float(line.split()[2]) for line in lines if line.startswith("epoch ")]
    objective = float(lines[-1].split()[1])
    return ms, objective


def softmaxreg_objective(X, y, alpha, epochs):
    """softmaxreg's SAG objective after ``epochs`` epochs (one thread)."""
    from softmaxreg import SoftmaxRegression, objective_value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SoftmaxRegression(
            alpha=alpha, solver="sag", tol=0.0, max_iter=epochs, random_state=0, n_jobs=1
        ).fit(X, y)
    return objective_value(model.coef_, model.intercept_, X, y, alpha=alpha)


def run(data, repeat=5, C=10.0, epochs=6, out=print, dataset="data", records=None):
    """Measure and print the table for ``data = (X_train, X_test, y_train, y_test)``.

    Returns the medians in seconds by row name, and under "ratios" the ratios by label.
    With a list ``records``, the table is also appended to it as a results file
    (``results.py``) named after ``dataset``.
    """
    from compare_epochs import epoch_methods, epoch_seconds, timing_rounds

    X, _, y, _ = data
    classes, y_index = np.unique(y, return_inverse=True)
    K = len(classes)
    if K < 3:
        raise ValueError("the plain loop is the softmax SAG: it needs 3 classes or more")
    alpha = 1.0 / (C * X.shape[0])
    wanted = [
        f"SAG {dtype} softmaxreg{suffix}"
        for dtype in ("float64", "float32")
        for suffix in ("", " n_jobs=None")
    ]
    wanted += [f"SAG {dtype} scikit-learn" for dtype in ("float64", "float32")]
    fits = {name: fit for name, fit in epoch_methods(X, y, C).items() if name in wanted}
    samples = {f"SAG {dtype} plain C loop": [] for dtype in ("float64", "float32")}
    samples.update({name: [] for name in fits})
    objectives = {}
    with tempfile.TemporaryDirectory() as folder:
        write_input(X, y_index, K, folder)
        binaries = {"float64": build(K, "double", folder), "float32": build(K, "float", folder)}
        with timing_rounds(fits.values()):
            for _ in range(repeat):
                for dtype, binary in binaries.items():
                    ms, objectives[dtype] = plain_run(binary, folder, epochs, alpha)
                    samples[f"SAG {dtype} plain C loop"].append(
                        float(np.median(ms[1:] if len(ms) > 1 else ms)) / 1e3
                    )
                for name, fit in fits.items():
                    cpu, wall = epoch_seconds(fit)
                    samples[name].append(wall if name.endswith("n_jobs=None") else cpu)
    med = {name: float(np.median(v)) for name, v in samples.items()}
    per = X.nnz * K
    out(
        f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros, {K} classes; C = {C}; "
        f"medians of {repeat} interleaved rounds (softmaxreg n_jobs=None: wall time; "
        "the other rows: one thread)"
    )
    out(f"{'row':42} {'ms':>9} {'ns/nnz/class':>13}")
    for name, value in med.items():
        out(f"{name:42} {value * 1e3:9.2f} {value / per * 1e9:13.2f}")
    result = {}
    for dtype in ("float64", "float32"):
        plain = med[f"SAG {dtype} plain C loop"]
        theirs = med[f"SAG {dtype} scikit-learn"]
        for label, value in [
            (
                f"{dtype}: softmaxreg 1 thread / plain C loop",
                med[f"SAG {dtype} softmaxreg"] / plain,
            ),
            (
                f"{dtype}: softmaxreg n_jobs=None / plain C loop",
                med[f"SAG {dtype} softmaxreg n_jobs=None"] / plain,
            ),
            (f"{dtype}: plain C loop / scikit-learn", plain / theirs),
        ]:
            result[label] = value
            out(f"ratio {label:52} {value:.3f}")
    ours = softmaxreg_objective(X, y, alpha, epochs)
    for dtype, value in objectives.items():
        out(
            f"objective after {epochs} epochs: plain C loop ({dtype}) {value:.10g}, "
            f"softmaxreg sag (float64) {ours:.10g}"
        )
    if records is not None:
        records.append(
            results_record(
                med,
                dataset,
                f"{X.shape[0]} x {X.shape[1]} CSR, "
                f"{X.nnz} nonzeros, {K} classes; C = {C}; medians of "
                f"{repeat} interleaved rounds",
                ours,
                objectives,
                epochs,
            )
        )
    med["ratios"] = result
    med["objectives"] = dict(objectives, softmaxreg=ours)
    return med


def results_record(med, dataset, description, ours, objectives, epochs):
    """The run as a results file (``results.py``): a row per dtype, the ceiling beside both."""
    rows = []
    for dtype in ("float64", "float32"):
        plain, theirs = med[f"SAG {dtype} plain C loop"], med[f"SAG {dtype} scikit-learn"]
        one, every = med[f"SAG {dtype} softmaxreg"], med[f"SAG {dtype} softmaxreg n_jobs=None"]
        rows.append(
            [
                dtype,
                round(plain * 1e3, 2),
                round(one * 1e3, 2),
                round(every * 1e3, 2),
                round(theirs * 1e3, 2),
                round(plain / theirs, 3),
                round(every / plain, 3),
            ]
        )
    return {
        "title": f"A SAG epoch against the plain C loop: {dataset}",
        "problem": description,
        "columns": [
            "dtype",
            "plain C loop (ms)",
            "softmaxreg 1 thread (ms)",
            "softmaxreg n_jobs=None (ms)",
            "scikit-learn (ms)",
            "plain loop / scikit-learn",
            "softmaxreg n_jobs=None / plain loop",
        ],
        "rows": rows,
        "notes": [
            f"The plain loop (plain_sag_epoch.c) is the same SAG with nothing left to "
            f"remove, on one thread: its ratio to scikit-learn is what this machine "
            f"allows a one-thread epoch. Objective after {epochs} epochs: plain loop "
            f"{objectives['float64']:.10g}, softmaxreg {ours:.10g} (other sample "
            f"orders)."
        ],
        "order": 30,
    }


def main(argv=None):
    from compare_epochs import _load, corpus_parser, data_name, save_record

    parser = corpus_parser(__doc__.splitlines()[0], repeat=5)
    parser.add_argument(
        "--epochs",
        type=int,
        default=6,
        help="epochs of the objective check (and of each plain-loop run)",
    )
    args = parser.parse_args(argv)
    if compiler() is None:
        sys.exit("compare_ceiling.py needs a C compiler: set CC or install cc")

    t0 = time.perf_counter()
    records = []
    run(
        _load(args.corpus),
        args.repeat,
        args.C,
        args.epochs,
        dataset=data_name(args.corpus),
        records=records,
    )
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.save:
        save_record(records[0], args.save)


if __name__ == "__main__":
    main()
