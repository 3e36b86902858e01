# cython: language_level=3
"""SAG's lazy (just-in-time) updates of one feature block (``_sag.pyx``).

The weights are stored scaled, ``W = scale * V``. Between two rows that touch feature j
its gradient sum ``G[j]`` does not change, so every step in between is, in units of V,
``V[j] = soft(V[j] - a_t G[j], b_t)`` with ``a_t = eta / (n_t scale_t)`` and ``b_t =
eta l1 / scale_t``. The kernel keeps their running sums ``A[t]``, ``B[t]`` (and ``R[t] =
1/n_t``) per step of the current segment, and a block is caught up from its last step p
to the current step m only when a row touches it: without L1 ``V[j] -= (A[m] - A[p])
G[j]``; with L1 the m - p soft-threshold steps have an exact closed form per coordinate
(a crossing of zero found by a binary search on A and B, a change of the drift's sign by
one on R; see ``docs/design.md``), which gives exact zeros.

At the end of an epoch (``finish_features``) every block is caught up, the scale folded
into V, and the weights' statistics for the stopping rule taken in the same pass.

A feature block is ``[V[j, :Kp], G[j, :Kp], last step, pad]`` in X's dtype. All helpers
are ``inline noexcept nogil`` and trust their inputs (``0 <= p <= m`` within the
segment, ``l1 >= 0``).
"""

from libc.math cimport copysign, fabs, fmax

from .rowmath cimport floating

# Up to this many classes the end-of-epoch statistics sum in a local array.
cdef enum:
    MAX_LOCAL_STATS = 64


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


cdef inline double prox_coordinate(
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


cdef inline void _prox_catch_up_block(
    floating* blk, Py_ssize_t K, Py_ssize_t p, Py_ssize_t m,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Steps p+1..m of the L1 (proximal) update for a block's K weights.

    When 1/n_t is the same on all these steps (every epoch but the first), the result is
    ``soft(v - (A[m] - A[p]) G, B[m] - B[p])`` except when v starts on the side of zero
    it drifts away from and the drift wins (``|G|/n >= l1``) but v crosses zero on the
    way; that rare case, and the first epoch, take the general ``prox_coordinate``.
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
            blk[k] = <floating> prox_coordinate(v, G, p, m, A, B, R, l1)


cdef inline void catch_up(
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


cdef inline void finish_block(
    floating* blk, Py_ssize_t K, Py_ssize_t t, double scale,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Catch one feature block up to step t, fold ``scale`` into V, reset its last step."""
    cdef Py_ssize_t k
    cdef floating fs = <floating> scale
    catch_up(blk, K, t, A, B, R, l1)
    if scale != 1.0:
        for k in range(K):
            blk[k] = blk[k] * fs
    blk[2 * K] = 0


cdef struct FinishJob:
    # One part's end-of-epoch pass (see finish_epoch)
    void* blocks
    void* previous
    Py_ssize_t n, stride, Kp, K, t, acc_offset
    double fold
    const double* A
    const double* B
    const double* R


cdef inline void add_weight_stats(
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


cdef inline void finish_features(
    floating* blocks, floating* previous, Py_ssize_t n, Py_ssize_t stride, Py_ssize_t Kp,
    Py_ssize_t K, Py_ssize_t t, double fold, const double* A, const double* B,
    const double* R, double l1, double* acc,
) noexcept nogil:
    """Catch ``n`` feature blocks up to step t, fold ``fold`` into V, add their weights to
    the statistics ``acc`` (``add_weight_stats``) and copy them to ``previous``.

    Up to ``MAX_LOCAL_STATS`` classes the statistics sum in a local array, which the
    compiler knows does not alias the blocks (through ``acc`` the pass took 1.5x as long).
    """
    cdef Py_ssize_t j, k
    cdef double local[4 * MAX_LOCAL_STATS]
    if K > MAX_LOCAL_STATS:
        for j in range(n):
            finish_block(blocks + j * stride, Kp, t, fold, A, B, R, l1)
            add_weight_stats(blocks + j * stride, previous + j * K, K, acc)
    else:
        for k in range(4 * K):
            local[k] = 0.0
        for j in range(n):
            finish_block(blocks + j * stride, Kp, t, fold, A, B, R, l1)
            add_weight_stats(blocks + j * stride, previous + j * K, K, local)
        for k in range(2 * K):
            acc[k] += local[k]
        for k in range(2 * K, 4 * K):
            acc[k] = fmax(acc[k], local[k])
