"""Stub of ``_sag_avx2``: the source of ``_sag`` built with AVX2 + FMA, so its names."""

from .sag import *
from .sag import _finish_epoch as _finish_epoch
