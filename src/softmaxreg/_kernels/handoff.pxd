# cython: language_level=3
"""Threads of the class-split kernels (SAG/SAGA, SGD): the row-by-row score hand-off.

Each part's scores of a row travel on cache lines of their own: a line holds seven
scores and the row's sequence number. A thread writes its part's lines (the scores,
then the number, with release) and reads the other parts' lines when their numbers have
reached the row (acquire). A waiting thread spins a few tens of microseconds, then
blocks (a futex on Linux): a partner that late has lost its core to another process,
and spinning would burn the core it needs. The number sitting on the line with the
scores makes a hand-off one cache-line transfer per line, where a separate flag cost
two (the flag's line, then the scores'). Two sets of lines, by row parity,
suffice: a thread is at most one row ahead of another. The kernels give each thread's
other buffers whole cache lines (``lines``), so that no two threads write to one line in
the loops.
"""

from libc.stdlib cimport calloc, free


cdef extern from *:
    """
    /* Row-by-row hand-off between the threads of a class-split SAG/SGD epoch (see the
       module docstring). Only GCC/clang builds with OpenMP run parts on several threads;
       elsewhere the kernel runs them all on one thread (the team has one member) and
       the lines are never used. */
    typedef struct { double v[7]; long long seq; } softmaxreg_line;  /* one cache line */
    #if (defined(__GNUC__) || defined(__clang__)) && defined(_OPENMP)
    #include <omp.h>
    #include <sched.h>
    #define SOFTMAXREG_THREADS 1
    /* A waiting thread spins this many times (a few tens of microseconds, several rows'
       work) before it blocks: a partner that is that late has lost its core, and the
       spinning thread would burn the core it needs. */
    #define SOFTMAXREG_SPINS 1024
    #if defined(__linux__)
    #include <linux/futex.h>
    #include <sys/syscall.h>
    #include <time.h>
    #include <unistd.h>
    /* Blocking on Linux: the waiter sleeps on the futex of the low half of the line's
       sequence number (little-endian: its first four bytes; big-endian: the last four),
       the poster wakes it when ``sleepers`` says someone may sleep. Both sides order
       their store before their load with a full fence, so one of them sees the other;
       the sleep has a 1 ms timeout, so even a missed wake-up only delays. */
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define SOFTMAXREG_SEQ_LOW(line) ((int *)&(line)->seq + 1)
    #else
    #define SOFTMAXREG_SEQ_LOW(line) ((int *)&(line)->seq)
    #endif
    static int softmaxreg_sleepers = 0;  /* threads blocked (or about to block), any call */
    static inline void softmaxreg_wake(softmaxreg_line *line, Py_ssize_t n_lines) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&softmaxreg_sleepers, __ATOMIC_RELAXED) > 0)
            for (; n_lines > 0; n_lines--, line++)
                syscall(SYS_futex, SOFTMAXREG_SEQ_LOW(line), FUTEX_WAKE_PRIVATE, 0x7fffffff,
                        NULL, NULL, 0);
    }
    static inline void softmaxreg_block(const softmaxreg_line *line, long long seq) {
        struct timespec timeout = {0, 1000000};
        long long now;
        __atomic_add_fetch(&softmaxreg_sleepers, 1, __ATOMIC_SEQ_CST);
        now = __atomic_load_n(&line->seq, __ATOMIC_SEQ_CST);
        if (now < seq)
            syscall(SYS_futex, SOFTMAXREG_SEQ_LOW(line), FUTEX_WAIT_PRIVATE, (int)now,
                    &timeout, NULL, 0);
        __atomic_sub_fetch(&softmaxreg_sleepers, 1, __ATOMIC_SEQ_CST);
    }
    #else
    static inline void softmaxreg_wake(softmaxreg_line *line, Py_ssize_t n_lines) {
        (void)line; (void)n_lines;
    }
    static inline void softmaxreg_block(const softmaxreg_line *line, long long seq) {
        (void)line; (void)seq;
        sched_yield();
    }
    #endif
    static inline void softmaxreg_post(softmaxreg_line *line, const double *src,
                                       Py_ssize_t n, long long seq) {
        Py_ssize_t k, n_lines = (n + 6) / 7;
        softmaxreg_line *first = line;
        for (; n > 0; n -= 7, src += 7, line++) {
            for (k = 0; k < (n < 7 ? n : 7); k++) line->v[k] = src[k];
            __atomic_store_n(&line->seq, seq, __ATOMIC_RELEASE);
        }
        softmaxreg_wake(first, n_lines);
    }
    static inline void softmaxreg_collect(const softmaxreg_line *line, double *dst,
                                          Py_ssize_t n, long long seq) {
        Py_ssize_t k;
        int spins = 0;
        for (; n > 0; n -= 7, dst += 7, line++) {
            while (__atomic_load_n(&line->seq, __ATOMIC_ACQUIRE) < seq) {
                if (++spins < SOFTMAXREG_SPINS) {
    #if defined(__x86_64__) || defined(__i386__)
                    __builtin_ia32_pause();
    #endif
                } else {
                    softmaxreg_block(line, seq);  /* the other thread lost its core */
                    spins = 0;
                }
            }
            for (k = 0; k < (n < 7 ? n : 7); k++) dst[k] = line->v[k];
        }
    }
    static inline int softmaxreg_team_size(void) { return omp_get_num_threads(); }
    static inline int softmaxreg_thread_number(void) { return omp_get_thread_num(); }
    #else
    #define SOFTMAXREG_THREADS 0
    static inline void softmaxreg_post(softmaxreg_line *line, const double *src,
                                       Py_ssize_t n, long long seq) {
        (void)line; (void)src; (void)n; (void)seq;
    }
    static inline void softmaxreg_collect(const softmaxreg_line *line, double *dst,
                                          Py_ssize_t n, long long seq) {
        (void)line; (void)dst; (void)n; (void)seq;
    }
    static inline int softmaxreg_team_size(void) { return 1; }
    static inline int softmaxreg_thread_number(void) { return 0; }
    #endif
    """
    ctypedef struct ScoreLine "softmaxreg_line":
        pass
    int HANDOFF_THREADS "SOFTMAXREG_THREADS"
    void post_scores "softmaxreg_post"(
        ScoreLine* line, const double* src, Py_ssize_t n, long long seq) noexcept nogil
    void collect_scores "softmaxreg_collect"(
        const ScoreLine* line, double* dst, Py_ssize_t n, long long seq) noexcept nogil
    int team_size "softmaxreg_team_size"() noexcept nogil
    int thread_number "softmaxreg_thread_number"() noexcept nogil


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
    # The score lines and per-thread statuses of one kernel call (``handoff_new``)
    void* allocation
    ScoreLine* lines        # 2 sets (row parity) of line_start[n_parts] lines
    Py_ssize_t* line_start  # (n_parts + 1): part q's first line within a set
    Py_ssize_t* k_off       # (n_parts,): part q's first class and its number of classes
    Py_ssize_t* k_len
    Py_ssize_t n_parts
    int* statuses          # one per part


cdef inline void handoff_free(Handoff* h) noexcept nogil:
    free(h.allocation)
    free(h.line_start)
    free(h.statuses)
    h.allocation = NULL
    h.line_start = NULL
    h.statuses = NULL


cdef inline int handoff_new(
    Handoff* h, Py_ssize_t n_parts, const Py_ssize_t* k_len,
) noexcept nogil:
    """Zeroed score lines and statuses for ``n_parts`` parts of ``k_len[q]`` classes (in
    class order); -1 when out of memory."""
    cdef Py_ssize_t q, n_lines = 0
    h.lines = NULL
    h.n_parts = n_parts
    h.line_start = <Py_ssize_t*> calloc(3 * n_parts + 1, sizeof(Py_ssize_t))
    h.statuses = <int*> calloc(n_parts, sizeof(int))
    h.allocation = NULL
    if h.line_start == NULL or h.statuses == NULL:
        handoff_free(h)
        return -1
    h.k_off = h.line_start + n_parts + 1
    h.k_len = h.k_off + n_parts
    for q in range(n_parts):
        h.line_start[q] = n_lines
        h.k_off[q] = 0 if q == 0 else h.k_off[q - 1] + k_len[q - 1]
        h.k_len[q] = k_len[q]
        n_lines += (k_len[q] + 6) // 7
    h.line_start[n_parts] = n_lines
    h.allocation = calloc(2 * n_lines * sizeof(ScoreLine) + 64, 1)
    if h.allocation == NULL:
        handoff_free(h)
        return -1
    h.lines = <ScoreLine*> line_aligned(h.allocation)
    return 0


cdef inline void exchange_scores(
    const Handoff* h, double* scores, Py_ssize_t me, long long seq,
) noexcept nogil:
    """Hand part ``me``'s scores of row ``seq`` (``scores[k_off[me]:][:k_len[me]]``) to
    the other threads and wait for theirs, which land in their slots of ``scores``."""
    cdef Py_ssize_t q
    cdef ScoreLine* lines = h.lines + (seq & 1) * h.line_start[h.n_parts]
    post_scores(lines + h.line_start[me], scores + h.k_off[me], h.k_len[me], seq)
    for q in range(h.n_parts):
        if q != me:
            collect_scores(lines + h.line_start[q], scores + h.k_off[q], h.k_len[q], seq)


cdef inline int handoff_status(const Handoff* h, Py_ssize_t n_parts) noexcept nogil:
    """The first nonzero status of the threads (0 if none)."""
    cdef Py_ssize_t q
    for q in range(n_parts):
        if h.statuses[q] != 0:
            return h.statuses[q]
    return 0
