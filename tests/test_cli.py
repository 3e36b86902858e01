"""The ``softmaxreg`` console script, run as a user would."""

import re
import shutil
import subprocess
import sys

import pytest


def run(*args):
    exe = shutil.which("softmaxreg")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "softmaxreg._cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_help_lists_demo():
    result = run("--help")
    assert result.returncode == 0 and "demo" in result.stdout


def test_demo_matches_sklearn_objective():
    result = run("demo", "--no-bench")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for problem in ("sparse text-like", "dense digits (", "dense digits binary"):
        assert problem in out
    rows = re.findall(
        r"^((?:softmaxreg|scikit-learn) (?:lbfgs|sag))"
        r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$",
        out,
        flags=re.M,
    )
    # sparse problem: lbfgs and sag rows; dense problems: lbfgs rows only
    assert [r[0] for r in rows] == [
        "softmaxreg lbfgs",
        "scikit-learn lbfgs",
        "softmaxreg sag",
        "scikit-learn sag",
    ] + ["softmaxreg lbfgs", "scikit-learn lbfgs"] * 2, out
    lbfgs_pairs = [rows[0:2], rows[4:6], rows[6:8]]
    for ours, theirs in lbfgs_pairs:
        # both stop at a gradient max-norm of 1e-6 (the demo's tol), which leaves each up
        # to ~1e-4 (d K tol^2 / (2 alpha f)) above the optimum on digits; they agree
        # far closer (softmaxreg's lbfgs is whitened on digits: 1.3e-6 apart)
        assert float(ours[3]) == pytest.approx(float(theirs[3]), rel=1e-5)
        assert float(ours[2]) == pytest.approx(float(theirs[2]), abs=0.01)
    optimum = float(rows[1][3])
    for sag_row in rows[2:4]:
        assert float(sag_row[3]) == pytest.approx(optimum, rel=1e-5)


def test_bench_points_at_the_benchmark_scripts():
    # the comparison harness is not installed; it runs from a checkout (benchmarks/)
    result = run("bench", "--corpus", "data.svm", "--repeat", "1")
    assert result.returncode == 2
    assert "python benchmarks/compare.py" in result.stderr


def test_unknown_command_fails():
    result = run("frobnicate")
    assert result.returncode != 0 and "invalid choice" in result.stderr


# --- fit / predict, end to end through subprocesses ------------------------------------------

import csv  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import dump_svmlight_file, make_blobs  # noqa: E402

from softmaxreg import load_model  # noqa: E402

WORDS = {
    "sports": "goal match team score player coach league win season ball",
    "tech": "software computer chip code laptop network data cloud server app",
    "food": "recipe cheese bread tomato soup dinner kitchen sauce garlic pasta",
}


def cli(*args, cwd=None):
    """Start ``python -m softmaxreg ARGS`` (not waiting); see ``finish``."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        [sys.executable, "-m", "softmaxreg", *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc):
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def documents(n, seed):
    rng = np.random.default_rng(seed)
    labels = [list(WORDS)[k % 3] for k in range(n)]
    docs = []
    for label in labels:
        own = WORDS[label].split()
        other = " ".join(WORDS.values()).split()
        docs.append(" ".join(rng.choice(own, 6).tolist() + rng.choice(other, 3).tolist()))
    return docs, labels


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    X, y = make_blobs(
        n_samples=90, centers=[[0, 0], [4, 1], [1, 4]], cluster_std=1.0, random_state=0
    )
    names = np.array(["red", "green", "blue"])
    write_csv(
        d / "blobs.csv",
        ["id", "width", "height", "colour"],
        [[i, *X[i], names[y[i]]] for i in range(len(y))],
    )
    docs, labels = documents(60, 0)
    with gzip.open(d / "news.jsonl.gz", "wt", encoding="utf-8") as f:
        for doc, label in zip(docs, labels):
            f.write(json.dumps({"label": label, "text": doc}) + "\n")
    write_csv(d / "reviews.csv", ["review", "topic"], zip(*documents(45, 1)))
    Xs, ys = make_blobs(n_samples=80, n_features=6, centers=2, random_state=1)
    dump_svmlight_file(Xs, ys, str(d / "points.svm"))
    return d


@pytest.fixture(scope="module")
def good_runs(files):
    """The successful commands, run concurrently (each starts a Python process)."""
    d = files
    first = {
        "fit_csv": cli(
            "fit",
            "blobs.csv",
            "--target",
            "colour",
            "--drop",
            "id",
            "--model",
            "blobs.npz",
            "--plot",
            "blobs.png",
            cwd=d,
        ),
        "fit_jsonl": cli(
            "fit", "news.jsonl.gz", "--C", "10", "--model", "news.npz", "--top", "3", cwd=d
        ),
        "fit_svm": cli(
            "fit",
            "points.svm",
            "--solver",
            "saga",
            "-v",
            "--model",
            "points.npz",
            "--test-size",
            "0.25",
            cwd=d,
        ),
    }
    runs = {name: finish(p) for name, p in first.items()}
    second = {
        "predict_csv": cli("predict", "blobs.npz", "blobs.csv", "--proba", cwd=d),
        "predict_jsonl": cli("predict", "news.npz", "news.jsonl.gz", cwd=d),
        "predict_svm": cli("predict", "points.npz", "points.svm", "--proba", cwd=d),
    }
    runs.update({name: finish(p) for name, p in second.items()})
    return runs


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_fit_csv_reports_metrics_and_odds_ratios(good_runs, files):
    out = ok(good_runs["fit_csv"])
    assert "data: blobs.csv (csv, 90 rows, 2 features, 3 classes)" in out
    acc = float(
        re.search(r"held-out \(18 rows\): accuracy ([\d.]+), log-loss ([\d.]+)", out).group(1)
    )
    assert acc > 0.8
    assert re.search(r"training: 72 rows, [\d.]+ s, \d+ iterations", out)
    assert "odds ratio" in out and "OR lower" in out
    assert re.search(r"^red +width ", out, flags=re.M)  # column names, not x0
    assert "id" not in re.findall(r"^\w+ +(\w+) ", out, flags=re.M)
    png = (files / "blobs.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_predict_csv_matches_the_saved_model(good_runs, files):
    out = ok(good_runs["predict_csv"])
    rows = list(csv.reader(out.splitlines()))
    model = load_model(files / "blobs.npz")
    assert rows[0] == ["prediction", *[f"proba_{c}" for c in model.classes_]]
    data = np.loadtxt(files / "blobs.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    assert [r[0] for r in rows[1:]] == list(model.predict(data))
    proba = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    np.testing.assert_array_equal(proba, model.predict_proba(data))  # exact round trip


def test_fit_jsonl_text_prints_top_features(good_runs, files):
    out = ok(good_runs["fit_jsonl"])
    assert "(jsonl, 60 rows, text column 'text', 3 classes)" in out
    assert "TF-IDF terms" in out
    block = out[out.index("class 'food'") : out.index("class 'sports'")]
    top = re.findall(r"^  (\w+) +([-\d.e]+)$", block, flags=re.M)  # no odds ratios for TF-IDF
    assert len(top) == 3 and {t for t, _ in top} <= set(WORDS["food"].split())
    assert all(float(c) > 0 for _, c in top)
    assert "no odds ratios for TF-IDF terms" in out
    assert float(re.search(r"accuracy ([\d.]+)", out).group(1)) > 0.8


def test_predict_jsonl_matches_the_saved_pipeline(good_runs, files):
    out = ok(good_runs["predict_jsonl"])
    with gzip.open(files / "news.jsonl.gz", "rt") as f:
        texts = [json.loads(line)["text"] for line in f]
    expected = load_model(files / "news.npz").predict(texts)
    assert out.splitlines() == ["prediction", *expected]


def test_fit_svmlight_verbose_and_predict(good_runs, files):
    fit = good_runs["fit_svm"]
    out = ok(fit)
    assert "(svmlight, 80 rows, 6 features, 2 classes)" in out
    epochs = re.findall(r"^\[softmaxreg saga\] epoch +(\d+)  objective", fit.stderr, flags=re.M)
    n_epochs = int(re.search(r"training: 60 rows, [\d.]+ s, (\d+) epochs", out).group(1))
    assert [int(e) for e in epochs] == list(range(1, n_epochs + 1))
    pred = ok(good_runs["predict_svm"]).splitlines()
    assert re.search(
        r"scored against 'label' \(80 rows\): accuracy [\d.]+", good_runs["predict_svm"].stderr
    )
    assert pred[0] == "prediction,proba_0,proba_1" and len(pred) == 81
    model = load_model(files / "points.npz")
    from sklearn.datasets import load_svmlight_file

    X, _ = load_svmlight_file(str(files / "points.svm"))
    assert [int(r.split(",")[0]) for r in pred[1:]] == model.predict(X).tolist()


def test_fit_csv_text_column_with_sgd(files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    assert (
        main(
            [
                "fit",
                "reviews.csv",
                "--text",
                "review",
                "--target",
                "topic",
                "--solver",
                "sgd",
                "--alpha",
                "1e-3",
                "--test-size",
                "0",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "(csv, 45 rows, text column 'review', 3 classes)" in out and "epochs" in out
    assert "held-out" not in out  # --test-size 0
    assert "class 'tech': top 10 features" in out


# Run as separate processes: the bad inputs the command line must survive.
BAD = {
    # name: (args, expected exit status, words the one-line message must contain)
    "missing file": (["fit", "nope.csv", "--target", "y"], 1, "no such file: nope.csv"),
    "missing column": (
        ["fit", "blobs.csv", "--target", "label"],
        1,
        "no column 'label'. The columns are: 'id', 'width', 'height', 'colour'.",
    ),
    "near miss": (
        ["fit", "blobs.csv", "--target", "Colour", "--drop", "id"],
        1,
        "no column 'Colour'. Did you mean 'colour'?",
    ),
    "text option on numbers": (
        ["fit", "blobs.csv", "--target", "colour", "--min-df", "2"],
        1,
        "--min-df applies to text",
    ),
    "id column missing": (
        ["predict", "blobs.npz", "blobs.csv", "--id", "ident"],
        1,
        "no column 'ident'. Did you mean 'id'",
    ),
    "report without labels": (
        ["predict", "blobs.npz", "blobs.csv", "--target", "size", "--report", "r.json"],
        1,
        "no column 'size'",
    ),
    "non-numeric feature": (
        ["fit", "words.csv", "--target", "y"],
        1,
        "line 3: non-numeric value 'tall' in feature column 'h'",
    ),
    "one class": (
        ["fit", "oneclass.csv", "--target", "y"],
        1,
        "the target 'y' has only one class ('a')",
    ),
    "empty file": (["fit", "empty.csv", "--target", "y"], 1, "empty.csv is empty"),
    "garbage model": (["predict", "garbage.npz", "blobs.csv"], 1, "not a softmaxreg model file"),
}
# The same through main() in this process (cheaper than a Python start each).
BAD_IN_PROCESS = {
    "missing feature value": (
        ["fit", "holes.csv", "--target", "y"],
        "line 2: a missing value in feature column 'h'",
    ),
    "no target for csv": (["fit", "blobs.csv"], "--target COLUMN is required"),
    "missing text column": (["fit", "news.jsonl.gz", "--text", "body"], "no column 'body'"),
    "header only": (["fit", "header.csv", "--target", "y"], "has a header but no data rows"),
    "empty jsonl": (["fit", "empty.jsonl"], "empty.jsonl is empty"),
    "empty svmlight": (["fit", "empty.svm"], "empty.svm is empty"),
    "bad svmlight": (["fit", "blobs.csv", "--format", "svmlight"], "not a valid svmlight file"),
    "bad json": (["fit", "bad.jsonl"], "line 2: not valid JSON"),
    "ragged csv": (
        ["fit", "ragged.csv", "--target", "y"],
        "line 3: 3 fields, but the header has 2",
    ),
    "unknown format": (["fit", "data.xyz", "--target", "y"], "pass --format"),
    "missing model": (["predict", "none.npz", "blobs.csv"], "no such file: none.npz"),
    "truncated model": (["predict", "truncated.npz", "blobs.csv"], "truncated"),
    "missing feature column": (["predict", "blobs.npz", "reviews.csv"], "no column 'width'"),
    "svmlight text": (["fit", "points.svm", "--text", "t"], "--text does not apply"),
    "test size too large": (
        ["fit", "tiny.csv", "--target", "y", "--test-size", "0.9"],
        "--test-size 0.9 leaves 0 training and 3 test rows",
    ),
}


def write_bad_files(d):
    write_csv(d / "words.csv", ["h", "y"], [[1.0, "a"], ["tall", "b"], [2.0, "a"]])
    write_csv(d / "holes.csv", ["h", "y"], [["", "a"], [1.0, "b"]])
    write_csv(d / "oneclass.csv", ["h", "y"], [[1.0, "a"], [2.0, "a"], [3.0, "a"]])
    write_csv(d / "header.csv", ["h", "y"], [])
    write_csv(d / "tiny.csv", ["h", "y"], [[1.0, "a"], [2.0, "b"], [3.0, "a"]])
    (d / "ragged.csv").write_text("h,y\n1,a\n2,b,c\n")
    (d / "bad.jsonl").write_text('{"label": "a", "text": "x"}\n{"label": \n')
    for name in ("empty.csv", "empty.jsonl", "empty.svm", "data.xyz"):
        (d / name).write_bytes(b"")
    (d / "garbage.npz").write_text("this is not a model\n")
    blob = (d / "blobs.npz").read_bytes()
    (d / "truncated.npz").write_bytes(blob[: len(blob) // 2])


@pytest.fixture(scope="module")
def bad_runs(files, good_runs):
    d = files
    write_bad_files(d)
    procs = {name: cli(*args, cwd=d) for name, (args, _, _) in BAD.items()}
    return {name: finish(p) for name, p in procs.items()}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_one_line_error(case, bad_runs):
    _, status, words = BAD[case]
    result = bad_runs[case]
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("softmaxreg: error: ")
    assert words in lines[0]


@pytest.mark.parametrize("case", list(BAD_IN_PROCESS))
def test_bad_input_in_process(case, bad_runs, files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    args, words = BAD_IN_PROCESS[case]
    monkeypatch.chdir(files)
    assert main(args) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("softmaxreg: error: "), captured.err
    assert words in lines[0]


def test_fit_l1_prints_top_features_instead_of_inference(files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    assert (
        main(
            [
                "fit",
                "blobs.csv",
                "--target",
                "colour",
                "--drop",
                "id",
                "--solver",
                "saga",
                "--l1-ratio",
                "0.5",
                "--alpha",
                "0.01",
                "--top",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "l1_ratio=0.5" in out and "std err" not in out
    assert re.findall(r"^class '(\w+)': top 2 features", out, flags=re.M) == [
        "blue",
        "green",
        "red",
    ]


def test_alpha_and_C_are_exclusive(capsys):
    from softmaxreg._cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "data.csv", "--target", "y", "--alpha", "1", "--C", "1"])
    assert exit_info.value.code == 2
    assert "argument --C: not allowed with argument --alpha" in capsys.readouterr().err


def test_n_jobs_reaches_the_estimator_in_fit_and_predict(files, capsys, monkeypatch):
    """``--n-jobs`` has the estimator's meaning; the model gets it for fit and predict."""
    from softmaxreg._cli.main import main
    from softmaxreg._estimator import SoftmaxRegression

    seen = []
    real_fit, real_proba = SoftmaxRegression.fit, SoftmaxRegression.predict_proba

    def fit(self, *args, **kwargs):
        seen.append(("fit", self.n_jobs))
        return real_fit(self, *args, **kwargs)

    def predict_proba(self, *args, **kwargs):
        seen.append(("predict", self.n_jobs))
        return real_proba(self, *args, **kwargs)

    monkeypatch.setattr(SoftmaxRegression, "fit", fit)
    monkeypatch.setattr(SoftmaxRegression, "predict_proba", predict_proba)
    monkeypatch.chdir(files)
    assert main(["fit", "news.jsonl.gz", "--n-jobs", "1", "--model", "n1.npz", "--top-only"]) == 0
    assert main(["predict", "n1.npz", "news.jsonl.gz", "--proba", "--n-jobs", "-1"]) == 0
    assert main(["predict", "n1.npz", "news.jsonl.gz", "--proba"]) == 0
    assert ("fit", 1) in seen
    assert [s for s in seen if s[0] == "predict"][-2:] == [("predict", -1), ("predict", None)]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "news.jsonl.gz", "--n-jobs", "0"])
    assert exit_info.value.code == 2
    assert "argument --n-jobs: must be a positive count or negative" in capsys.readouterr().err


def test_version():
    from softmaxreg import __version__
    from softmaxreg._cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    result = subprocess.run(
        [sys.executable, "-m", "softmaxreg", "--version"], capture_output=True, text=True
    )
    assert result.stdout.strip() == f"softmaxreg {__version__}"


def test_predict_keeps_ids_and_scores_labelled_rows(good_runs, files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    assert main(["predict", "blobs.npz", "blobs.csv", "--id", "id", "--report", "r.json"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.reader(captured.out.splitlines()))
    assert rows[0] == ["id", "prediction"] and [r[0] for r in rows[1:]] == [
        str(i) for i in range(90)
    ]
    report = json.loads((files / "r.json").read_text())
    model = load_model(files / "blobs.npz")
    truth = [r[3] for r in list(csv.reader(open(files / "blobs.csv")))[1:]]
    data = np.loadtxt(files / "blobs.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    accuracy = float(np.mean(model.predict(data) == np.array(truth)))
    assert report["accuracy"] == pytest.approx(accuracy) and report["rows"] == 90
    assert f"accuracy {accuracy:.4f}" in captured.err
    assert np.sum(report["confusion_matrix"]) == 90
    assert set(report["per_class"]) == {"red", "green", "blue"}
    assert "precision" in captured.err and "confusion matrix" in captured.err


def test_fit_scales_by_default_and_reports_both_units(files, capsys, monkeypatch):
    from sklearn.pipeline import Pipeline

    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    args = ["fit", "blobs.csv", "--target", "colour", "--drop", "id", "--test-size", "0"]
    assert main([*args, "--model", "scaled.npz"]) == 0
    out = capsys.readouterr().out
    assert "per standard deviation" in out and "per unit of each feature as read" in out
    scaled = load_model(files / "scaled.npz")
    assert isinstance(scaled, Pipeline) and type(scaled[0]).__name__ == "StandardScaler"
    assert main([*args, "--no-scale", "--model", "raw.npz"]) == 0
    out = capsys.readouterr().out
    assert "per unit of each feature (as read, not standardised)" in out
    assert not isinstance(load_model(files / "raw.npz"), Pipeline)
    data = np.loadtxt(files / "blobs.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    # the per-unit table is the scaled model mapped back (w / sd): it predicts the same
    scaler, est = scaled[0], scaled[-1]
    w = est.coef_ / scaler.scale_
    b = est.intercept_ - (scaler.mean_ / scaler.scale_) @ est.coef_.T
    np.testing.assert_allclose(scaled.decision_function(data), data @ w.T + b, rtol=1e-10)
    first = out.split("per unit of each feature")[0]
    assert "SD" not in first  # the raw model's table has no SD column


def test_binary_top_features_agree_with_the_sign(files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    rows = [
        [*x, "spam" if x[0] + x[1] > 0 else "ham"]
        for x in np.random.default_rng(0).normal(size=(80, 2))
    ]
    write_csv(files / "binary.csv", ["up", "down", "kind"], [[a, -b, k] for a, b, k in rows])
    assert main(["fit", "binary.csv", "--target", "kind", "--top-only", "--top", "1"]) == 0
    out = capsys.readouterr().out
    spam = out[out.index("raising the odds of 'spam'") :].splitlines()[2].split()
    ham = out[out.index("raising the odds of 'ham'") :].splitlines()[2].split()
    assert spam[0] == "up" and ham[0] == "down"
    for _, coef, odds in (spam, ham):  # positive raises the odds: odds ratio above 1
        assert float(coef) > 0 and float(odds) > 1
    assert "OR per SD" in out
    assert main(["fit", "binary.csv", "--target", "kind", "--top-only", "--top", "0"]) == 0
    assert "raising the odds" not in capsys.readouterr().out


def test_class_weight_balanced_reaches_the_model(files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    args = ["fit", "blobs.csv", "--target", "colour", "--drop", "id", "--class-weight", "balanced"]
    assert main([*args, "--model", "bal.npz"]) == 0
    assert "class_weight='balanced'" in capsys.readouterr().out
    assert load_model(files / "bal.npz")[-1].class_weight == "balanced"


def test_text_options_are_stored_in_the_model(files, capsys, monkeypatch):
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    args = ["fit", "news.jsonl.gz", "--ngram-range", "1", "2", "--stop-words", "english"]
    args += ["--min-df", "2", "--max-features", "50", "--sublinear-tf", "--model", "t.npz"]
    assert main(args) == 0
    vec = load_model(files / "t.npz")[0]
    assert vec.ngram_range == (1, 2) and vec.stop_words == "english" and vec.min_df == 2
    assert vec.max_features == 50 and vec.sublinear_tf and len(vec.vocabulary_) == 50
    assert any(" " in term for term in vec.vocabulary_)


def test_plot_without_matplotlib_fails_before_fitting(files, capsys, monkeypatch):
    import builtins

    from softmaxreg._cli import commands
    from softmaxreg._cli.main import main

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("read the data before checking for matplotlib")

    monkeypatch.chdir(files)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    monkeypatch.setattr(commands, "read_data", never)
    assert main(["fit", "blobs.csv", "--target", "colour", "--plot", "p.png"]) == 1
    assert "--plot needs matplotlib" in capsys.readouterr().err


def test_many_classes_print_one_line_of_top_features_each():
    # Twenty 12-line tables drown the rest of the output: past MAX_TABLES classes the
    # table becomes one line per class, its features in decreasing coefficient order.
    from softmaxreg import SoftmaxRegression
    from softmaxreg._cli.report import MAX_TABLES, top_features

    rng = np.random.default_rng(0)
    n_classes = MAX_TABLES + 2
    y = np.repeat(np.arange(n_classes), 20)
    X = rng.normal(size=(y.size, 12))
    X[np.arange(y.size), y] += 3.0  # feature k marks class k
    model = SoftmaxRegression(solver="lbfgs").fit(X, y)
    names = [f"f{j}" for j in range(12)]
    text = top_features(model, names, 3, unit="tfidf")
    rows = re.findall(r"^  (\d+): (.*)$", text, flags=re.M)
    assert [int(c) for c, _ in rows] == list(range(n_classes))
    for c, rest in rows:
        terms = [t.rsplit(" ", 1) for t in rest.split(", ")]
        assert len(terms) == 3 and terms[0][0] == f"f{c}"
        coefs = [float(v) for _, v in terms]
        assert coefs == sorted(coefs, reverse=True)
    assert len(text.splitlines()) == n_classes + 3  # header, title, rows, TF-IDF note


def test_fit_C_auto_reports_the_choice_and_the_curve(files, capsys, monkeypatch):
    """--C auto runs the cross-validated path, prints each C's held-out log-loss and the
    chosen C, refits there (the model line shows its alpha) and plots the validation curve."""
    pytest.importorskip("matplotlib")
    from softmaxreg import SoftmaxRegressionCV
    from softmaxreg._cli.main import main

    monkeypatch.chdir(files)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    args = ["fit", "blobs.csv", "--target", "colour", "--drop", "id", "--C", "auto", "--cv", "3"]
    assert main([*args, "--plot", "cv.png", "--test-size", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "cross-validation: 3 folds x 10 values of C" in out
    curve = re.findall(r"^  C=(\S+)\s+log-loss ([\d.]+) \+- ([\d.]+)(  <- chosen)?$", out, re.M)
    assert len(curve) == 10 and sum(bool(c[3]) for c in curve) == 1
    chosen = float(re.search(r"^chosen C: (\S+) \(alpha (\S+)\)", out, re.M).group(1))
    assert chosen == pytest.approx(float(next(c[0] for c in curve if c[3])), rel=1e-3)
    alpha = float(re.search(r"^chosen C: \S+ \(alpha (\S+)\)", out, re.M).group(1))
    assert f"alpha={alpha:.6g}" in out
    assert (files / "cv.png").stat().st_size > 0
    # the same choice as SoftmaxRegressionCV on the standardised training rows
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = np.loadtxt(files / "blobs.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    labels = np.loadtxt(files / "blobs.csv", delimiter=",", skiprows=1, usecols=3, dtype=str)
    X_train, _, y_train, _ = train_test_split(
        data, labels, test_size=0.2, random_state=0, stratify=labels
    )
    X_train = StandardScaler().fit_transform(X_train)
    search = SoftmaxRegressionCV(Cs=10, cv=3, refit=False, random_state=0, max_iter=1000)
    assert search.fit(X_train, y_train).C_ == pytest.approx(chosen, rel=1e-3)


@pytest.mark.parametrize(
    "value, message", [("--cv=1", "must be an integer >= 2"), ("--C=autox", "invalid")]
)
def test_fit_C_auto_bad_options(value, message, capsys):
    from softmaxreg._cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "data.csv", "--target", "y", "--C", "auto", value])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
