"""Which build of the epoch kernels runs: baseline, or AVX2 + FMA where the CPU has it.

On x86-64, ``_sgd`` and ``_sag`` are also compiled with ``-mavx2 -mfma`` (``_sgd_avx2``,
``_sag_avx2``; see their headers). The solvers take their kernel module from here.
Both builds run the same source, so they give the same model up to rounding (FMA rounds
once where the baseline rounds twice).

The environment variable ``SOFTMAXREG_SIMD=baseline`` forces the baseline build (to
compare the two, or to rule the AVX2 build out when chasing a problem); ``avx2`` asks for
the AVX2 build and raises ImportError when this CPU or build cannot give it.
"""

import importlib
import os

from . import cpu as _cpu
from . import sag as _sag
from . import sgd as _sgd

_CHOICES = ("", "auto", "baseline", "avx2")


def _avx2_module(name):
    """The AVX2 build of kernel module ``name``, or None when this install has none."""
    try:
        return importlib.import_module(f"softmaxreg._kernels.{name.lstrip('_')}_avx2")
    except ImportError:
        return None


def select(name, baseline, choice=None):
    """The kernel module to run for ``name`` ("_sgd" or "_sag").

    Parameters
    ----------
    name : str
    baseline : module
        The baseline build.
    choice : str, optional
        "baseline", "avx2", or "auto"/"" (the AVX2 build when the CPU has AVX2 and FMA
        and it was built); default from ``SOFTMAXREG_SIMD``.
    """
    if choice is None:
        choice = os.environ.get("SOFTMAXREG_SIMD", "").strip().lower()
    if choice not in _CHOICES:
        raise ValueError(f"SOFTMAXREG_SIMD={choice!r} is not one of 'auto', 'baseline', 'avx2'.")
    if choice == "baseline":
        return baseline
    fast = _avx2_module(name) if _cpu.has_avx2_fma() else None
    if fast is None and choice == "avx2":
        raise ImportError(
            f"SOFTMAXREG_SIMD=avx2: no AVX2 build of softmaxreg._kernels.{name.lstrip('_')} "
            "can run here "
            f"(CPU has AVX2+FMA: {_cpu.has_avx2_fma()}; the AVX2 builds exist on x86-64 only)."
        )
    return fast if fast is not None else baseline


sgd = select("sgd", _sgd)
sag = select("sag", _sag)
