"""Fitting never copies X, and a SAG fit stays within issue 4's memory bound.

``tracemalloc`` sees every NumPy allocation, so a copy of X (or of its ``data`` or
``indices``) during ``fit`` would show in the peak; the kernels' own arrays are caught on
their way in (the kernel modules are wrapped) and must share memory with X.
"""

import tracemalloc
import types
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from softmaxreg import SoftmaxRegression, make_text_classification

SOLVERS = ["lbfgs", "sag", "saga", "sgd", "auto"]


@pytest.fixture(scope="module")
def tall_csr():
    """A CSR problem whose X (about 2M nonzeros) dwarfs the model (3 classes x 2000).

    The model must be small: L-BFGS keeps about 25 model-sized vectors of history.
    """
    X, y = make_text_classification(30_000, 2_000, 3, tokens_per_row=100, random_state=0)
    return X, y


def _x_bytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def _peak_during(fit):
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short fits do not converge
            fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Recorder(types.ModuleType):
    """A stand-in for a kernel module that records the arrays passed to its functions."""

    def __init__(self, module, seen):
        super().__init__(module.__name__)
        self._module, self._seen = module, seen

    def __getattr__(self, name):
        attr = getattr(self._module, name)
        if not callable(attr) or isinstance(attr, type):
            return attr

        def call(*args, **kwargs):
            self._seen.extend(a for a in args if isinstance(a, np.ndarray))
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def kernel_arrays(monkeypatch):
    """The list of ndarrays that reach the loss, SGD and SAG kernels during the test."""
    import softmaxreg._objective as objective
    import softmaxreg._solvers.sag as sag_solver
    import softmaxreg._solvers.sgd as sgd_solver

    seen = []
    monkeypatch.setattr(objective, "_loss", _Recorder(objective._loss, seen))
    monkeypatch.setattr(sgd_solver, "_sgd", _Recorder(sgd_solver._sgd, seen))
    monkeypatch.setattr(sag_solver, "_sag_steps", _Recorder(sag_solver._sag, seen).sag_steps)
    return seen


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_fit_does_not_copy_csr(tall_csr, kernel_arrays, solver, dtype, index_dtype):
    X0, y = tall_csr
    X = sp.csr_matrix(
        (X0.data.astype(dtype), X0.indices.astype(index_dtype), X0.indptr.astype(index_dtype)),
        shape=X0.shape,
    )
    model = SoftmaxRegression(solver=solver, alpha=1e-4, max_iter=2, random_state=0)
    peak = _peak_during(lambda: model.fit(X, y))
    # a copy of X.data or X.indices alone is >= 1/3 of X; the fit's own arrays (model,
    # gradient memory n x K, row order, the scale check's chunks) stay far below
    x_mb, peak_mb = _x_bytes(X) / 2**20, peak / 2**20
    assert peak < 0.25 * _x_bytes(X), f"peak {peak_mb:.1f} MB vs X {x_mb:.1f} MB"
    assert model.coef_.dtype == dtype
    assert any(np.shares_memory(a, X.data) for a in kernel_arrays)
    assert any(np.shares_memory(a, X.indices) for a in kernel_arrays)
    assert not any(
        a is not X.data
        and a.shape == X.data.shape
        and a.dtype == X.data.dtype
        and not np.shares_memory(a, X.data)
        for a in kernel_arrays
    )


@pytest.mark.parametrize("solver", ["lbfgs", "sag"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_does_not_copy_dense(kernel_arrays, solver, dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50_000, 100)).astype(dtype)
    y = rng.integers(3, size=X.shape[0])
    model = SoftmaxRegression(solver=solver, alpha=1e-4, max_iter=2, random_state=0)
    peak = _peak_during(lambda: model.fit(X, y))
    assert peak < 0.25 * X.nbytes
    assert any(np.shares_memory(a, X) for a in kernel_arrays)


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sag_peak_memory_within_bound(solver):
    """Peak of a SAG fit <= size of X + n_samples * K * 8 + 4 x model + 20 MB (issue 4).

    X exists before the fit, so the fit's own peak must stay below the other terms. The
    model (200k features x 20 classes, 30 MB) dominates, so the 20 MB do not hide an
    extra model-sized array (measured: 3.1 models plus the gradient memory).
    """
    X, y = make_text_classification(5_000, 200_000, 20, tokens_per_row=60, random_state=0)
    n, d = X.shape
    K = 20
    model_bytes = (d + 1) * K * 8
    bound = n * K * 8 + 4 * model_bytes + 20 * 2**20
    est = SoftmaxRegression(solver=solver, alpha=1.0 / n, max_iter=2, random_state=0)
    peak = _peak_during(lambda: est.fit(X, y))
    assert peak <= bound, f"peak {peak / 2**20:.1f} MB > bound {bound / 2**20:.1f} MB"
