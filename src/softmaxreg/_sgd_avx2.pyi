"""Stub of ``_sgd_avx2``: the source of ``_sgd`` built with AVX2 + FMA, so its names."""

from ._sgd import *
from ._sgd import _weight_sums_parts as _weight_sums_parts
