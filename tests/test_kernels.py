"""The kernel builds: ``softmaxreg._kernels.select`` picks the baseline or the AVX2 + FMA build of
the SGD and SAG epoch kernels; both run the same source and must give the same model.

On an AVX2 machine the rest of the suite runs the AVX2 build only, so the baseline
build (what a CPU without AVX2 runs) is checked here against it, fit for fit.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmaxreg import SoftmaxRegression, make_text_classification
from softmaxreg._kernels import cpu as _cpu
from softmaxreg._kernels import sag as _sag
from softmaxreg._kernels import select as _kernels
from softmaxreg._kernels import sgd as _sgd
from softmaxreg._solvers import sag as _sag_solver
from softmaxreg._solvers import sgd as _sgd_solver


def test_select_choices(monkeypatch):
    assert _kernels.select("_sag", _sag, "baseline") is _sag
    assert _kernels.select("_sgd", _sgd, "baseline") is _sgd
    with pytest.raises(ValueError, match="SOFTMAXREG_SIMD='sse9'"):
        _kernels.select("_sag", _sag, "sse9")
    monkeypatch.setenv("SOFTMAXREG_SIMD", "baseline")
    assert _kernels.select("_sgd", _sgd) is _sgd
    if _cpu.has_avx2_fma() and _kernels._avx2_module("_sag") is not None:
        assert _kernels.select("_sag", _sag, "avx2").__name__ == "softmaxreg._kernels.sag_avx2"
        assert _kernels.select("_sag", _sag, "auto").__name__ == "softmaxreg._kernels.sag_avx2"
    else:
        with pytest.raises(ImportError, match="no AVX2 build"):
            _kernels.select("_sag", _sag, "avx2")


def _use_kernels(monkeypatch, sag_module, sgd_module):
    monkeypatch.setattr(_sag_solver, "_sag", sag_module)
    monkeypatch.setattr(_sag_solver, "_sag_steps", sag_module.sag_steps)
    monkeypatch.setattr(_sgd_solver, "_sgd", sgd_module)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "solver, l1_ratio, n_classes",
    [
        ("sag", 0.0, 7),
        ("sag", 0.0, 2),
        ("saga", 0.5, 5),
        ("sgd", 0.0, 6),
        ("sgd", 0.3, 3),
    ],
)
def test_baseline_build_equals_selected_build(monkeypatch, dtype, solver, l1_ratio, n_classes):
    if _kernels.sag is _sag and _kernels.sgd is _sgd:
        pytest.skip("this machine runs the baseline build: nothing to compare it with")
    X, y = make_text_classification(400, 300, n_classes, random_state=3)
    X = sp.csr_matrix(X, dtype=dtype)
    params = dict(alpha=1e-3, l1_ratio=l1_ratio, solver=solver, tol=0.0, max_iter=4, random_state=0)
    models = []
    for sag_module, sgd_module in [(_kernels.sag, _kernels.sgd), (_sag, _sgd)]:
        _use_kernels(monkeypatch, sag_module, sgd_module)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            models.append(SoftmaxRegression(**params).fit(X, y))
    fast, baseline = models
    # FMA rounds once where the baseline rounds twice: equal to rounding, not bit for bit
    rtol = 1e-10 if dtype == np.float64 else 2e-4
    scale = np.abs(baseline.coef_).max()
    np.testing.assert_allclose(fast.coef_, baseline.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(
        fast.intercept_,
        baseline.intercept_,
        rtol=0,
        atol=rtol * max(1.0, np.abs(baseline.intercept_).max()),
    )
