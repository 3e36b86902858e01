"""Stub of ``_sag_avx2``: the source of ``_sag`` built with AVX2 + FMA, so its names."""

from ._sag import *
from ._sag import _finish_epoch as _finish_epoch
