"""Streaming fit against Vowpal Wabbit on the same JSON-lines file.

Both learners hash the same words into ``2**--bits`` features and read the training file
``--passes`` times; after pass 1 and pass ``--passes`` each model is scored on the test
file (accuracy and log-loss). Measured per learner, each in its own process: seconds
per pass including parsing, and the process's peak resident memory.

- softmaxreg: ``softmaxreg.stream.fit_file`` (``fit --stream``) on the JSON lines
  (reading, JSON parsing, tokenising and hashing are all in the time); its first read of
  the file (labels, counts) is timed apart.
- Vowpal Wabbit (``pip install vowpalwabbit``, run as ``python -m vowpalwabbit``, i.e.
  its own C++ driver): ``--oaa K --loss_function logistic -b BITS`` on the same words,
  written once (untimed) in VW's text format, already tokenised and lower-cased; with
  more than one pass VW reads its cache after the first (``-c --holdout_off``).
  Probabilities from ``--probabilities``.

``--memory-rows N`` also measures the peak RSS of ``softmaxreg fit --stream`` on the
first N rows of the training file and on the first 4N rows.

    python benchmarks/compare_stream.py --train big.jsonl.gz --test big-test.jsonl.gz \
        --bits 20 --passes 3 --save benchmarks/results/stream-big.json
"""

import argparse
import gzip
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _open(path):
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path)


def to_vw(path, out, classes):
    """Write ``path`` (label/text JSON lines) in VW's format, labels 1..K by ``classes``."""
    index = {c: k + 1 for k, c in enumerate(classes)}
    with _open(path) as f, open(out, "w", encoding="utf-8") as g:
        for line in f:
            record = json.loads(line)
            g.write(
                f"{index[str(record['label'])]} | {' '.join(WORD.findall(record['text'].lower()))}\n"
            )


def labels_of(path):
    with _open(path) as f:
        return [str(json.loads(line)["label"]) for line in f]


def score(proba, y):
    """(accuracy, log-loss) of class probabilities ``proba`` for label indices ``y``."""
    p = np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0)
    return float(np.mean(np.argmax(proba, axis=1) == y)), float(-np.mean(np.log(p)))


def worker_ours(args):
    """Run in a child process: fit_file, scoring the test file after each pass."""
    from softmaxreg import SoftmaxRegression
    from softmaxreg.stream import ChunkReader, fit_file

    test = ChunkReader(args.test, chunk_size=10_000)
    out = []

    start = time.perf_counter()
    features = {"vocabulary": True} if args.vocabulary else {"hash_bits": args.bits}
    model, history = fit_file(
        args.train,
        **features,
        passes=args.passes,
        holdout=0.0,
        C=args.C,
        estimator=SoftmaxRegression(solver="sgd", random_state=0, **json.loads(args.params)),
        log=_Scorer(test, out),
    )
    total = time.perf_counter() - start
    passes = [r["seconds"] for r in history]
    result = {
        "first_read": total - sum(passes) - sum(r["scoring"] for r in out),
        "passes": passes,
        "scores": [[r["accuracy"], r["log_loss"]] for r in out],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.optimum:
        result["optimum"] = in_memory_optimum(model, args, test)
    print(json.dumps(result))


def in_memory_optimum(model, args, test):
    """[accuracy, log-loss] on the test file of the in-memory optimum at the same C on the
    same features (the stream's fitted transform steps over the whole training file):
    what the passes converge to."""
    import warnings

    from softmaxreg import SoftmaxRegression
    from softmaxreg.stream import ChunkReader

    steps = model[:-1]
    texts, labels = [], []
    for chunk in ChunkReader(args.train, chunk_size=100_000).chunks("all"):
        texts.extend(chunk.X)
        labels.extend(str(v) for v in chunk.labels)
    X = steps.transform(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = SoftmaxRegression(
            alpha=1.0 / (args.C * X.shape[0]), solver="sag", tol=1e-8, max_iter=1000
        ).fit(X, labels)
    index = {c: k for k, c in enumerate(best.classes_)}
    probas, ys = [], []
    for chunk in test.chunks("all"):
        probas.append(best.predict_proba(steps.transform(chunk.X)))
        ys.append([index[str(v)] for v in chunk.labels])
    return list(score(np.vstack(probas), np.concatenate(ys)))


class _Scorer:
    """The ``log`` of fit_file: scores the model being fitted on the test file."""

    def __init__(self, reader, out):
        self.reader, self.out = reader, out

    def __call__(self, record, model):
        start = time.perf_counter()
        classes = [str(c) for c in model[-1].classes_]
        index = {c: k for k, c in enumerate(classes)}
        probas, ys = [], []
        for chunk in self.reader.chunks("all"):
            probas.append(model.predict_proba(chunk.X))
            ys.append([index[str(v)] for v in chunk.labels])
        accuracy, loss = score(np.vstack(probas), np.concatenate(ys))
        self.out.append(
            {"accuracy": accuracy, "log_loss": loss, "scoring": time.perf_counter() - start}
        )


def run_child(argv):
    """Run a command; return (seconds, stdout, peak RSS in MB of the child)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, proc.stdout, rss


def run_vw(train_vw, test_vw, classes, bits, passes, work):
    """(seconds, accuracy, log-loss, peak RSS MB) of VW after ``passes`` passes."""
    model, preds, cache = work / f"vw{passes}.model", work / f"vw{passes}.pred", work / "vw.cache"
    cmd = [sys.executable, "-m", "vowpalwabbit", "-d", str(train_vw), "--oaa", str(len(classes))]
    cmd += ["--loss_function", "logistic", "-b", str(bits), "-f", str(model), "--quiet"]
    if passes > 1:
        cmd += ["--passes", str(passes), "-c", "-k", "--cache_file", str(cache), "--holdout_off"]
    seconds, _, rss = _isolated(cmd)
    test = [sys.executable, "-m", "vowpalwabbit", "-t", "-i", str(model), "-d", str(test_vw)]
    subprocess.run(test + ["--probabilities", "-p", str(preds), "--quiet"], check=True)
    proba = []
    for line in open(preds):
        pairs = dict(p.split(":") for p in line.split())
        proba.append([float(pairs[str(k + 1)]) for k in range(len(classes))])
    y = []
    for line in open(test_vw):
        y.append(int(line.split(" ", 1)[0]) - 1)
    accuracy, loss = score(np.asarray(proba), np.asarray(y))
    return seconds, accuracy, loss, rss


def _isolated(cmd):
    """Run ``cmd`` under a fresh Python that reports its child's peak RSS (MB)."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:]); "
        "print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); sys.exit(p.returncode)"
    )
    proc = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    seconds, rss = map(float, proc.stdout.split()[-2:])
    return seconds, proc.stdout, rss


def memory_check(train, rows, work, bits):
    """Peak RSS (MB) of ``softmaxreg fit --stream`` on the first ``rows`` and ``4 rows``."""
    out = {}
    for n in (rows, 4 * rows):
        path = work / f"head{n}.jsonl.gz"
        with _open(train) as f, gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as g:
            for k, line in enumerate(f):
                if k >= n:
                    break
                g.write(line)
    for _ in range(2):  # interleaved: small, large, small, large
        for n in (rows, 4 * rows):
            cmd = [sys.executable, "-m", "softmaxreg", "fit", str(work / f"head{n}.jsonl.gz")]
            cmd += ["--stream", "--hash-bits", str(bits), "--C", "10"]
            _, _, rss = _isolated(cmd)
            out.setdefault(n, []).append(rss)
    return {n: max(v) for n, v in out.items()}


def run_ours(args, vocabulary):
    """The table row of softmaxreg's streaming fit, run in a child process."""
    child = [sys.executable, __file__, "--worker", "--train", args.train, "--test", args.test]
    child += ["--bits", str(args.bits), "--passes", str(args.passes), "--C", str(args.C)]
    child += ["--params", args.params] + (["--vocabulary"] if vocabulary else [])
    child += ["--optimum"] if args.optimum else []
    _, out, _ = run_child(child)
    ours = json.loads(out.strip().splitlines()[-1])
    print(f"softmaxreg{' --vocabulary' if vocabulary else ''}: {ours}", flush=True)
    if "optimum" in ours:
        args.optima.append(
            f"{'--vocabulary' if vocabulary else 'hashed'}: the in-memory optimum on the same "
            f"features (sag, tol 1e-8) has test accuracy {ours['optimum'][0]:.4f}, log-loss "
            f"{ours['optimum'][1]:.4f}"
        )
    p = ours["passes"]
    first, later = p[0], (float(np.median(p[1:])) if len(p) > 1 else None)
    return [
        "softmaxreg fit --stream" + (" --vocabulary" if vocabulary else ""),
        round(ours["first_read"], 1),
        round(first, 1),
        None if later is None else round(later, 1),
        *[round(v, 4) for v in ours["scores"][0]],
        *[round(v, 4) for v in ours["scores"][-1]],
        round(ours["peak_rss_mb"]),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="label/text JSON lines (.gz)")
    parser.add_argument("--test", required=True, help="label/text JSON lines (.gz)")
    parser.add_argument("--bits", type=int, default=20)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--C", type=float, default=10.0, help="softmaxreg: alpha = 1/(C n)")
    parser.add_argument("--params", default="{}", help="JSON of SoftmaxRegression params")
    parser.add_argument("--memory-rows", type=int, default=0, dest="memory_rows")
    parser.add_argument("--workdir", default=None, help="for VW's files (default: a temp dir)")
    parser.add_argument("--skip-vw", action="store_true")
    parser.add_argument(
        "--vocabulary",
        action="store_true",
        help="also run softmaxreg with --vocabulary (TF-IDF over a first read's vocabulary)",
    )
    parser.add_argument(
        "--optimum",
        action="store_true",
        help="also score the in-memory optimum on the same features (holds the training "
        "file in memory: for corpus-sized files)",
    )
    parser.add_argument("--save", default=None, help="write the results as JSON here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_ours(args)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="stream-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    args.optima = []
    for vocabulary in [False, True] if args.vocabulary else [False]:
        rows.append(run_ours(args, vocabulary))
    if not args.skip_vw:
        classes = sorted(set(labels_of(args.train)))
        train_vw, test_vw = work / "train.vw", work / "test.vw"
        to_vw(args.train, train_vw, classes)
        to_vw(args.test, test_vw, classes)
        t1, a1, l1, rss1 = run_vw(train_vw, test_vw, classes, args.bits, 1, work)
        tn, an, ln, rssn = run_vw(train_vw, test_vw, classes, args.bits, args.passes, work)
        later = (tn - t1) / (args.passes - 1) if args.passes > 1 else None
        print(
            f"vw: 1 pass {t1:.1f}s {a1:.4f} {l1:.4f}; {args.passes} passes {tn:.1f}s "
            f"{an:.4f} {ln:.4f}; rss {rss1:.0f} {rssn:.0f} MB",
            flush=True,
        )
        rows.append(
            [
                "vw --oaa --loss_function logistic",
                None,
                round(t1, 1),
                None if later is None else round(later, 1),
                round(a1, 4),
                round(l1, 4),
                round(an, 4),
                round(ln, 4),
                round(max(rss1, rssn)),
            ]
        )
    memory = memory_check(args.train, args.memory_rows, work, args.bits) if args.memory_rows else {}
    for n, rss in memory.items():
        print(f"memory: fit --stream on {n} rows: peak RSS {rss:.0f} MB", flush=True)
    record = {
        "title": f"Streaming fit against Vowpal Wabbit: {Path(args.train).name} "
        f"({args.bits} hash bits, {args.passes} passes)",
        "problem": f"train {Path(args.train).name}, test {Path(args.test).name}; "
        f"softmaxreg C={args.C:g}",
        "columns": [
            "learner",
            "first read (s)",
            "pass 1 (s)",
            "later pass (s)",
            "acc. 1 pass",
            "log-loss 1 pass",
            f"acc. {args.passes} passes",
            f"log-loss {args.passes} passes",
            "peak RSS (MB)",
        ],
        "rows": rows,
        "notes": [
            "--vocabulary: TF-IDF over the vocabulary of a first read (its counting is in "
            "the first-read time), instead of hashing.",
            "VW reads pre-tokenised text in its own format (the conversion is not timed) and "
            "its later passes read its binary cache; softmaxreg parses the JSON lines, "
            "tokenises and hashes on every pass.",
        ]
        + args.optima
        + [
            f"peak RSS of fit --stream on the first {n} rows: {rss:.0f} MB"
            for n, rss in memory.items()
        ],
    }
    if args.save:
        import results

        record.update(results.environment())
        results.save(record, args.save)
    print(json.dumps(record["rows"]))


if __name__ == "__main__":
    main()
