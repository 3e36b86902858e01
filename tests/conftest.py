"""Shared fixtures: the corpora in ../shared/data (skipped cleanly when absent)."""

import os
from pathlib import Path

import numpy as np
import pytest

# The reference fits (scikit-learn's lbfgs) on two OpenBLAS threads slow down 20-70x when
# other processes share the cores: OpenBLAS's threads spin waiting for each other. The
# results do not depend on BLAS's thread count, so the tests use one, in this process and
# in the processes they start (CLI runs). softmaxreg's own threads follow OpenMP's settings,
# which this leaves alone.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SOFTMAXREG_DATA", REPO.parent / "shared" / "data"))


def pytest_report_header(config):
    import softmaxreg

    return f"softmaxreg {softmaxreg.__version__} from {Path(softmaxreg.__file__).parent}"


def pytest_configure(config):
    """With SOFTMAXREG_EXPECT_INSTALLED=DIR (set by .ci/run), refuse to test any other copy."""
    expected = os.environ.get("SOFTMAXREG_EXPECT_INSTALLED")
    if expected:
        import softmaxreg

        location = Path(softmaxreg.__file__).resolve()
        if not location.is_relative_to(Path(expected).resolve()):
            raise pytest.UsageError(f"softmaxreg imported from {location}, not from {expected}")


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """One BLAS thread for the whole session (see the note at the top: BLAS may be loaded
    before the environment variable above is read)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


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


@pytest.fixture(scope="session")
def reuters_sklearn_optimum(reuters):
    """(alpha, objective) of scikit-learn's LogisticRegression(C=1, tol=1e-7) on Reuters R52."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from softmaxreg import objective_value

    X, _, y, _ = reuters
    alpha = 1.0 / X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=1.0, tol=1e-7, max_iter=5000).fit(X, y)
    return alpha, objective_value(model.coef_, model.intercept_, X, y, alpha=alpha)
