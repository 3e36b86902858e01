"""Stub of ``_sgd_avx2``: the source of ``_sgd`` built with AVX2 + FMA, so its names."""

from .sgd import *
from .sgd import _weight_sums_parts as _weight_sums_parts
