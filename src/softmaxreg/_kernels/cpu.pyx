# cython: language_level=3
"""What this machine and process offer the kernels, read at run time: CPU features and
the OpenMP thread budget.

The epoch kernels (``_sgd``, ``_sag``) are compiled twice on x86-64: for the wheel's
baseline instruction set (SSE2) and with AVX2 + FMA (``_sgd_avx2``, ``_sag_avx2``).
``softmaxreg._kernels.select`` asks this module which one the CPU can run. GCC and clang's
``__builtin_cpu_supports`` also checks that the OS saves the AVX registers.
"""

cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    static int softmaxreg_has_avx2_fma(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    #else
    static int softmaxreg_has_avx2_fma(void) { return 0; }
    #endif
    """
    int _has_avx2_fma "softmaxreg_has_avx2_fma"() noexcept nogil


def has_avx2_fma():
    """True when this CPU (and OS) can run code compiled with ``-mavx2 -mfma``."""
    return bool(_has_avx2_fma())


cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int softmaxreg_omp_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int softmaxreg_omp_max_threads(void) { return 1; }
    #endif
    """
    int _omp_max_threads "softmaxreg_omp_max_threads"() noexcept nogil


def openmp_max_threads():
    """The OpenMP runtime's thread budget for a parallel region started from this thread.

    It reflects ``OMP_NUM_THREADS`` (which loky sets in joblib's worker processes) and
    threadpoolctl's ``threadpool_limits(..., user_api="openmp")``; 1 for a build without
    OpenMP.
    """
    return int(_omp_max_threads())
