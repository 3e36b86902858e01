# cython: language_level=3
"""Threads of the class-split kernels (SAG/SAGA, SGD): the row-by-row score hand-off.

A thread publishes its part's scores of a row by storing the row's sequence number in
its flag (release) and waits until every other part's flag has reached it (acquire),
spinning, then yielding its core. Flags sit a cache line apart, and the kernels give
each thread's buffers whole cache lines (``lines``), so that no two threads write to
one line in the loops.
"""

from libc.stdlib cimport calloc, free


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
    static inline int softmaxreg_thread_number(void) { return omp_get_thread_num(); }
    #else
    #define SOFTMAXREG_THREADS 0
    static inline void softmaxreg_publish(long long *flag, long long v) { *flag = v; }
    static inline void softmaxreg_wait(long long *flag, long long v) { (void)flag; (void)v; }
    static inline int softmaxreg_team_size(void) { return 1; }
    static inline int softmaxreg_thread_number(void) { return 0; }
    #endif
    """
    int HANDOFF_THREADS "SOFTMAXREG_THREADS"
    void publish "softmaxreg_publish"(long long* flag, long long v) noexcept nogil
    void wait_for "softmaxreg_wait"(long long* flag, long long v) noexcept nogil
    int team_size "softmaxreg_team_size"() noexcept nogil
    int thread_number "softmaxreg_thread_number"() noexcept nogil



# Flags of the row hand-off sit a cache line apart (8 long longs).
cdef enum:
    FLAG_STRIDE = 8


cdef inline Py_ssize_t lines(Py_ssize_t n_doubles) noexcept nogil:
    """n_doubles rounded up to whole 64-byte cache lines (8 doubles)."""
    return (n_doubles + 7) // 8 * 8


# What a thread of a team does (``team_role``)
cdef enum:
    ALL_PARTS = -1  # run every part, one after the other (thread 0 of a short team)
    NO_PART = -2    # nothing (the other threads of a short team)


cdef inline Py_ssize_t team_role(Py_ssize_t n_parts) noexcept nogil:
    """Inside a parallel block: the part this thread runs (its thread number, on a team
    of at least ``n_parts`` threads), ``ALL_PARTS`` or ``NO_PART`` (OpenMP gave fewer
    threads, or the build has no threads: thread 0 runs every part in turn, the same
    arithmetic)."""
    cdef Py_ssize_t tid = thread_number()
    if team_size() >= n_parts:
        return tid if tid < n_parts else NO_PART
    return ALL_PARTS if tid == 0 else NO_PART


cdef inline void* line_aligned(void* p) noexcept nogil:
    """p rounded up to a 64-byte cache-line boundary (allocate 64 bytes more)."""
    return <void*> ((<size_t> p + 63) & ~(<size_t> 63))


cdef struct Handoff:
    # The flags and per-thread statuses of one kernel call (``handoff_new``)
    long long* allocation
    long long* flags      # FLAG_STRIDE apart, on a cache line of their own
    int* statuses         # one per part


cdef inline int handoff_new(Handoff* h, Py_ssize_t n_parts) noexcept nogil:
    """Zeroed flags and statuses for ``n_parts`` parts; -1 when out of memory."""
    h.allocation = <long long*> calloc((n_parts + 1) * FLAG_STRIDE, sizeof(long long))
    h.statuses = <int*> calloc(n_parts, sizeof(int))
    if h.allocation == NULL or h.statuses == NULL:
        handoff_free(h)
        return -1
    h.flags = <long long*> line_aligned(h.allocation)
    return 0


cdef inline void handoff_free(Handoff* h) noexcept nogil:
    free(h.allocation)
    free(h.statuses)
    h.allocation = NULL
    h.statuses = NULL


cdef inline int handoff_status(const Handoff* h, Py_ssize_t n_parts) noexcept nogil:
    """The first nonzero status of the threads (0 if none)."""
    cdef Py_ssize_t q
    for q in range(n_parts):
        if h.statuses[q] != 0:
            return h.statuses[q]
    return 0
