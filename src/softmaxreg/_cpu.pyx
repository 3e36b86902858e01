# cython: language_level=3
"""CPU features the kernel builds depend on, read at run time.

The epoch kernels (``_sgd``, ``_sag``) are compiled twice on x86-64: for the wheel's
baseline instruction set (SSE2) and with AVX2 + FMA (``_sgd_avx2``, ``_sag_avx2``).
``softmaxreg._kernels`` asks this module which one the CPU can run. GCC and clang's
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
