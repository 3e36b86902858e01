# cython: language_level=3, cdivision=True
"""SAG and SAGA epochs for softmax / sigmoid regression, with just-in-time sparse updates.

Design
------
Objective, written as an average of n per-sample terms (``c_i = n * s_i / S``)::

    f(W, b) = (1/n) sum_i c_i * loss(x_i @ W + b, y_i) + l2/2 ||W||^2 + l1 ||W||_1

The gradient of sample i's loss term is ``outer(x_i, g_i)`` with ``g_i = c_i * r_i`` a
K-vector (``r = softmax(raw) - onehot(y)``, or ``expit(raw) - y`` for the binomial
model), so the gradient memory holds K numbers per sample (``memory``) and the sum of
the remembered gradients is ``G = X.T @ memory`` (``n_features`` x K) and
``G0 = memory.sum(0)`` for the intercept. One step on sample i (``n_t`` = number of
distinct samples seen so far, n once every sample has been visited)::

    delta = c_i * r_i(x_i @ W + b) - memory[i];  memory[i] += delta
    G += outer(x_i, delta);  G0 += delta
    SAG :  W = (1 - eta*l2) W - eta/n_t * G
    SAGA:  W = prox_{eta*l1}((1 - eta*l2) W - eta*(1 - 1/n_t) outer(x_i, delta) - eta/n_t * G)
    b -= eta * s_b * ((1 - 1/n_t) delta [SAGA only] + G0 / n_t)   (intercept: no penalty)

The intercept's steps are scaled by ``s_b`` in (0, 1] (``intercept_scale``), which is
SAG on the same objective with the intercept's constant feature valued ``sqrt(s_b)``
instead of 1: the optimum does not change, and on L2-normalised text rows, whose
nonzeros are ~0.1, a constant feature of 1 would dominate the step-size bound and the
intercept's steps (the caller picks ``s_b``, the mean square of X's nonzeros, clipped
to [0.01, 1]).

Lazy (just-in-time) updates. The weights are stored scaled, ``W = scale * V``, so the
L2 shrink is one multiply of ``scale``. Between two rows touching feature j, its row
``G[j]`` does not change, so the dense part of every step is, in units of V,
``V[j] = soft(V[j] - a_t G[j], b_t)`` with ``a_t = eta / (n_t scale_t)`` and
``b_t = eta*l1 / scale_t``. Their running sums ``A[t]``, ``B[t]`` (and ``R[t] = 1/n_t``)
are kept per step, and ``V[j]`` is caught up only when a row touches j, from its last
step p to the current one m. Without L1 that is exactly ``V[j] -= (A[m] - A[p]) G[j]``.
With L1 the m - p soft-threshold steps have an exact closed form per coordinate: along
the drift direction ``-sign(G)`` the coordinate first moves towards zero by
``a_t|G| + b_t`` per step while on the wrong side (the crossing step is found by a
binary search on A, B), then follows ``x = max(x + a_t|G| - b_t, 0)``; the drift
``a_t|G| - b_t`` changes sign at most once (R is non-increasing, and constant once every
sample has been seen), at a step found by a binary search on R, so each part is a closed
form too.
This gives exact zeros. Every feature is caught up and ``scale`` folded into V at the end
of each epoch (``finish_epoch``), and mid-epoch when ``scale`` < 1e-9 or after 2**24
steps. An epoch costs O(nnz * K) plus O(n_features * K) once.

Memory layout (PERFORMANCE.md: the epoch is bound by the latency of scattered feature
reads). Feature j's block in ``blocks`` is ``[V[j, :Kp], G[j, :Kp], last step, pad]``
(stride 2 Kp + 2, X's dtype), so one block holds all a nonzero touches. ``Kp`` is K
rounded up to a multiple of 4 (1 for the binomial model; padding slots stay 0), so the
class loops run in fixed chunks of four lanes the compiler unrolls. The blocks of the
next row's features are prefetched during the fused catch-up + score pass over the
current row (and the next sample's memory row, and the CSR slice two rows ahead). The
last-step slot is exact in float32 because segments are capped at 2**24 steps. Weights,
G and the memory are stored (and updated) in X's dtype; scores, residuals, A, B, R,
scale and the intercept are double.

Class parts and threads. The classes can be split into parts, class ranges in whole
chunks of 4 lanes, each with its own blocks, memory columns and intercepts (and its own
copy of the scalars every part shares: step count, scale, A/B/R, seen flags). A step's
work per part is independent but for the softmax, which needs every class's score: each
part computes its scores of the row, and the residual is computed from the whole vector
by the same code in every part's thread. With one part a thread (``n_threads ==
len(parts)``), a thread posts its scores on cache lines of its own, each carrying the
row's number (release), and reads the other parts' lines once their numbers reach the
row (acquire; spinning, then yielding the core; ``_handoff.pxd``). On one thread the
parts run one after the other. Each class's arithmetic is the same in both cases and
with a single part, so the model does not depend on the split or the thread count
(tested bit for bit). On 20newsgroups (K = 20:
parts of 12 and 8 classes) two threads ran an epoch's rows in 29 ms instead of 41 ms;
the per-row hand-off and the larger part bound the gain. Parts of 10 and 10 (a 2-lane
tail, blocks on whole cache lines: 3 lines a nonzero on each thread instead of 4 and 3)
measured no faster (BENCHMARKS.md, evening). The caller chooses the split
(``softmaxreg._parts``).

Step size (chosen by the caller, ``softmaxreg._sag_solver``): ``L = max_i c_i h
(||x_i||^2 + s_b) + l2`` bounds the Lipschitz constant of every per-sample
gradient, with ``h`` the largest eigenvalue of the loss Hessian in raw space: 1/4 for
the sigmoid (``p (1 - p)``) and 1/2 for softmax (``diag(p) - p p^T``, whose largest
eigenvalue is at most 1/2 for any p; 1/4 is not a bound for K >= 3, e.g. p =
(1/2, 1/2, 0) gives 1/2). SAG uses ``1/L`` (Schmidt, Le Roux and Bach's practical
choice), SAGA ``1/(2L + min(2 n l2, L))`` (between Defazio et al.'s ``1/(3L)`` and
``1/(2(n l2 + L))``), both capped at ``1/(2 l2)`` so that ``1 - eta l2 >= 1/2``.

Input contract (checked by ``softmaxreg._validation`` and the driver): finite data, CSR
structure consistent (dense X: ``indices``/``indptr`` empty, data raveled C-ordered),
labels in [0, K) (0/1 binomial), ``c_i >= 0``, ``order`` entries in [0, n_samples), all
arrays C-contiguous, ``eta * l2 < 1``. ``order`` may repeat rows (SAG samples with
replacement) and need not cover all of them. The kernels never raise on data: they
return a status (``STATUS_NONFINITE`` when a score became inf/NaN).
"""

from libc.math cimport copysign, exp, fabs, fmax, isfinite
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free
from cython.parallel cimport parallel

from ._handoff cimport (
    ALL_PARTS, HANDOFF_THREADS, NO_PART, Handoff, exchange_scores, handoff_free,
    handoff_new, handoff_status, line_aligned, lines, team_role,
)
from ._rowmath cimport floating, index_t, loss_residual, prefetch_block, row_view

STATUS_OK = 0
STATUS_NONFINITE = 1
# Segment length cap: the last-step index stored in a float32 block slot stays exact.
MAX_SEGMENT = 1 << 24
cdef double MIN_SCALE = 1e-9
# Up to this many classes the end-of-epoch statistics sum in a local array.
DEF MAX_LOCAL_STATS = 64


cdef inline Py_ssize_t _first_crossing(
    double x, double g, Py_ssize_t lo, Py_ssize_t hi, const double* A, const double* B,
) noexcept nogil:
    """Smallest k in (lo, hi] with x + g (A[k] - A[lo]) + (B[k] - B[lo]) >= 0 (exists)."""
    cdef Py_ssize_t left = lo + 1, right = hi, mid
    while left < right:
        mid = (left + right) // 2
        if x + g * (A[mid] - A[lo]) + (B[mid] - B[lo]) >= 0.0:
            right = mid
        else:
            left = mid + 1
    return left


cdef inline double _prox_run(
    double x, double g, Py_ssize_t lo, Py_ssize_t hi, const double* A, const double* B,
    bint outward,
) noexcept nogil:
    """Steps lo+1..hi of x <- soft(x + g a_t, b_t); x signed along the drift direction.

    ``outward``: the drift ``g a_t - b_t`` is >= 0 on every step (else < 0 on every step).
    """
    cdef Py_ssize_t k
    cdef double full
    if lo >= hi:
        return x
    if x < 0.0:
        # wrong side of zero: moves up by g a_t + b_t per step until the step that crosses
        full = x + g * (A[hi] - A[lo]) + (B[hi] - B[lo])
        if full < 0.0:
            return full
        if not outward:
            # the steps are monotone maps and from 0 an inward run stays at 0
            return 0.0
        k = _first_crossing(x, g, lo, hi, A, B)
        x = x + g * (A[k] - A[lo]) + (B[k - 1] - B[lo]) - (B[k] - B[k - 1])
        if x < 0.0:
            x = 0.0
        lo = k
    # x >= 0: x <- max(x + g a_t - b_t, 0) with increments of one sign
    x = x + g * (A[hi] - A[lo]) - (B[hi] - B[lo])
    return x if x > 0.0 else 0.0


cdef inline double _prox_catch_up(
    double v, double G, Py_ssize_t p, Py_ssize_t m,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Apply steps p+1..m of ``v <- soft(v - a_t G, b_t)`` exactly (see the design note)."""
    cdef double g = fabs(G), d
    cdef Py_ssize_t q, left, right, mid
    if G > 0.0:
        d = -1.0
    elif G < 0.0:
        d = 1.0
    else:
        d = 1.0 if v >= 0.0 else -1.0
    # steps p+1..q drift away from zero (g R[t] >= l1), steps q+1..m towards it
    if g * R[m] >= l1:
        q = m
    elif g * R[p + 1] < l1:
        q = p
    else:
        left = p + 2
        right = m
        while left < right:
            mid = (left + right) // 2
            if g * R[mid] < l1:
                right = mid
            else:
                left = mid + 1
        q = left - 1
    v = _prox_run(d * v, g, p, q, A, B, True)
    v = _prox_run(v, g, q, m, A, B, False)
    return d * v


cdef inline void _catch_up(
    floating* blk, Py_ssize_t K, Py_ssize_t m,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Bring a feature block's K weights from its last step to step m."""
    cdef Py_ssize_t p = <Py_ssize_t> blk[2 * K]
    cdef Py_ssize_t k
    cdef floating ca
    if p == m:
        return
    if l1 == 0.0:
        # V[j] -= (A[m] - A[p]) * G[j]
        ca = <floating> (A[m] - A[p])
        for k in range(K):
            blk[k] = blk[k] - ca * blk[K + k]
    else:
        _prox_catch_up_block(blk, K, p, m, A, B, R, l1)
    blk[2 * K] = <floating> m


cdef inline void _prox_catch_up_block(
    floating* blk, Py_ssize_t K, Py_ssize_t p, Py_ssize_t m,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Steps p+1..m of the L1 (proximal) update for a block's K weights.

    When 1/n_t is the same on all these steps (every epoch but the first), the result is
    ``soft(v - (A[m] - A[p]) G, B[m] - B[p])`` except when v starts on the side of zero
    it drifts away from and the drift wins (``|G|/n >= l1``) but v crosses zero on the
    way; that rare case, and the first epoch, take the general ``_prox_catch_up``.
    """
    cdef double sA = A[m] - A[p], sB = B[m] - B[p], Rm = R[m], v, G, g, u
    cdef bint single = R[p + 1] == Rm
    cdef int hard
    cdef Py_ssize_t k
    for k in range(K):
        v = blk[k]
        G = blk[K + k]
        g = fabs(G)
        hard = (v * G > 0.0) & (g * Rm >= l1) & (fabs(v) <= g * sA + sB)
        if single and not hard:
            u = v - sA * G
            blk[k] = <floating> copysign(fmax(fabs(u) - sB, 0.0), u)
        else:
            blk[k] = <floating> _prox_catch_up(v, G, p, m, A, B, R, l1)


cdef inline void _finish_block(
    floating* blk, Py_ssize_t K, Py_ssize_t t, double scale,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Catch one feature block up to step t, fold ``scale`` into V, reset its last step."""
    cdef Py_ssize_t k
    cdef floating fs = <floating> scale
    _catch_up(blk, K, t, A, B, R, l1)
    if scale != 1.0:
        for k in range(K):
            blk[k] = blk[k] * fs
    blk[2 * K] = 0


cdef void _finish_segment(
    floating* blocks, Py_ssize_t n_features, Py_ssize_t K, Py_ssize_t t, double scale,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Catch every feature up to step t, fold ``scale`` into V and reset the last steps."""
    cdef Py_ssize_t j
    cdef Py_ssize_t stride = 2 * K + 2
    for j in range(n_features):
        _finish_block(blocks + j * stride, K, t, scale, A, B, R, l1)


cdef inline void _add_weight_stats(
    const floating* w_row, floating* previous_row, Py_ssize_t K, double* acc,
) noexcept nogil:
    """Add one feature's K weights to the per-class statistics ``acc`` (4 K numbers).

    ``acc[:K]`` sums of squares, ``acc[K:2K]`` sums of |w|, ``acc[2K:3K]`` max |w| and
    ``acc[3K:]`` max |w - previous|; then previous = w. One running sum and maximum per
    class, so the class loop vectorises (a single sum would chain every add on the one
    before).
    """
    cdef Py_ssize_t k
    cdef double w, a, dw
    for k in range(K):
        w = w_row[k]
        a = fabs(w)
        dw = fabs(w - previous_row[k])
        acc[k] += w * w
        acc[K + k] += a
        acc[2 * K + k] = a if a > acc[2 * K + k] else acc[2 * K + k]
        acc[3 * K + k] = dw if dw > acc[3 * K + k] else acc[3 * K + k]
        previous_row[k] = w_row[k]


cdef inline void _catch_up_dot4(
    floating* v, const floating* g, floating ca, floating x, double* raw,
) noexcept nogil:
    """v[:4] -= ca * g[:4]; raw[:4] += x * v[:4] (four lanes written out)."""
    cdef floating w0 = v[0] - ca * g[0], w1 = v[1] - ca * g[1]
    cdef floating w2 = v[2] - ca * g[2], w3 = v[3] - ca * g[3]
    v[0] = w0
    v[1] = w1
    v[2] = w2
    v[3] = w3
    raw[0] += x * w0
    raw[1] += x * w1
    raw[2] += x * w2
    raw[3] += x * w3


cdef inline void _dot4(const floating* v, floating x, double* raw) noexcept nogil:
    """raw[:4] += x * v[:4]."""
    cdef floating w0 = v[0], w1 = v[1], w2 = v[2], w3 = v[3]
    raw[0] += x * w0
    raw[1] += x * w1
    raw[2] += x * w2
    raw[3] += x * w3


cdef inline void _update4(
    floating* v, floating* g, floating x, floating cx, const floating* d, bint saga,
) noexcept nogil:
    """g[:4] += x * d[:4]; for SAGA also v[:4] += cx * d[:4]."""
    cdef floating d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3]
    g[0] = g[0] + x * d0
    g[1] = g[1] + x * d1
    g[2] = g[2] + x * d2
    g[3] = g[3] + x * d3
    if saga:
        v[0] = v[0] + cx * d0
        v[1] = v[1] + cx * d1
        v[2] = v[2] + cx * d2
        v[3] = v[3] + cx * d3


THREADS_AVAILABLE = bool(HANDOFF_THREADS)


cdef struct SagPart:
    # One class range [k_off, k_off + K) of the model, with every array a step touches.
    void* blocks          # (n_features, 2 Kp + 2), X's dtype
    void* memory          # (n_samples, K), X's dtype
    double* intercept     # (K,)
    double* intercept_sum # (K,)
    double* raw           # (Kp,) scratch: the part's scores of the current row
    void* delta           # (Kp,) scratch, X's dtype
    # A copy of the state every part shares (identical in all parts between calls)
    unsigned char* seen
    double* A
    double* B
    double* R
    double* scale_io
    int64_t* counters_io
    double* loss_io
    Py_ssize_t k_off
    Py_ssize_t K
    Py_ssize_t Kp


cdef inline void _part_scores(
    const SagPart* part, const floating* values, const index_t* row_idx, Py_ssize_t nnz,
    const index_t* next_idx, Py_ssize_t next_nnz, Py_ssize_t t, double l1,
) noexcept nogil:
    """Pass 1, fused: catch the row's features up to step t and ``raw = x @ V`` (part's
    classes), prefetching the blocks of the next row's features (``next_idx``)."""
    cdef Py_ssize_t Kp = part.Kp
    cdef Py_ssize_t stride = 2 * Kp + 2
    cdef Py_ssize_t stride_bytes = stride * sizeof(floating)
    cdef floating* blocks = <floating*> part.blocks
    cdef double* raw = part.raw
    cdef const double* A = part.A
    cdef Py_ssize_t jj, j, k, k0, p
    cdef floating* blk
    cdef floating x, w, ca
    for k in range(Kp):
        raw[k] = 0.0
    for jj in range(nnz):
        if next_idx != NULL and jj < next_nnz:
            prefetch_block(blocks + next_idx[jj] * stride, stride_bytes)
        j = row_idx[jj] if row_idx != NULL else jj
        blk = blocks + j * stride
        p = <Py_ssize_t> blk[2 * Kp]
        x = values[jj]
        if p != t and l1 == 0.0:
            # V[j] -= (A[t] - A[p]) * G[j], then raw += x * V[j]
            ca = <floating> (A[t] - A[p])
            if Kp == 1:
                w = blk[0] - ca * blk[1]
                blk[0] = w
                raw[0] += x * w
            else:
                for k0 in range(0, Kp, 4):
                    _catch_up_dot4(blk + k0, blk + Kp + k0, ca, x, raw + k0)
            blk[2 * Kp] = <floating> t
        else:
            if p != t:
                _catch_up(blk, Kp, t, A, part.B, part.R, l1)
            if Kp == 1:
                raw[0] += x * blk[0]
            else:
                for k0 in range(0, Kp, 4):
                    _dot4(blk + k0, x, raw + k0)
    if next_idx != NULL:
        for jj in range(nnz, next_nnz):
            prefetch_block(blocks + next_idx[jj] * stride, stride_bytes)


cdef inline void _part_update(
    const SagPart* part, const floating* values, const index_t* row_idx, Py_ssize_t nnz,
    Py_ssize_t i, const double* residual, double corr, double step_b, double inv_n,
    bint saga,
) noexcept nogil:
    """The step's part after the scores: the memory row, pass 2 (``G[j] += x * delta``;
    SAGA also ``V[j] += corr * x * delta``) and the intercept, for the part's classes."""
    cdef Py_ssize_t Kp = part.Kp, K = part.K
    cdef Py_ssize_t stride = 2 * Kp + 2
    cdef floating* blocks = <floating*> part.blocks
    cdef floating* mem = (<floating*> part.memory) + i * K
    cdef floating* delta = <floating*> part.delta
    cdef double* intercept = part.intercept
    cdef double* intercept_sum = part.intercept_sum
    cdef Py_ssize_t jj, j, k, k0
    cdef floating* blk
    cdef floating x, fdelta, fcorr
    cdef double xd
    for k in range(K):
        fdelta = <floating> residual[part.k_off + k] - mem[k]
        mem[k] = mem[k] + fdelta
        delta[k] = fdelta
    for jj in range(nnz):
        j = row_idx[jj] if row_idx != NULL else jj
        blk = blocks + j * stride
        x = values[jj]
        fcorr = <floating> (corr * x)
        if Kp == 1:
            blk[1] = blk[1] + x * delta[0]
            if saga:
                blk[0] = blk[0] + fcorr * delta[0]
        else:
            for k0 in range(0, Kp, 4):
                _update4(blk + k0, blk + Kp + k0, x, fcorr, delta + k0, saga)
    if step_b > 0.0:
        for k in range(K):
            intercept_sum[k] += delta[k]
            xd = intercept_sum[k] * inv_n
            if saga:
                xd += (1.0 - inv_n) * delta[k]
            intercept[k] -= step_b * xd


cdef int _sag_rows(
    const floating* data, const index_t* indices, const index_t* indptr,
    Py_ssize_t n_features, const int32_t* y, const double* c, const Py_ssize_t* order,
    Py_ssize_t n_order, SagPart* parts, Py_ssize_t n_own, Py_ssize_t K_total,
    double* scores, const Handoff* handoff, Py_ssize_t me, Py_ssize_t n_parts,
    Py_ssize_t seg_cap, double step, double l2, double l1, bint saga, bint binomial,
    double intercept_scale,
) noexcept nogil:
    """Run SAG/SAGA steps over the rows ``order[:n_order]`` for the parts
    ``parts[:n_own]``; see ``sag_steps`` and the design note.

    On one thread ``n_own == n_parts`` (all parts; ``me`` is 0). On a team, thread ``me``
    runs the single part ``parts[0]`` (= part ``me``) and hands each row's scores to
    the others through ``handoff``'s score lines. ``scores`` (K_total) is this thread's
    scratch for the row's full score vector.
    """
    cdef SagPart* first = &parts[0]
    cdef Py_ssize_t pos, i, k, q, nnz, next_nnz, t = first.counters_io[0]
    cdef int64_t n_seen = first.counters_io[1]
    cdef double scale = first.scale_io[0], shrink = 1.0 - step * l2
    cdef double new_scale, inv_n, ci, corr
    cdef double loss_sum = 0.0  # sum of c_i * loss_i at the visit's weights
    cdef const floating* values
    cdef const index_t* row_idx
    cdef const floating* next_values
    cdef const index_t* next_idx = NULL
    cdef SagPart* part
    cdef bint threaded = n_own < n_parts
    cdef int status = 0

    for pos in range(n_order):
        i = order[pos]
        if t >= seg_cap:
            for q in range(n_own):
                _finish_segment(<floating*> parts[q].blocks, n_features, parts[q].Kp, t,
                                scale, parts[q].A, parts[q].B, parts[q].R, l1)
            t = 0
            scale = 1.0
        nnz = row_view(data, indices, indptr, n_features, i, &values, &row_idx)
        next_nnz = 0
        next_idx = NULL
        if pos + 1 < n_order:
            next_nnz = row_view(data, indices, indptr, n_features, order[pos + 1],
                                &next_values, &next_idx)
            # the next sample's gradient memory, and the CSR slices of the one after
            for q in range(n_own):
                prefetch_block((<floating*> parts[q].memory) + order[pos + 1] * parts[q].K,
                               parts[q].K * sizeof(floating))
            if pos + 2 < n_order and indptr != NULL:
                k = indptr[order[pos + 2]]
                prefetch_block(indices + k, 64)
                prefetch_block(data + k, 64)
        # Scores of every part: scale * (x @ V) + b; on a team, the others' from them
        for q in range(n_own):
            part = &parts[q]
            _part_scores(part, values, row_idx, nnz, next_idx, next_nnz, t, l1)
            for k in range(part.K):
                scores[part.k_off + k] = scale * part.raw[k] + part.intercept[k]
        if threaded:
            exchange_scores(handoff, scores, me, pos + 1)
        for k in range(K_total):
            if not isfinite(scores[k]):
                status = 1
        if status:
            break
        # g = c_i * residual (all classes, the same in every part's thread)
        ci = c[i]
        loss_sum += ci * loss_residual(scores, K_total, y[i], binomial, ci)
        if not first.seen[i]:
            for q in range(n_own):
                parts[q].seen[i] = 1
            n_seen += 1
        inv_n = 1.0 / n_seen
        # Register step t + 1 in the running sums
        new_scale = scale * shrink
        t += 1
        for q in range(n_own):
            part = &parts[q]
            part.A[t] = part.A[t - 1] + step * inv_n / new_scale
            part.B[t] = part.B[t - 1] + step * l1 / new_scale
            part.R[t] = inv_n
        # delta = g - memory[i]; G[j] += x * delta; SAGA also V[j] -= eta (1 - 1/n) x delta
        corr = -step * (1.0 - inv_n) / new_scale
        for q in range(n_own):
            _part_update(&parts[q], values, row_idx, nnz, i, scores, corr,
                         step * intercept_scale, inv_n, saga)
        scale = new_scale
        if scale < MIN_SCALE:
            for q in range(n_own):
                _finish_segment(<floating*> parts[q].blocks, n_features, parts[q].Kp, t,
                                scale, parts[q].A, parts[q].B, parts[q].R, l1)
            t = 0
            scale = 1.0
    for q in range(n_own):
        part = &parts[q]
        part.counters_io[0] = t
        part.counters_io[1] = n_seen
        part.scale_io[0] = scale
        part.loss_io[0] += loss_sum
    return status


def sag_steps(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    Py_ssize_t n_features,
    const int32_t[::1] y,
    const double[::1] c,
    const Py_ssize_t[::1] order,
    list parts,
    double step,
    double l2,
    double l1,
    bint saga,
    bint binomial,
    double intercept_scale,
    int n_threads=1,
):
    """Run SAG or SAGA steps over the rows ``order`` (in that order), without the GIL.

    The model's classes are split into parts (class ranges; see the design note). The
    solver state is read from and written back to the parts' arrays; the driver calls
    this on consecutive chunks of an epoch's order, then :func:`finish_epoch` per part.

    Parameters
    ----------
    data : ndarray of shape (nnz,) or (n_samples * n_features,), float32 or float64
        CSR ``data``, or the dense C-ordered X raveled.
    indices, indptr : ndarray of int32 or int64
        CSR structure; both empty for dense X.
    n_features : int
    y : ndarray of shape (n_samples,), int32
        Class index in [0, K); 0/1 when ``binomial``.
    c : ndarray of shape (n_samples,), float64
        Per-sample loss multipliers ``n * s_i / S``.
    order : ndarray of shape (n_rows,), intp
        The rows to visit.
    parts : list of tuples
        One ``(k_off, blocks, memory, intercept, intercept_sum, seen, cumsums, scale,
        counters, loss_sum)`` per class range ``[k_off, k_off + memory.shape[1])``, in
        class order, covering [0, K):

        - blocks : ndarray of shape (n_features, 2 Kp + 2), X's dtype. Per feature:
          scaled weights V (Kp), gradient sums G (Kp), last step, padding; ``Kp =
          padded_classes(k)`` for the part's k classes, padding slots hold zeros.
        - memory : ndarray of shape (n_samples, k), X's dtype. Gradient memory
          ``c_i * residual_i`` at each sample's last visit.
        - intercept, intercept_sum : ndarray of shape (k,), float64. Intercept and the
          sum of the memory over samples.
        - seen : ndarray of shape (n_samples,), uint8. 1 for samples visited at least
          once (their memory counts in ``n_t``).
        - cumsums : ndarray of shape (3, seg_cap + 1), float64. Running sums A, B and
          the per-step 1/n_t of the current segment; column 0 is 0.
        - scale : ndarray of shape (1,), float64. Weight scale: W = scale * V.
        - counters : ndarray of shape (2,), int64. Steps in the current segment, number
          of samples seen.
        - loss_sum : ndarray of shape (1,), float64. ``c_i * loss_i`` of every visited
          row, at the weights of its visit (before its step), is added to it.

        ``seen``, ``cumsums``, ``scale``, ``counters`` and ``loss_sum`` hold the same
        values in every part; each part has its own so that threads write only their own.
    step, l2, l1 : float
        Step size eta, L2 and L1 strengths (l1 must be 0 for SAG).
    saga, binomial : bool
    intercept_scale : float
        ``s_b``: the intercept's steps are multiplied by it (see the design note); 0 for
        no intercept.
    n_threads : int, default=1
        Run the parts on this many threads (one part each; at most ``len(parts)``).
        Any other value, or a team OpenMP makes smaller, runs all parts on one thread:
        the same arithmetic, so the same model.

    Returns
    -------
    status : int
        ``STATUS_OK`` (0), or ``STATUS_NONFINITE`` (1) when a score became inf or NaN
        (the state is then unusable).
    """
    cdef Py_ssize_t n_parts = len(parts), K = 0, q, seg_cap = 0, tid, role, row
    cdef SagPart* cparts
    cdef Py_ssize_t* part_sizes
    cdef double* buffer
    cdef double* scratch
    cdef Handoff handoff
    cdef int status = STATUS_OK
    cdef const index_t* ind_ptr = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const index_t* indptr_ptr = &indptr[0] if indptr.shape[0] > 0 else NULL
    cdef const floating* data_ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef floating[:, ::1] blocks
    cdef floating[:, ::1] memory
    cdef double[::1] intercept, intercept_sum, scale, loss_sum
    cdef unsigned char[::1] seen
    cdef double[:, ::1] cumsums
    cdef int64_t[::1] counters
    cdef list keep = []  # the memoryviews, alive until the kernel is done
    if order.shape[0] == 0 or n_parts == 0:
        return STATUS_OK
    if n_threads != n_parts:
        n_threads = 1
    cparts = <SagPart*> calloc(n_parts, sizeof(SagPart))
    part_sizes = <Py_ssize_t*> calloc(n_parts, sizeof(Py_ssize_t))
    if cparts == NULL or part_sizes == NULL:
        free(cparts)
        free(part_sizes)
        raise MemoryError()
    try:
        for q in range(n_parts):
            k_off, blocks, memory, intercept, intercept_sum, seen, cumsums, scale, counters, \
                loss_sum = parts[q]
            keep.append((blocks, memory, intercept, intercept_sum, seen, cumsums, scale,
                         counters, loss_sum))
            if k_off != K:
                raise ValueError("parts must cover the classes in order")
            cparts[q].k_off = K
            cparts[q].K = memory.shape[1]
            cparts[q].Kp = padded_classes(memory.shape[1])
            if blocks.shape[1] != 2 * cparts[q].Kp + 2 or blocks.shape[0] != n_features:
                raise ValueError("blocks must be (n_features, 2 * padded_classes(k) + 2)")
            K += cparts[q].K
            if q == 0:
                seg_cap = cumsums.shape[1] - 1
            elif cumsums.shape[1] - 1 != seg_cap:
                raise ValueError("every part's cumsums must have the same length")
            cparts[q].blocks = &blocks[0, 0]
            cparts[q].memory = &memory[0, 0]
            cparts[q].intercept = &intercept[0]
            cparts[q].intercept_sum = &intercept_sum[0]
            cparts[q].seen = &seen[0]
            cparts[q].A = &cumsums[0, 0]
            cparts[q].B = &cumsums[1, 0]
            cparts[q].R = &cumsums[2, 0]
            cparts[q].scale_io = &scale[0]
            cparts[q].counters_io = &counters[0]
            cparts[q].loss_io = &loss_sum[0]
        # One buffer, each piece on cache lines of its own (threads write their own):
        # per part raw (Kp) and delta (Kp), then per thread the row's scores (K).
        q = 0
        for tid in range(n_parts):
            q += 2 * lines(cparts[tid].Kp)
            part_sizes[tid] = cparts[tid].K
        q += n_parts * lines(K)
        buffer = <double*> calloc(q + 8, sizeof(double))
        if buffer == NULL or handoff_new(&handoff, n_parts, part_sizes) != 0:
            free(buffer)
            raise MemoryError()
        scratch = <double*> line_aligned(buffer)
        q = 0
        for tid in range(n_parts):
            cparts[tid].raw = scratch + q
            q += lines(cparts[tid].Kp)
            cparts[tid].delta = <void*> (scratch + q)  # Kp of X's dtype fit in Kp doubles
            q += lines(cparts[tid].Kp)
        row = lines(K)
        with nogil:
            if n_threads == 1:
                role = ALL_PARTS
                status = _sag_rows(
                    data_ptr, ind_ptr, indptr_ptr, n_features, &y[0], &c[0], &order[0],
                    order.shape[0], cparts, n_parts, K, scratch + q, &handoff, 0, n_parts,
                    seg_cap, step, l2, l1, saga, binomial, intercept_scale)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role != NO_PART:
                        # one part on its own thread, or every part on thread 0
                        tid = 0 if role == ALL_PARTS else role
                        handoff.statuses[tid] = _sag_rows(
                            data_ptr, ind_ptr, indptr_ptr, n_features, &y[0], &c[0],
                            &order[0], order.shape[0], cparts + tid,
                            n_parts if role == ALL_PARTS else 1, K,
                            scratch + q + tid * row, &handoff, tid, n_parts, seg_cap, step,
                            l2, l1, saga, binomial, intercept_scale)
                status = handoff_status(&handoff, n_parts)
        free(buffer)
        handoff_free(&handoff)
    finally:
        free(cparts)
        free(part_sizes)
    return status


cpdef Py_ssize_t padded_classes(Py_ssize_t n_classes):
    """Class slots per block half: 1 for the binomial model, else K rounded up to 4s.

    Parameters
    ----------
    n_classes : int
        K, the number of weight columns.

    Returns
    -------
    int
    """
    return 1 if n_classes == 1 else (n_classes + 3) // 4 * 4


def row_squared_norms(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    Py_ssize_t n_samples,
    Py_ssize_t n_features,
    double[::1] out,
):
    """Write ``||x_i||^2`` of every row to ``out``, summed in double.

    Parameters
    ----------
    data, indices, indptr : ndarrays
        X in the row-view form (dense X: raveled data, empty index arrays).
    n_samples, n_features : int
    out : ndarray of shape (n_samples,), float64

    Returns
    -------
    int
        The number of nonzero values of X (explicit zeros of CSR and the zeros of dense
        X not counted, so that dense and CSR X give the same count).
    """
    cdef Py_ssize_t i, jj, nnz, nonzeros = 0
    cdef const floating* values
    cdef const index_t* row_idx
    cdef const index_t* ind_ptr = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const index_t* indptr_ptr = &indptr[0] if indptr.shape[0] > 0 else NULL
    cdef const floating* data_ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef double s, v
    with nogil:
        for i in range(n_samples):
            nnz = row_view(data_ptr, ind_ptr, indptr_ptr, n_features, i, &values, &row_idx)
            s = 0.0
            for jj in range(nnz):
                v = values[jj]
                s += v * v
                nonzeros += v != 0.0
            out[i] = s
    return nonzeros


cdef struct FinishJob:
    # One part's end-of-epoch pass (see finish_epoch)
    void* blocks
    void* previous
    Py_ssize_t n, stride, Kp, K, t, acc_offset
    double fold
    const double* A
    const double* B
    const double* R


cdef void _finish_job(const FinishJob* job, floating* dtype_tag, double l1,
                      double* acc) noexcept nogil:
    """:func:`finish_epoch` on one part, statistics added to ``acc + job.acc_offset``.
    ``dtype_tag`` (NULL) only selects the fused specialisation."""
    _finish_features(<floating*> job.blocks, <floating*> job.previous, job.n, job.stride,
                     job.Kp, job.K, job.t, job.fold, job.A, job.B, job.R, l1,
                     acc + job.acc_offset)


cdef void _finish_features(
    floating* blocks, floating* previous, Py_ssize_t n, Py_ssize_t stride, Py_ssize_t Kp,
    Py_ssize_t K, Py_ssize_t t, double fold, const double* A, const double* B,
    const double* R, double l1, double* acc,
) noexcept nogil:
    """The loop of :func:`_finish_job`. Up to ``MAX_LOCAL_STATS`` classes the statistics
    sum in a local array, which the compiler knows does not alias the blocks (through
    ``acc`` the pass took 1.5x as long)."""
    cdef Py_ssize_t j, k
    cdef double local[4 * MAX_LOCAL_STATS]
    if K > MAX_LOCAL_STATS:
        for j in range(n):
            _finish_block(blocks + j * stride, Kp, t, fold, A, B, R, l1)
            _add_weight_stats(blocks + j * stride, previous + j * K, K, acc)
    else:
        for k in range(4 * K):
            local[k] = 0.0
        for j in range(n):
            _finish_block(blocks + j * stride, Kp, t, fold, A, B, R, l1)
            _add_weight_stats(blocks + j * stride, previous + j * K, K, local)
        for k in range(2 * K):
            acc[k] += local[k]
        for k in range(2 * K, 4 * K):
            acc[k] = fmax(acc[k], local[k])


def finish_epoch(list parts, double l1, list previous, int n_threads=1):
    """End an epoch: catch every feature of every part up, fold the scale into V and
    start a new segment, and take the stopping rule's statistics of the weights in the
    same pass over the blocks.

    Each feature block is caught up, its scale folded in, and its weights added to the
    statistics while it is in cache (a second pass would read the n_features x K weights
    again: 5% of a 20newsgroups epoch). Then previous = W. With ``n_threads ==
    len(parts)`` part q is finished by thread q, the core whose caches hold its blocks
    after the epoch (splitting one part's features over the threads instead was slower:
    the pass is bound by memory bandwidth, and half the lines came from the other core).

    Parameters
    ----------
    parts : list of tuples
        As for :func:`sag_steps`.
    l1 : float
    previous : list of ndarrays of shape (n_features, k), X's dtype
        Per part, the weights at the end of the previous epoch (zeros before the first);
        overwritten with the current ones.
    n_threads : int, default=1

    Returns
    -------
    max_change, max_weight, sum_squares, sum_abs : float
        Max |W - previous|, max |W|, sum W**2 and sum |W| over all parts (the sums give
        the penalty of the progress record). The maxima are NaN when a weight is not
        finite.
    """
    if len(parts) == 0:
        return 0.0, 0.0, 0.0, 0.0
    # the first part's first block row selects the fused specialisation (X's dtype)
    return _finish_epoch(parts[0][1][0], parts, l1, previous, n_threads)


def _finish_epoch(floating[::1] dtype_tag, list parts, double l1, list previous,
                  int n_threads):
    """:func:`finish_epoch` for X's dtype (``dtype_tag``: any array of it)."""
    cdef Py_ssize_t n_parts = len(parts), q, k, K, role, total = 0
    cdef double change = 0.0, weight = 0.0, sum_sq = 0.0, sum_abs = 0.0
    cdef double* acc
    cdef double* acc_q
    cdef Py_ssize_t* offsets
    cdef FinishJob* jobs
    cdef floating[:, ::1] blocks
    cdef floating[:, ::1] prev
    cdef double[:, ::1] cumsums
    cdef double[::1] scale
    cdef int64_t[::1] counters
    cdef list keep = []
    if n_threads != n_parts:
        n_threads = 1
    jobs = <FinishJob*> calloc(n_parts, sizeof(FinishJob))
    if jobs == NULL:
        raise MemoryError()
    try:
        for q in range(n_parts):
            blocks = parts[q][1]
            cumsums = parts[q][6]
            scale = parts[q][7]
            counters = parts[q][8]
            prev = previous[q]
            K = parts[q][2].shape[1]
            keep.append((blocks, cumsums, prev))
            if prev.shape[0] != blocks.shape[0] or prev.shape[1] != K:
                raise ValueError("previous[q] must be (n_features, k) of part q")
            jobs[q].blocks = &blocks[0, 0]
            jobs[q].previous = &prev[0, 0]
            jobs[q].n = blocks.shape[0]
            jobs[q].stride = blocks.shape[1]
            jobs[q].Kp = (blocks.shape[1] - 2) // 2
            jobs[q].K = K
            jobs[q].t = counters[0]
            jobs[q].fold = scale[0]
            jobs[q].A = &cumsums[0, 0]
            jobs[q].B = &cumsums[1, 0]
            jobs[q].R = &cumsums[2, 0]
            jobs[q].acc_offset = total
            total += lines(4 * K)  # a part's statistics on cache lines of its own
        # per part, per class: sum of squares, sum of |w|, max |w|, max |w - previous|
        acc = <double*> calloc(total + 8, sizeof(double))
        if acc == NULL:
            raise MemoryError()
        acc_q = <double*> line_aligned(acc)
        with nogil:
            if n_threads == 1:
                for q in range(n_parts):
                    _finish_job(&jobs[q], <floating*> NULL, l1, acc_q)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role >= 0:
                        _finish_job(&jobs[role], <floating*> NULL, l1, acc_q)
                    elif role == ALL_PARTS:
                        for k in range(n_parts):
                            _finish_job(&jobs[k], <floating*> NULL, l1, acc_q)
            for q in range(n_parts):
                K = jobs[q].K
                for k in range(K):
                    sum_sq += acc_q[jobs[q].acc_offset + k]
                    sum_abs += acc_q[jobs[q].acc_offset + K + k]
                    weight = fmax(weight, acc_q[jobs[q].acc_offset + 2 * K + k])
                    change = fmax(change, acc_q[jobs[q].acc_offset + 3 * K + k])
        free(acc)
        for q in range(n_parts):
            parts[q][7][0] = 1.0  # scale folded into V
            parts[q][8][0] = 0  # a new segment
    finally:
        free(jobs)
    # a NaN or inf weight makes sum |w| non-finite (the maxima skip NaN)
    if not isfinite(sum_abs):
        return float("nan"), float("nan"), sum_sq, sum_abs
    return change, weight, sum_sq, sum_abs


def prox_catch_up(double v, double G, Py_ssize_t p, Py_ssize_t m,
                  const double[::1] A, const double[::1] B, const double[::1] R, double l1):
    """One coordinate's lazy L1 catch-up, steps p+1..m (exposed for the tests).

    Parameters
    ----------
    v, G : float
        Scaled weight and its gradient sum.
    p, m : int
        Last applied step and target step (0 <= p <= m < len(A)).
    A, B, R : ndarray of shape (n_steps + 1,), float64
        Running sums of ``a_t``, ``b_t`` and the per-step ``1/n_t`` (non-increasing).
    l1 : float
        L1 strength (> 0).

    Returns
    -------
    float
        ``v`` after the steps ``v <- soft(v - a_t G, b_t)``.
    """
    if p == m:
        return v
    return _prox_catch_up(v, G, p, m, &A[0], &B[0], &R[0], l1)


