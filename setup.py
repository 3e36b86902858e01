"""Build the Cython extensions of softmaxreg.

All metadata lives in pyproject.toml; this file only declares the extensions.

Environment variables
---------------------
SOFTMAXREG_DEBUG=1
    Build with Cython's bounds and wraparound checks on (and without -O3), for
    a debug run of the kernel tests.
SOFTMAXREG_NO_OPENMP=1
    Build without OpenMP; the batch loss/gradient then runs on one thread.
SOFTMAXREG_NO_AVX2=1
    Skip the AVX2 + FMA builds of the epoch kernels (x86-64 only).

On x86-64 (GCC or clang) the epoch kernels ``_sgd`` and ``_sag`` are built a second
time with ``-mavx2 -mfma`` (``_sgd_avx2``, ``_sag_avx2``); ``softmaxreg._kernels.select``
picks the build the CPU can run.
"""

import os
import platform
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("SOFTMAXREG_DEBUG", "0") not in ("", "0")
OPENMP = os.environ.get("SOFTMAXREG_NO_OPENMP", "0") in ("", "0")

if sys.platform == "win32":
    compile_args = ["/O2"] + (["/openmp"] if OPENMP else [])
    link_args = []
elif sys.platform == "darwin":
    # Apple clang needs libomp from elsewhere; build single-threaded there
    # unless the user opts in with SOFTMAXREG_OPENMP_FLAGS.
    flags = os.environ.get("SOFTMAXREG_OPENMP_FLAGS", "").split()
    compile_args = ["-O3"] + (flags if OPENMP else [])
    link_args = flags if OPENMP else []
else:
    compile_args = ["-O3"] + (["-fopenmp"] if OPENMP else [])
    link_args = ["-fopenmp"] if OPENMP else []
if DEBUG:
    compile_args = [a for a in compile_args if a not in ("-O3", "/O2")] + (
        ["-O0", "-g"] if sys.platform != "win32" else []
    )

MODULES = ["softmax", "loss", "sgd", "sag", "scales", "predict", "cpu", "text_hash"]
# Second builds of the epoch kernels for x86-64 CPUs with AVX2 and FMA (see _kernels/select.py).
X86_64 = platform.machine().lower() in ("x86_64", "amd64") and sys.platform != "win32"
if X86_64 and os.environ.get("SOFTMAXREG_NO_AVX2", "0") in ("", "0"):
    SIMD_MODULES = [("sgd_avx2", ["-mavx2", "-mfma"]), ("sag_avx2", ["-mavx2", "-mfma"])]
else:
    SIMD_MODULES = []

extensions = [
    Extension(
        f"softmaxreg._kernels.{name}",
        [f"src/softmaxreg/_kernels/{name}.pyx"],
        extra_compile_args=compile_args + extra,
        extra_link_args=link_args,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for name, extra in [(name, []) for name in MODULES] + SIMD_MODULES
]


class ParallelBuildExt(build_ext):
    """build_ext compiling the extensions in parallel unless ``-j`` says otherwise.

    ``pip install`` and ``python -m build`` give no way to pass ``-j``; the
    extensions are independent, so this halves a two-core build.
    """

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = min(len(extensions), os.cpu_count() or 1)


setup(
    cmdclass={"build_ext": ParallelBuildExt},
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": 3,
            "boundscheck": DEBUG,
            "wraparound": DEBUG,
            "initializedcheck": DEBUG,
            "cdivision": True,
        },
    ),
)
