"""softmax, log_softmax, logsumexp against scipy.special, including extreme logits."""

import warnings

import numpy as np
import pytest
import scipy.special

from softmaxreg import log_softmax, logsumexp, softmax

CASES = {
    "random": lambda rng: rng.standard_normal((50, 7)) * 3,
    "huge": lambda rng: rng.choice([-1e4, 1e4], size=(20, 5)) + rng.standard_normal((20, 5)),
    "mixed_rows": lambda rng: np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, 1e4]]),
    "constant_rows": lambda rng: np.full((4, 6), 3.5),
    "very_negative": lambda rng: np.full((3, 4), -1e4) + np.arange(4),
    "one_column": lambda rng: rng.standard_normal((5, 1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_against_scipy(case, dtype):
    Z = CASES[case](np.random.default_rng(0)).astype(dtype)
    Z_ref = Z.astype(np.float64)
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / invalid warnings
        p, lp, lse = softmax(Z), log_softmax(Z), logsumexp(Z)
    assert p.dtype == lp.dtype == lse.dtype == dtype
    assert p.shape == lp.shape == Z.shape and lse.shape == (Z.shape[0],)
    np.testing.assert_allclose(p, scipy.special.softmax(Z_ref, axis=1), rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(lp, scipy.special.log_softmax(Z_ref, axis=1), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(lse, scipy.special.logsumexp(Z_ref, axis=1), rtol=rtol)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=rtol)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp))


def test_exact_values_for_extremes():
    Z = np.array([[1e4, -1e4], [0.0, 0.0], [1e4, 1e4 - np.log(3.0)]])
    np.testing.assert_array_equal(softmax(Z)[0], [1.0, 0.0])
    np.testing.assert_array_equal(softmax(Z)[1], [0.5, 0.5])
    np.testing.assert_allclose(softmax(Z)[2], [0.75, 0.25], rtol=1e-12)
    np.testing.assert_allclose(log_softmax(Z)[0], [0.0, -2e4])
    np.testing.assert_allclose(logsumexp(Z)[1], np.log(2.0))


def test_non_contiguous_and_integer_input_not_modified():
    Z = np.arange(24, dtype=np.float64).reshape(4, 6)[:, ::2]
    before = Z.copy()
    np.testing.assert_allclose(softmax(Z), scipy.special.softmax(before, axis=1))
    np.testing.assert_array_equal(Z, before)
    Zi = np.array([[1, 2], [3, 4]])
    assert softmax(Zi).dtype == np.float64
    np.testing.assert_allclose(logsumexp(Zi), scipy.special.logsumexp(Zi, axis=1))


@pytest.mark.parametrize(
    "Z, error, match",
    [
        (np.zeros(3), ValueError, "2-D"),
        (np.zeros((2, 2, 2)), ValueError, "2-D"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN or infinity"),
        (np.array([[1.0, np.inf]]), ValueError, "NaN or infinity"),
        (np.array([["a", "b"]]), TypeError, "real numbers"),
        (np.array([[1 + 1j, 0]]), TypeError, "real numbers"),
    ],
)
@pytest.mark.parametrize("func", [softmax, log_softmax, logsumexp])
def test_invalid_input(func, Z, error, match):
    with pytest.raises(error, match=match):
        func(Z)
