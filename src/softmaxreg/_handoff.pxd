# cython: language_level=3
"""Threads of the class-split kernels (SAG/SAGA, SGD): the row-by-row score hand-off.

A thread publishes its part's scores of a row by storing the row's sequence number in
its flag (release) and waits until every other part's flag has reached it (acquire),
spinning, then yielding its core. Flags sit a cache line apart, and the kernels give
each thread's buffers whole cache lines (``lines``), so that no two threads write to
one line in the loops.
"""

cdef extern from *:
    """
    /* Row-by-row hand-off between the threads of a class-split SAG/SGD epoch (see the
       design note): a thread publishes its scores of a row by storing the row's sequence
       number (release) and waits until every other part has done so (acquire). Only
       GCC/clang builds with OpenMP run parts on several threads; elsewhere the kernel
       runs them all on one thread (the team has one member) and these are no-ops. */
    #if (defined(__GNUC__) || defined(__clang__)) && defined(_OPENMP)
    #include <omp.h>
    #include <sched.h>
    #define SOFTMAXREG_THREADS 1
    static inline void softmaxreg_publish(long long *flag, long long v) {
        __atomic_store_n(flag, v, __ATOMIC_RELEASE);
    }
    static inline void softmaxreg_wait(long long *flag, long long v) {
        int spins = 0;
        while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < v) {
            if (++spins < 4096) {
    #if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
    #endif
            } else {
                sched_yield();  /* the other thread lost its core: let it run */
                spins = 0;
            }
        }
    }
    static inline int softmaxreg_team_size(void) { return omp_get_num_threads(); }
    #else
    #define SOFTMAXREG_THREADS 0
    static inline void softmaxreg_publish(long long *flag, long long v) { *flag = v; }
    static inline void softmaxreg_wait(long long *flag, long long v) { (void)flag; (void)v; }
    static inline int softmaxreg_team_size(void) { return 1; }
    #endif
    """
    int HANDOFF_THREADS "SOFTMAXREG_THREADS"
    void publish "softmaxreg_publish"(long long* flag, long long v) noexcept nogil
    void wait_for "softmaxreg_wait"(long long* flag, long long v) noexcept nogil
    int team_size "softmaxreg_team_size"() noexcept nogil



# Flags of the row hand-off sit a cache line apart (8 long longs).
cdef enum:
    FLAG_STRIDE = 8


cdef inline Py_ssize_t lines(Py_ssize_t n_doubles) noexcept nogil:
    """n_doubles rounded up to whole 64-byte cache lines (8 doubles)."""
    return (n_doubles + 7) // 8 * 8
