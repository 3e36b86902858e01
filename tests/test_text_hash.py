"""The compiled text hashing (``softmaxreg.stream._hashing``) against scikit-learn's
``HashingVectorizer``: the same CSR matrix, on the corpora and on hand-made text."""

import gzip
import itertools
import json
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from conftest import DATA
from sklearn.feature_extraction.text import HashingVectorizer

from softmaxreg.stream import fit_file
from softmaxreg.stream._hashing import hash_texts, hashing_transform, supports

CORPORA = ["20newsgroups", "imdb_ratings", "reuters21578_r52"]

HAND_MADE = [
    "",
    "a",
    "a b c d",
    "Hello, World! hello world HELLO",
    "snake_case __dunder__ _x x_ __ _",
    "3.14159 2024-12-06 42 007 1e10 0x1F",
    "Ünïcödé façade naïve Straße ĲSSELMEER İstanbul ΣΊΣΥΦΟΣ",
    "Привет мир, 你好世界, こんにちは, 안녕하세요, مرحبا بالعالم, שלום",
    "emoji 😀😀 smile😀face 👍🏽ok 🇫🇷 flags",
    "math 𝒜𝒷𝒸 𝟘𝟙𝟚 ℕℤ ½¼ ²³ ⅛ Ⅻ ⑫ ٣٤ ४५",
    "tabs\tand\nnew\r\nlines\u2028sep\u00a0nbsp\u200bzero-width",
    "combining: e\u0301te\u0301 cafe\u0301 n\u0303",
    "x" * 1000 + " " + "é" * 333 + " " + "😀a" * 100,
    "ab" * 31 + " " + "abc" * 21 + "d " + "α" * 63,
    " ".join(f"w{i}" for i in range(2000)),
    "repeat " * 500,
    "\x00ab\x00cd\x7f",
]


def _reference(texts, n_features, alternate_sign=True, norm="l2", dtype=np.float64):
    vectorizer = HashingVectorizer(
        n_features=n_features, alternate_sign=alternate_sign, norm=norm, dtype=dtype
    )
    return vectorizer.transform(texts)


def assert_same_csr(ours, ref):
    """Same shape, structure and index dtypes; values within an ulp."""
    assert sp.issparse(ours) and ours.format == "csr"
    assert ours.shape == ref.shape
    assert ours.dtype == ref.dtype
    assert ours.indptr.dtype == ref.indptr.dtype
    assert ours.indices.dtype == ref.indices.dtype
    np.testing.assert_array_equal(ours.indptr, ref.indptr)
    np.testing.assert_array_equal(ours.indices, ref.indices)
    np.testing.assert_array_max_ulp(ours.data, ref.data, maxulp=1)


def corpus_texts(name, part="train", n=None):
    path = DATA / name / f"{part}.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{name} corpus not found at {path.parent} (set SOFTMAXREG_DATA)")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in itertools.islice(f, n)]


@pytest.mark.parametrize("name", CORPORA)
def test_whole_corpus_matches_sklearn(name):
    """Every training document of each corpus (Latin-1 and wider text), default settings."""
    texts = corpus_texts(name)
    assert_same_csr(hash_texts(texts, 2**20), _reference(texts, 2**20))


@pytest.mark.parametrize("name", CORPORA)
@pytest.mark.parametrize("alternate_sign", [True, False])
@pytest.mark.parametrize("norm", ["l2", "l1", None])
@pytest.mark.parametrize("bits", [3, 12, 18])
def test_corpus_options_match_sklearn(name, alternate_sign, norm, bits):
    """Few bits force many collisions (sums, and zeros kept where signs cancel)."""
    texts = corpus_texts(name, "test", 300)
    ours = hash_texts(texts, 2**bits, alternate_sign=alternate_sign, norm=norm)
    assert_same_csr(ours, _reference(texts, 2**bits, alternate_sign, norm))


@pytest.mark.parametrize("alternate_sign", [True, False])
@pytest.mark.parametrize("norm", ["l2", "l1", None])
@pytest.mark.parametrize("n_features", [1, 2, 7, 1000, 2**10, 2**20, 2**31 - 1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hand_made_text_matches_sklearn(alternate_sign, norm, n_features, dtype):
    """Non-ASCII, emoji (4-byte code points), underscores, digits, empty documents,
    tokens longer than the kernel's byte buffer; powers of two and other column counts."""
    ours = hash_texts(HAND_MADE, n_features, alternate_sign=alternate_sign, norm=norm, dtype=dtype)
    ref = _reference(HAND_MADE, n_features, alternate_sign, norm, dtype)
    assert_same_csr(ours, ref)


def test_hash_of_minus_two_to_the_31():
    """``ad1u66pi`` hashes to -2**31, whose ``abs`` overflows: column and sign as scikit-learn's."""
    from sklearn.utils import murmurhash3_32

    assert murmurhash3_32("ad1u66pi", seed=0) == -(2**31)
    texts = ["ad1u66pi", "ad1u66pi ad1u66pi ab", "AD1U66PI"]
    for n_features in (2**20, 3, 1000, 2**31 - 1):
        for alternate_sign in (True, False):
            ours = hash_texts(texts, n_features, alternate_sign=alternate_sign, norm=None)
            assert_same_csr(ours, _reference(texts, n_features, alternate_sign, None))


def test_every_code_point_is_a_word_character_as_in_re():
    """Python's ``\\w`` is ``str.isalnum() or '_'``: a doubled code point is a token exactly
    when ``re`` says so, for every code point (lower-cased first, as both do)."""
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    texts = [" ".join(chr(c) * 2 for c in points[i : i + 512]) for i in range(0, len(points), 512)]
    ours = hash_texts(texts, 2**16, alternate_sign=False, norm=None)
    assert_same_csr(ours, _reference(texts, 2**16, False, None))


def test_surrogates_are_separators():
    """Lone surrogates (from JSON escapes) are not word characters, and never encoded."""
    texts = ["ab\ud800cd", "\udfff\udfffxy"]
    assert_same_csr(hash_texts(texts, 2**10), _reference(texts, 2**10))


def test_float32_with_large_counts():
    """float32 squares rounded as scikit-learn rounds them (counts above 4096)."""
    texts = ["word " * 5000 + "other " * 4097, "ab " * 70000]
    for norm in ("l2", "l1", None):
        ours = hash_texts(texts, 2**8, norm=norm, dtype=np.float32)
        assert_same_csr(ours, _reference(texts, 2**8, True, norm, np.float32))


def test_sequence_input_and_sparse_interface():
    texts = ("one two", "three four")
    assert_same_csr(hash_texts(texts, 64), _reference(list(texts), 64))
    assert isinstance(hash_texts(texts, 64), sp.csr_matrix)
    if "sparse_interface" in sklearn.get_config():
        with sklearn.config_context(sparse_interface="sparray"):
            ours, ref = hash_texts(texts, 64), _reference(list(texts), 64)
        assert type(ours) is type(ref)


@pytest.mark.parametrize(
    "texts, kwargs, error, match",
    [
        (["ok", b"bytes"], {}, TypeError, "document 1 is a bytes, not a str"),
        (["ok", None], {}, TypeError, "document 1 is a NoneType"),
        ([1.5], {}, TypeError, "document 0 is a float"),
        ("a string", {}, ValueError, "string object received"),
        ([], {}, ValueError, "empty sequence"),
        (["a"], {"n_features": 0}, ValueError, r"n_features must be in \[1, 2\*\*31\)"),
        (["a"], {"n_features": 2**31}, ValueError, "n_features must be in"),
        (["a"], {"n_features": 2.0}, TypeError, "n_features must be an int"),
        (["a"], {"n_features": True}, TypeError, "n_features must be an int"),
        (["a"], {"norm": "max"}, ValueError, "norm must be 'l1', 'l2' or None"),
        (["a"], {"alternate_sign": 1}, TypeError, "alternate_sign must be True or False"),
        (["a"], {"dtype": np.int64}, ValueError, "dtype must be float32 or float64"),
        (["a"], {"dtype": "no such type"}, TypeError, "dtype must be float32 or float64"),
    ],
)
def test_bad_input(texts, kwargs, error, match):
    with pytest.raises(error, match=match):
        hash_texts(texts, **kwargs)


@pytest.mark.parametrize(
    "options, fast",
    [
        ({}, True),
        ({"n_features": 2**18, "alternate_sign": False, "norm": None}, True),
        ({"norm": "l1", "dtype": np.float32}, True),
        ({"ngram_range": (1, 2)}, False),
        ({"stop_words": "english"}, False),
        ({"token_pattern": r"(?u)\b\w+\b"}, False),
        ({"lowercase": False}, False),
        ({"strip_accents": "unicode"}, False),
        ({"analyzer": "char"}, False),
        ({"binary": True}, False),
        ({"preprocessor": str.upper}, False),
        ({"tokenizer": str.split}, False),
        ({"input": "filename"}, False),
        ({"norm": None, "dtype": np.int64}, False),
    ],
)
def test_hashing_transform_falls_back_to_sklearn(options, fast):
    """The kernel serves the default analyzer only; other options use ``transform``."""
    vectorizer = HashingVectorizer(**options)
    assert supports(vectorizer) is fast
    transform = hashing_transform(vectorizer)
    assert (transform == vectorizer.transform) is not fast
    texts = HAND_MADE[:10]
    if options.get("input") != "filename":
        assert_same_csr(transform(texts), vectorizer.transform(texts))


def test_stream_fit_same_model_as_with_sklearn_hashing(tmp_path, monkeypatch):
    """``fit_file`` gives the model it gave with scikit-learn's hashing, bit for bit."""
    import softmaxreg.stream as stream

    rng = np.random.default_rng(0)
    words = "alpha beta gamma delta épée naïve 😀😀 under_score 2024 data".split()
    path = tmp_path / "text.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(400):
            label = int(rng.integers(3))
            text = " ".join(rng.choice(words, 8)) + f" topic{label} Topic{label}"
            f.write(json.dumps({"label": label, "text": text}) + "\n")
    fast, _ = fit_file(path, passes=2, chunk_size=64, hash_bits=12)
    calls = []

    def sklearn_only(vectorizer):
        calls.append(vectorizer)
        return vectorizer.transform

    monkeypatch.setattr(stream, "hashing_transform", sklearn_only)
    slow, _ = fit_file(path, passes=2, chunk_size=64, hash_bits=12)
    assert len(calls) == 1
    np.testing.assert_array_equal(fast[-1].coef_, slow[-1].coef_)
    np.testing.assert_array_equal(fast[-1].intercept_, slow[-1].intercept_)
    assert isinstance(fast[0], HashingVectorizer)
