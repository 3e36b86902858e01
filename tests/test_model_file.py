"""save_model / load_model: round trips, and damaged or hostile files rejected clearly."""

import hashlib
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.feature_extraction.text import (
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

from softmaxreg import (
    LogisticRegression,
    ModelFileError,
    SoftmaxRegression,
    load_model,
    save_model,
)

DOCS = [
    "the cat sat on the mat",
    "dogs and cats",
    "the stock market fell",
    "markets rally",
    "a dog barked",
    "shares and bonds",
    "kittens purr",
    "the index rose",
] * 3
LABELS = ["pets", "pets", "money", "money", "pets", "money", "pets", "money"] * 3


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def models(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    yield "softmax-str-labels", SoftmaxRegression(alpha=1e-2).fit(X, names[y]), X
    binary = SoftmaxRegression(solver="saga", l1_ratio=0.5, random_state=0, tol=1e-2, max_iter=1000)
    yield "binary-float32", binary.fit(X.astype(np.float32), y > 0), X.astype(np.float32)
    yield (
        "logistic-ovr",
        LogisticRegression(multi_class="ovr", C=3.0, class_weight={0: 2.0}, max_iter=500).fit(X, y),
        X,
    )
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), SoftmaxRegression(alpha=1e-3)
    ).fit(DOCS, LABELS)
    yield "tfidf-pipeline", pipe, DOCS + ["an unseen word and the cat"]
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SoftmaxRegression())]).fit(X, y)
    yield "standard-scaler", pipe, X
    pipe = make_pipeline(StandardScaler(with_mean=False), LogisticRegression(C=5.0))
    yield "scaler-no-mean-csr", pipe.fit(sp.csr_matrix(X), y), sp.csr_matrix(X[::3])
    pipe = make_pipeline(MaxAbsScaler(), SoftmaxRegression(alpha=1e-3)).fit(X, y == 1)
    yield "maxabs-binary", pipe, X
    text = make_pipeline(
        TfidfVectorizer(stop_words="english", min_df=2, max_features=6, sublinear_tf=True),
        MaxAbsScaler(),
        SoftmaxRegression(alpha=1e-3),
    )
    yield "tfidf-options-maxabs", text.fit(DOCS, LABELS), DOCS + ["the cat and the index"]
    hashing = make_pipeline(
        HashingVectorizer(n_features=64, ngram_range=(1, 2), alternate_sign=False),
        SoftmaxRegression(alpha=1e-3),
    )
    yield "hashing", hashing.fit(DOCS, LABELS), DOCS + ["kittens and bonds"]
    hashed_tfidf = make_pipeline(
        HashingVectorizer(n_features=64, alternate_sign=False, norm=None),
        TfidfTransformer(sublinear_tf=True),
        SoftmaxRegression(alpha=1e-3),
    )
    yield "hashing-tfidf", hashed_tfidf.fit(DOCS, LABELS), DOCS + ["kittens and bonds"]


CASES = [
    "softmax-str-labels",
    "binary-float32",
    "logistic-ovr",
    "tfidf-pipeline",
    "standard-scaler",
    "scaler-no-mean-csr",
    "maxabs-binary",
    "tfidf-options-maxabs",
    "hashing",
    "hashing-tfidf",
]


@pytest.mark.parametrize("case", CASES)
def test_round_trip_gives_identical_predictions(case, iris, tmp_path):
    name, model, X = next(m for m in models(iris) if m[0] == case)
    path = tmp_path / "model.npz"
    save_model(model, path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    est, ref = (loaded[-1], model[-1]) if hasattr(model, "steps") else (loaded, model)
    assert est.get_params() == {**ref.get_params(), "callback": None}
    if hasattr(model, "steps"):
        assert [name for name, _ in loaded.steps] == [name for name, _ in model.steps]
        for (_, new), (_, old) in zip(loaded.steps[:-1], model.steps[:-1]):
            assert type(new) is type(old)
            assert new.get_params() == old.get_params()
            if hasattr(old, "get_feature_names_out") and not isinstance(old, HashingVectorizer):
                names = old.get_feature_names_out()
                np.testing.assert_array_equal(new.get_feature_names_out(), names)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    assert est.coef_.dtype == ref.coef_.dtype
    np.testing.assert_array_equal(est.classes_, ref.classes_)
    np.testing.assert_array_equal(est.n_iter_, ref.n_iter_)


def test_numpy_reads_the_file_without_pickle(iris, tmp_path):
    X, y = iris
    model = SoftmaxRegression().fit(X, y)
    save_model(model, tmp_path / "m.npz", info={"note": "hello"})
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["coef"], model.coef_)
        meta = json.loads(npz["metadata.json"])
    assert meta["format"] == "softmaxreg-model" and meta["format_version"] == 2
    assert meta["info"] == {"note": "hello"}
    assert meta["arrays"]["coef"]["sha256"]


def test_summary_and_feature_names_survive(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert list(loaded.feature_names_in_) == list(X.columns)
    a, b = model.summary(X, y).to_dict(), loaded.summary(X, y).to_dict()
    np.testing.assert_array_equal(a["std_err"], b["std_err"])
    assert isinstance(X, pd.DataFrame)


def test_reloaded_in_fresh_process(iris, tmp_path):
    X, y = iris
    model = SoftmaxRegression(alpha=1e-3).fit(X, y)
    save_model(model, tmp_path / "m.npz")
    np.save(tmp_path / "X.npy", X)
    code = (
        "import numpy as np, softmaxreg; m = softmaxreg.load_model('m.npz'); "
        "np.save('p.npy', m.predict_proba(np.load('X.npy')))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), model.predict_proba(X))


@pytest.fixture
def saved(iris, tmp_path):
    X, y = iris
    path = tmp_path / "m.npz"
    save_model(SoftmaxRegression().fit(X, y), path)
    return path


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_file_is_rejected(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="truncated|corrupt|missing"):
        load_model(saved)


def rewrite(path, change):
    """Rewrite the archive with ``change(members)`` applied (members: name -> bytes)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)


def test_tampered_array_is_rejected(saved):
    def change(m):
        arr = bytearray(m["coef.npy"])
        arr[-3] ^= 0x01
        m["coef.npy"] = bytes(arr)

    rewrite(saved, change)
    with pytest.raises(ModelFileError, match="SHA-256 of array 'coef' does not match"):
        load_model(saved)


def test_tampered_metadata_is_rejected(saved):
    def change(m):
        m["metadata.json"] = m["metadata.json"].replace(b'"alpha": 0.0001', b'"alpha": 1.0')

    rewrite(saved, change)
    with pytest.raises(ModelFileError, match="SHA-256 of its metadata does not match"):
        load_model(saved)


def test_bit_flip_inside_the_zip_is_rejected(saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("coef.npy")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # inside the stored data
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        load_model(saved)


def resign(m):
    m["metadata.sha256"] = hashlib.sha256(m["metadata.json"]).hexdigest().encode()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda meta: meta.update(format="pickle"), "not a softmaxreg model file"),
        (lambda meta: meta.update(format_version=99), "format version 99 is not supported"),
        (lambda meta: meta.update(estimator="os.system"), "unknown estimator"),
        (lambda meta: meta["params"].update(evil=1), "unknown parameters"),
        (lambda meta: meta["attributes"].update(n_features_in_=7), "inconsistent model arrays"),
    ],
)
def test_consistently_edited_metadata_is_rejected(saved, edit, message):
    def change(m):
        meta = json.loads(m["metadata.json"])
        edit(meta)
        m["metadata.json"] = json.dumps(meta).encode()
        resign(m)

    rewrite(saved, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(saved)


def test_pickled_array_is_refused(saved):
    def change(m):
        import io

        buf = io.BytesIO()
        np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        m["classes.npy"] = buf.getvalue()
        meta = json.loads(m["metadata.json"])
        meta["arrays"]["classes"].update(
            sha256=hashlib.sha256(m["classes.npy"]).hexdigest(), dtype="|O", shape=[1]
        )
        m["metadata.json"] = json.dumps(meta).encode()
        resign(m)

    rewrite(saved, change)
    with pytest.raises(ModelFileError, match="unreadable array 'classes'.*allow_pickle"):
        load_model(saved)


def test_extra_member_is_refused(saved):
    rewrite(saved, lambda m: m.update({"payload.pkl": b"cos\nsystem\n"}))
    with pytest.raises(ModelFileError, match="unexpected members.*payload.pkl"):
        load_model(saved)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("label,x\n1,2\n")
    with pytest.raises(ModelFileError, match="not a softmaxreg model file"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def test_unsavable_models_are_refused(iris, tmp_path):
    X, y = iris
    with pytest.raises(TypeError, match="accepts a fitted SoftmaxRegression"):
        save_model(TfidfVectorizer(), tmp_path / "m.npz")
    model = SoftmaxRegression(random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.raises(ValueError, match="RandomState"):
        save_model(model, tmp_path / "m.npz")
    pipe = make_pipeline(
        TfidfVectorizer(tokenizer=str.split, token_pattern=None), SoftmaxRegression()
    ).fit(DOCS, LABELS)
    with pytest.raises(ValueError, match="custom tokenizer"):
        save_model(pipe, tmp_path / "m.npz")
    for step in (MinMaxScaler(), Pipeline([("inner", StandardScaler())])):
        pipe = Pipeline([("step", step), ("model", SoftmaxRegression())]).fit(X, y)
        with pytest.raises(TypeError, match=r"Pipeline of StandardScaler.*got steps"):
            save_model(pipe, tmp_path / "m.npz")
    hashing = make_pipeline(HashingVectorizer(preprocessor=str.lower), SoftmaxRegression())
    with pytest.raises(ValueError, match="HashingVectorizer with a custom preprocessor"):
        save_model(hashing.fit(DOCS, LABELS), tmp_path / "m.npz")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(SoftmaxRegression(), tmp_path / "m.npz")


def test_feature_names_pass_through_a_saved_scaler(tmp_path):
    pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression()).fit(X, y)
    save_model(pipe, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert list(loaded[:-1].get_feature_names_out()) == list(X.columns)
    np.testing.assert_array_equal(loaded[0].mean_, pipe[0].mean_)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


def test_version_1_files_still_load(tmp_path):
    """A file of the first format (TF-IDF in ``vectorizer``, idf in ``idf.npy``)."""
    pipe = make_pipeline(TfidfVectorizer(), SoftmaxRegression(alpha=1e-3)).fit(DOCS, LABELS)
    path = tmp_path / "m.npz"
    save_model(pipe, path)

    def to_version_1(m):
        meta = json.loads(m["metadata.json"])
        vec = meta.pop("preprocessors")[0]
        del vec["name"]
        meta.update(format_version=1, vectorizer=vec)
        meta["arrays"]["idf"] = meta["arrays"].pop("step0_idf")
        m["idf.npy"] = m.pop("step0_idf.npy")
        m["metadata.json"] = json.dumps(meta).encode()
        resign(m)

    rewrite(path, to_version_1)
    np.testing.assert_array_equal(load_model(path).predict_proba(DOCS), pipe.predict_proba(DOCS))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda pre: pre[0].update({"class": "builtins.eval"}), "unknown preprocessing step"),
        (lambda pre: pre[0]["params"].update(evil=1), "unknown StandardScaler settings"),
        (lambda pre: pre[0].update(n_features_in_=7), "mean_ has shape"),
    ],
)
def test_edited_preprocessing_steps_are_rejected(iris, tmp_path, edit, message):
    X, y = iris
    path = tmp_path / "m.npz"
    save_model(make_pipeline(StandardScaler(), SoftmaxRegression()).fit(X, y), path)

    def change(m):
        meta = json.loads(m["metadata.json"])
        edit(meta["preprocessors"])
        m["metadata.json"] = json.dumps(meta).encode()
        resign(m)

    rewrite(path, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)
