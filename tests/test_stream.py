"""Streaming fit (``softmaxreg.stream.fit_file``, ``softmaxreg fit --stream``) and the
streamed ``predict``: against a plain loop of ``partial_fit`` over the same chunks."""

import csv
import gzip
import io
import json
import re
import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, make_blobs
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, normalize

from softmaxreg import SoftmaxRegression
from softmaxreg.stream import ChunkReader, fit_file

TOPICS = {
    "sport": "goal match team score league player coach season",
    "tech": "code chip server cloud data software network laptop",
    "food": "bread cheese soup pasta recipe sauce oven spice",
}


def documents(n, seed):
    """``n`` short documents of the three topics, in a random order of labels."""
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    every = " ".join(TOPICS.values()).split()
    rows = []
    for _ in range(n):
        label = names[rng.integers(3)]
        words = rng.choice(TOPICS[label].split(), 6).tolist() + rng.choice(every, 3).tolist()
        rows.append((label, f"{' '.join(words)} {rng.integers(10**6)}"))
    return rows


def write_jsonl(path, rows):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        for label, text in rows:
            f.write(json.dumps({"label": label, "text": text}) + "\n")


def held_out(line, fraction):
    return zlib.crc32(line.strip()) < fraction * 2**32


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    rows = documents(600, 0)
    write_jsonl(d / "news.jsonl", rows)
    write_jsonl(d / "news.jsonl.gz", rows)
    return d


def reference(path, passes, chunk_size, holdout, alpha, bits=10, idf=True):
    """The same fit as a plain loop: hash, hold out by CRC-32, partial_fit chunk by chunk;
    with ``idf``, the hashed counts times the smooth idf of the training rows' document
    frequencies, rows L2-normalised."""
    lines = [line for line in open(path, "rb") if line.strip()]
    train = [json.loads(line) for line in lines if not held_out(line, holdout)]
    test = [json.loads(line) for line in lines if held_out(line, holdout)]
    vec = HashingVectorizer(n_features=2**bits, alternate_sign=False, norm="l2")
    if idf:
        counts = HashingVectorizer(n_features=2**bits, alternate_sign=False, norm=None)
        df = (counts.transform([r["text"] for r in train]) > 0).sum(axis=0).A1
        weights = np.log((1.0 + len(train)) / (1.0 + df)) + 1.0

        class Weighed:
            def transform(self, texts):
                return normalize(counts.transform(texts) @ sp.diags(weights))

        vec = Weighed()
    classes = np.unique([r["label"] for r in train + test])
    model = SoftmaxRegression(solver="sgd", alpha=alpha, random_state=0)
    scores = []
    for _ in range(passes):
        for start in range(0, len(train), chunk_size):
            part = train[start : start + chunk_size]
            model.partial_fit(
                vec.transform([r["text"] for r in part]),
                np.array([r["label"] for r in part]),
                classes=classes,
            )
        X_test = vec.transform([r["text"] for r in test])
        y_test = [r["label"] for r in test]
        proba = model.predict_proba(X_test)
        scores.append(
            (
                log_loss(y_test, proba, labels=classes),
                accuracy_score(y_test, model.predict(X_test)),
                model.coef_.copy(),
            )
        )
    return scores, len(train), len(test)


@pytest.mark.parametrize("name, idf", [("news.jsonl", True), ("news.jsonl.gz", False)])
def test_fit_file_equals_a_partial_fit_loop(news, name, idf):
    model, history = fit_file(
        news / name,
        hash_bits=10,
        passes=3,
        chunk_size=64,
        holdout=0.2,
        alpha=1e-3,
        n_iter_no_change=3,
        idf=idf,
    )
    scores, n_train, n_test = reference(news / "news.jsonl", 3, 64, 0.2, 1e-3, idf=idf)
    assert isinstance(model, Pipeline) and isinstance(model[0], HashingVectorizer)
    assert len(model.steps) == (3 if idf else 2)
    # the model returned is that of the pass with the lowest held-out log-loss
    best = int(np.argmin([loss for loss, _, _ in scores]))
    assert [r["best"] for r in history] == [k == best for k in range(3)]
    np.testing.assert_allclose(model[-1].coef_, scores[best][2], rtol=1e-12, atol=1e-14)
    assert [r["pass"] for r in history] == [1, 2, 3]
    for record, (loss, accuracy, _) in zip(history, scores):
        assert record["train_rows"] == n_train and record["holdout_rows"] == n_test
        assert record["holdout_log_loss"] == pytest.approx(loss, rel=1e-9)
        assert record["holdout_accuracy"] == pytest.approx(accuracy)
    assert 0 < n_test < 0.35 * (n_train + n_test)
    assert history.columns == {
        "format": "jsonl",
        "target": "label",
        "text": "text",
        "features": None,
        "zero_based": True,
    }


def test_vocabulary_from_a_first_read_equals_tfidf_fitted_on_the_training_rows(news, tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    model, history = fit_file(
        news / "news.jsonl.gz",
        vocabulary=True,
        min_df=2,
        sublinear_tf=True,
        passes=2,
        chunk_size=50,
        holdout=0.2,
        alpha=1e-3,
        n_iter_no_change=2,
    )
    lines = [line for line in open(news / "news.jsonl", "rb") if line.strip()]
    train = [json.loads(line) for line in lines if not held_out(line, 0.2)]
    texts = [r["text"] for r in train]
    y = np.array([r["label"] for r in train])
    vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(texts)
    assert model[0].get_feature_names_out().tolist() == vec.get_feature_names_out().tolist()
    np.testing.assert_allclose(model[0].idf_, vec.idf_, rtol=1e-12)
    ref = SoftmaxRegression(solver="sgd", alpha=1e-3, random_state=0)
    Xv = vec.transform(texts)
    coefs = []
    for _ in range(2):
        for start in range(0, len(y), 50):
            ref.partial_fit(Xv[start : start + 50], y[start : start + 50], classes=np.unique(y))
        coefs.append(ref.coef_.copy())
    best = [r["best"] for r in history].index(True)
    np.testing.assert_allclose(model[-1].coef_, coefs[best], rtol=1e-10, atol=1e-13)
    model_path = tmp_path / "v.npz"
    assert (
        main(
            "fit",
            news / "news.jsonl",
            "--stream",
            "--vocabulary",
            "--min-df",
            "2",
            "--alpha",
            "1e-3",
            "--model",
            model_path,
        )
        == 0
    )
    assert main("predict", model_path, news / "news.jsonl") == 0
    from softmaxreg import load_model

    assert isinstance(load_model(model_path)[0], TfidfVectorizer)


def test_early_stopping_keeps_the_best_pass(news):
    # a constant step far too large: the held-out log-loss goes up and down
    est = SoftmaxRegression(solver="sgd", learning_rate="constant", eta0=30.0, random_state=0)
    model, history = fit_file(
        news / "news.jsonl",
        hash_bits=10,
        passes=8,
        chunk_size=50,
        holdout=0.3,
        alpha=1e-5,
        estimator=est,
        n_iter_no_change=1,
    )
    losses = [r["holdout_log_loss"] for r in history]
    best = [r for r in history if r["best"]]
    assert len(best) == 1 and best[0]["holdout_log_loss"] == min(losses)
    if len(history) < 8:  # stopped: the last pass was no better than the best
        assert losses[-1] >= min(losses[:-1])
    reader = ChunkReader(news / "news.jsonl", chunk_size=1000, holdout=0.3)
    chunk = next(reader.chunks("holdout"))
    proba = model.predict_proba(chunk.X)
    assert log_loss(chunk.labels, proba, labels=model[-1].classes_) == pytest.approx(
        best[0]["holdout_log_loss"], rel=1e-9
    )


def test_numeric_csv_and_svmlight_are_standardised_from_the_first_read(tmp_path):
    X, y = make_blobs(n_samples=300, centers=3, n_features=4, random_state=0)
    X[:, 0] *= 100
    with open(tmp_path / "blobs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "d", "kind"])
        writer.writerows([[*(repr(float(v)) for v in row), int(k)] for row, k in zip(X, y)])
    model, history = fit_file(
        tmp_path / "blobs.csv",
        target="kind",
        passes=2,
        chunk_size=40,
        holdout=0.0,
        alpha=1e-3,
        n_iter_no_change=5,
    )
    scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(model[0].mean_, scaler.mean_, rtol=1e-10)
    np.testing.assert_allclose(model[0].scale_, scaler.scale_, rtol=1e-10)
    ref = SoftmaxRegression(solver="sgd", alpha=1e-3, random_state=0)
    Xs = scaler.transform(X)
    for _ in range(2):
        for start in range(0, 300, 40):
            ref.partial_fit(Xs[start : start + 40], y[start : start + 40], classes=[0, 1, 2])
    np.testing.assert_allclose(model[-1].coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert np.isnan(history[0]["holdout_accuracy"]) and history[0]["holdout_rows"] == 0
    dump_svmlight_file(X, y, str(tmp_path / "blobs.svm"), zero_based=False)
    model, _ = fit_file(tmp_path / "blobs.svm", passes=1, chunk_size=40, holdout=0.0, alpha=1e-3)
    assert model[-1].n_features_in_ == 4
    assert model.score(X, y) > 0.9


def test_chunks_hold_at_most_chunk_size_rows(news, monkeypatch):
    sizes = []
    original = SoftmaxRegression._partial_fit

    def spy(self, X, y, *args, **kwargs):
        sizes.append(X.shape[0])
        return original(self, X, y, *args, **kwargs)

    monkeypatch.setattr(SoftmaxRegression, "_partial_fit", spy)
    fit_file(news / "news.jsonl.gz", hash_bits=8, chunk_size=37, holdout=0.1, alpha=1e-3)
    assert max(sizes) == 37 and sum(sizes) > 400


def test_rows_grouped_by_label_warn(tmp_path):
    rows = sorted(documents(300, 1))
    write_jsonl(tmp_path / "sorted.jsonl", rows)
    with pytest.warns(UserWarning, match="grouped by label"):
        fit_file(tmp_path / "sorted.jsonl", hash_bits=8, alpha=1e-3)


def test_progress_prints_lines_when_not_a_terminal(news, capsys, monkeypatch):
    from softmaxreg.stream import _progress

    monkeypatch.setattr(_progress.StreamProgress, "__init__", _fast_init(_progress))
    fit_file(news / "news.jsonl", hash_bits=8, chunk_size=50, alpha=1e-3, progress=True)
    err = capsys.readouterr().err
    assert re.search(r"pass 1/1 +\d+\.\d% of \d+\.\d kB, \d+ rows, [\d,]+ rows/s", err), err


def _fast_init(module):
    original = module.StreamProgress.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.every = 0.0

    return init


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"vocabulary": "yes"}, TypeError, "vocabulary"),
        ({"min_df": 2}, ValueError, "vocabulary=True"),
        ({"hash_bits": 0}, ValueError, "hash_bits"),
        ({"hash_bits": 2.5}, TypeError, "hash_bits"),
        ({"passes": 0}, ValueError, "passes"),
        ({"holdout": 1.0}, ValueError, "holdout"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
        ({"alpha": 1e-3, "C": 1.0}, ValueError, "alpha or C"),
        ({"estimator": SoftmaxRegression(solver="sag")}, ValueError, "solver='sgd'"),
        ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change"),
    ],
)
def test_bad_arguments(news, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_file(news / "news.jsonl", **kwargs)


def test_bad_files(tmp_path):
    from softmaxreg._cli.io import DataError

    write_jsonl(tmp_path / "one.jsonl", [("a", "x y")] * 20)
    with pytest.raises(ValueError, match="only one class"):
        fit_file(tmp_path / "one.jsonl", holdout=0.0)
    (tmp_path / "bad.jsonl").write_text('{"label": "a", "text": "x"}\nnot json\n')
    with pytest.raises(DataError, match="line 2: not valid JSON"):
        fit_file(tmp_path / "bad.jsonl")
    with pytest.raises(DataError, match="no such file"):
        fit_file(tmp_path / "missing.jsonl")


# ------------------------------------------------------------------ command line
def main(*args):
    from softmaxreg._cli.main import main as run

    return run([str(a) for a in args])


def test_cli_fit_stream_then_predict_streams(news, tmp_path, capsys):
    model_path = tmp_path / "m.npz"
    assert (
        main(
            "fit",
            news / "news.jsonl.gz",
            "--stream",
            "--passes",
            "2",
            "--hash-bits",
            "10",
            "--chunk-size",
            "64",
            "--holdout",
            "0.2",
            "--alpha",
            "1e-3",
            "--model",
            model_path,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"pass 2: \d+ rows, .* held-out \(\d+ rows\) accuracy", out), out
    assert "2**10 hashed text features" in out
    from softmaxreg import load_model

    pipe = load_model(model_path)
    assert main("predict", model_path, news / "news.jsonl.gz", "--proba") == 0
    captured = capsys.readouterr()
    table = list(csv.reader(io.StringIO(captured.out)))
    texts = [r[1] for r in documents(600, 0)]
    labels = [r[0] for r in documents(600, 0)]
    assert table[0][:1] == ["prediction"] and len(table) == 601
    assert [r[0] for r in table[1:]] == pipe.predict(texts).tolist()
    np.testing.assert_allclose(
        np.array([r[1:] for r in table[1:]], dtype=float), pipe.predict_proba(texts), rtol=1e-12
    )
    expected = log_loss(labels, pipe.predict_proba(texts), labels=pipe[-1].classes_)
    match = re.search(r"accuracy ([\d.]+), log-loss ([\d.]+)", captured.err)
    assert float(match.group(1)) == pytest.approx(pipe.score(texts, labels), abs=1e-4)
    assert float(match.group(2)) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    "args, match",
    [
        (["--stream", "--vocabulary", "--hash-bits", "12"], "exclude each other"),
        (["--hash-bits", "12"], "only with --stream"),
        (["--stream", "--test-size", "0.2"], "--holdout"),
        (["--stream", "--min-df", "2"], "needs --vocabulary"),
        (["--stream", "--solver", "sag"], "--solver sgd"),
    ],
)
def test_cli_stream_usage_errors(news, capsys, args, match):
    assert main("fit", news / "news.jsonl", *args) == 1
    assert match in capsys.readouterr().err


def test_cli_numeric_csv_and_svmlight_stream_then_predict(tmp_path, capsys):
    X, y = make_blobs(n_samples=200, centers=3, n_features=3, random_state=2)
    names = np.array(["red", "green", "blue"])
    with open(tmp_path / "blobs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "a", "b", "c", "colour"])
        writer.writerows([[i, *(float(v) for v in X[i]), names[y[i]]] for i in range(200)])
    model_path = tmp_path / "csv.npz"
    assert (
        main(
            "fit",
            tmp_path / "blobs.csv",
            "--stream",
            "--target",
            "colour",
            "--drop",
            "id",
            "--chunk-size",
            "30",
            "--passes",
            "2",
            "--model",
            model_path,
        )
        == 0
    )
    capsys.readouterr()
    assert main("predict", model_path, tmp_path / "blobs.csv", "--id", "id") == 0
    captured = capsys.readouterr()
    table = list(csv.reader(io.StringIO(captured.out)))
    assert table[0] == ["id", "prediction"] and [r[0] for r in table[1:]] == [
        str(i) for i in range(200)
    ]
    from softmaxreg import load_model

    pipe = load_model(model_path)
    assert [r[1] for r in table[1:]] == pipe.predict(X).tolist()
    assert "scored against 'colour' (200 rows)" in captured.err
    dump_svmlight_file(X, y, str(tmp_path / "blobs.svm"), zero_based=False)
    assert main("fit", tmp_path / "blobs.svm", "--stream", "--model", tmp_path / "s.npz") == 0
    capsys.readouterr()
    assert main("predict", tmp_path / "s.npz", tmp_path / "blobs.svm") == 0
    captured = capsys.readouterr()
    pipe = load_model(tmp_path / "s.npz")
    predicted = [int(r[0]) for r in list(csv.reader(io.StringIO(captured.out)))[1:]]
    assert predicted == pipe.predict(X).tolist()
    assert "scored against 'label' (200 rows)" in captured.err
