"""Shared fixtures: the corpora in ../shared/data (skipped cleanly when absent)."""

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SOFTMAXREG_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def newsgroups():
    """20newsgroups TF-IDF (float64 CSR): X_train, X_test, y_train, y_test."""
    path = DATA / "20newsgroups"
    if not (path / "train.jsonl.gz").exists():
        pytest.skip(f"20newsgroups corpus not found at {path} (set SOFTMAXREG_DATA)")
    from softmaxreg._datasets import load_jsonl_corpus

    return load_jsonl_corpus(path)


@pytest.fixture(scope="session")
def reuters():
    """Reuters R52 TF-IDF (float64 CSR, terms in >= 3 documents): X_train, X_test, y_train, y_test."""
    path = DATA / "reuters21578_r52"
    if not (path / "train.jsonl.gz").exists():
        pytest.skip(f"reuters21578_r52 corpus not found at {path} (set SOFTMAXREG_DATA)")
    from softmaxreg._datasets import load_jsonl_corpus

    return load_jsonl_corpus(path, min_df=3)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
