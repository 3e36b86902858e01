"""Benchmark data: 20newsgroups TF-IDF from the corpora folder, or a generated stand-in.

Point ``SOFTMAXREG_DATA`` at a folder holding ``20newsgroups/train.jsonl.gz`` (or your own
corpus folder with ``train.jsonl.gz``/``test.jsonl.gz`` of ``label``/``text`` lines via
``SOFTMAXREG_CORPUS``) to benchmark on it.
"""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The lab's modules (harness, problems, results, report) are imported by name, as the
# scripts here import them, whatever pytest's import mode.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
DATA = Path(os.environ.get("SOFTMAXREG_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def text_corpus():
    """(name, X_train, X_test, y_train, y_test) as float64 TF-IDF CSR."""
    from softmaxreg import make_text_classification
    from softmaxreg._datasets import load_jsonl_corpus

    path = Path(os.environ.get("SOFTMAXREG_CORPUS", DATA / "20newsgroups"))
    if (path / "train.jsonl.gz").exists() or (path / "train.jsonl").exists():
        return (path.name,) + load_jsonl_corpus(path)
    X, y = make_text_classification(
        n_samples=15_000, n_features=100_000, n_classes=20, random_state=0
    )
    return ("generated", X[:11_000], X[11_000:], y[:11_000], y[11_000:])


@pytest.fixture(scope="session")
def encoded(text_corpus):
    """Training data with labels encoded 0..K-1 and a fixed random model."""
    _, X, _, y, _ = text_corpus
    classes, y_index = np.unique(y, return_inverse=True)
    rng = np.random.default_rng(0)
    coef = rng.standard_normal((len(classes), X.shape[1])) * 0.1
    intercept = rng.standard_normal(len(classes)) * 0.1
    return X, y_index.astype(np.int32), classes, coef, intercept
