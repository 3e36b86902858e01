# cython: language_level=3, cdivision=True
"""Mini-batch SGD on the softmax (sigmoid for two classes) loss, with lazy sparse updates.

Design
------
Weights are stored feature-major, ``V`` of shape (n_features, K) in X's dtype, and the
model's weights are ``W = wscale * V``: the L2 shrink ``W *= 1 - eta * l2`` of every step
is one multiply of the scalar ``wscale`` (O(1)); when ``wscale`` falls below 1e-9 it is
folded into ``V`` (O(n_features * K), rare). All sums and scalars are double.

One step on a mini-batch B (rows ``order[p:p + |B|]``, the last one of a pass may be
shorter), with ``eta`` from the schedule at step ``t``::

    r_i = s_i * (softmax(b + x_i @ W) - onehot(y_i))     # all rows at the same W, b
    W   = (1 - eta * l2) * W - eta / |B| * sum_i outer(x_i, r_i)
    b   = b - eta / |B| * sum_i r_i
    then the L1 step below on every weight of a feature some x_i in B has nonzero.

So a batch is two passes over its rows: the first reads the weights into K scores and
residuals (kept in a |B| x K buffer), the second applies the shrink to ``wscale`` and
scatters ``-eta / (|B| * wscale) * x_ij * r_i`` into the rows of V the batch touches.
With |B| = 1 this is plain SGD.

L1 (elastic-net) uses the cumulative clipped penalty of Tsuruoka et al. (2009): ``u``
is the total L1 penalty a weight could have received so far (``u += eta * l1`` per
step) and ``Q[j, k]`` the (signed) penalty it actually received. A weight touched by
the step is moved towards zero by what it has still to receive, ``u - |Q|``
(``w - (u + Q)`` for w > 0, ``w + (u - Q)`` for w < 0), and clipped at zero. The rule
is idempotent, so a feature in several rows of one batch is clipped once in effect,
and entries with x_ij == 0 (dense zeros) are skipped, which makes dense and CSR input
follow the same path. The caller catches every weight up at the end of a pass
(``l1_catch_up``).

Averaged SGD is lazy too: the sum of the iterates since averaging began is kept as
``A + beta * V`` (A of shape (n_features, K), beta a scalar). A change ``dV`` of V
moves ``A -= beta * dV``; the end of a step adds the iterate by ``beta += wscale``; a
fold of wscale moves ``beta * V`` into A. The average is ``(A + beta * V) / n_avg``.
When ``beta / (wscale * n_avg)`` exceeds 1e3 the sum would lose digits to cancellation,
so wscale is folded then as well (only a strong shrink per step gets there).
The intercept's sum is kept directly.

Learning rates (``t`` = steps taken + 1): constant ``eta0``; optimal
``1 / (alpha * (t0 + t - 1))`` with scikit-learn's t0 chosen by the caller; invscaling
``eta0 / t**power_t``. "adaptive" is constant with an eta that the caller divides.

The state that carries from call to call is the double vector ``state`` (see the
``ST_*`` constants), so a pass can be cut into chunks of rows at batch boundaries and
gives the same result as one call.

Each row's ``s_i * loss_i`` at its pre-step weights is added to ``state[ST_LOSS]``; the
caller turns the epoch's sum into the objective estimate of its stopping rule.

Prefetch: an epoch is bound by the latency of the scattered reads of weight blocks
(``PERFORMANCE.md``). The V (and A) blocks of the next row are prefetched, spread
through the current row's dot loop, and the indices and values of the row after next
are prefetched so that the next row's prefetch does not wait on them. An asm prefetch
(``_rowmath.pxd``) is used on x86 because GCC removes loops of ``__builtin_prefetch`` calls.

Class parts and threads (as in ``_sag.pyx``, helpers in ``_handoff.pxd``): the model's
classes can be split into parts, class ranges with their own V, intercepts, Q, A and a
copy of the scalar state. A row's scores are computed part by part, the residual from
the whole vector by the same code everywhere, and each part scatters its own classes.
With one part a thread, the threads hand each row's scores to each other (on cache
lines that carry the row's number, release/acquire); on one thread the parts run in
turn.
Each class's arithmetic is the same either way and with one part (the binomial special
paths are taken for the binomial model only), so the model does not depend on the split.
On 20newsgroups (K = 20) two threads ran an epoch's rows in 18 ms instead of 24 ms in
float64, and in 15 instead of 16 ms in float32: a row's work is small next to the
hand-off (a few hundred nanoseconds a row on this machine).

Input contract (checked by ``softmaxreg._validation``): finite data; for CSR, a
consistent structure with indices in ``[0, n_features)``; labels in ``[0, K)``
(``{0, 1}`` for binomial); weights >= 0; ``order`` entries in ``[0, n_samples)``; all
arrays C-contiguous. The kernel does not raise on data: it returns 1 when a score
became non-finite (the step is too large), leaving the state half-updated; the caller
discards that state and raises.
"""

from libc.math cimport exp, fabs, pow, isfinite
from libc.stdint cimport int32_t
from libc.stdlib cimport calloc, free
from cython.parallel cimport parallel

from ._handoff cimport (
    ALL_PARTS, HANDOFF_THREADS, NO_PART, Handoff, exchange_scores, handoff_free,
    handoff_new, handoff_status, line_aligned, lines, team_role,
)
from ._rowmath cimport floating, index_t, loss_residual, prefetch_block, prefetch_read, row_view

# Layout of the state vector shared with the Python driver (C names, then Python names).
cdef enum:
    ST_WSCALE = 0    # W = wscale * V
    ST_STEPS = 1     # steps taken so far
    ST_SEEN = 2      # samples seen so far
    ST_U = 3         # cumulative L1 penalty per weight
    ST_BETA = 4      # coefficient of V in the averaged sum A + beta * V
    ST_N_AVG = 5     # steps in the average
    ST_LOSS = 6      # sum of s_i * loss_i over rows seen (the caller resets it)
    N_STATE = 7

STATE_FIELDS = {
    "wscale": ST_WSCALE, "steps": ST_STEPS, "seen": ST_SEEN, "u": ST_U, "beta": ST_BETA,
    "n_avg": ST_N_AVG, "loss": ST_LOSS,
}
STATE_SIZE = N_STATE
THREADS_AVAILABLE = bool(HANDOFF_THREADS)
# The one table of the ``learning_rate`` values: name -> ``lr_kind`` of ``_schedule``, in
# the order the estimator's docs and error messages list them (``_validation`` reads it).
LEARNING_RATES = {"optimal": 1, "invscaling": 2, "constant": 0, "adaptive": 0}

cdef double MIN_WSCALE = 1e-9
# Up to this many classes the row dot sums in a local array (see _row_dot_v).
DEF MAX_LOCAL_K = 64
# Fold early when beta * V outgrows the averaged sum by this factor: A + beta * V then
# cancels and loses log10(ratio) digits (a strong L2 shrink between folds does that).
cdef double MAX_BETA_RATIO = 1e3


cdef inline double _schedule(int lr_kind, double t, double eta0, double alpha,
                             double power_t, double optimal_init) noexcept nogil:
    """Step size at (1-based) step t."""
    if lr_kind == 1:
        return 1.0 / (alpha * (optimal_init + t - 1.0))
    if lr_kind == 2:
        return eta0 / pow(t, power_t)
    return eta0


cdef inline void _row_dot_v(
    const floating* values, const index_t* indices, Py_ssize_t nnz,
    const floating* V, Py_ssize_t n_classes, double* raw_out,
    const index_t* next_indices, Py_ssize_t next_nnz, const double* A, bint binomial,
) noexcept nogil:
    """raw_out[:K] += x @ V for one row x (sums in double).

    Spread through the loop, it prefetches the V blocks (and A blocks when A is given) of
    the next CSR row ``next_indices[:next_nnz]`` (none when ``next_indices`` is NULL).
    Up to ``MAX_LOCAL_K`` classes the sums go to a local array, which the compiler knows
    does not alias V, so it vectorises the class loop (float32 X: 1.3x faster epochs).
    """
    cdef Py_ssize_t j, k, col
    cdef Py_ssize_t K = n_classes
    cdef double x, a0
    cdef double acc[MAX_LOCAL_K]
    cdef const floating* v
    cdef Py_ssize_t block = n_classes * sizeof(floating)
    if next_indices == NULL:
        next_nnz = 0
    if binomial and A == NULL:  # one weight per feature, sum in a register
        a0 = 0.0
        for j in range(nnz):
            if j < next_nnz:
                prefetch_read(V + next_indices[j])
            a0 += values[j] * V[j if indices == NULL else indices[j]]
        raw_out[0] += a0
        for j in range(nnz, next_nnz):
            prefetch_read(V + next_indices[j])
        return
    if n_classes <= MAX_LOCAL_K:
        # a local accumulator: the compiler knows it does not alias V and vectorises
        # the class loop (the sums' store-load chains stay in L1, one per class)
        for k in range(K):
            acc[k] = 0.0
        for j in range(nnz):
            if j < next_nnz:
                col = next_indices[j] * n_classes
                prefetch_block(V + col, block)
                if A != NULL:
                    prefetch_block(A + col, n_classes * sizeof(double))
            x = values[j]
            col = j if indices == NULL else indices[j]
            v = V + col * K
            for k in range(K):
                acc[k] += x * v[k]
        for k in range(K):
            raw_out[k] += acc[k]
    else:
        for j in range(nnz):
            if j < next_nnz:
                col = next_indices[j] * n_classes
                prefetch_block(V + col, block)
                if A != NULL:
                    prefetch_block(A + col, n_classes * sizeof(double))
            x = values[j]
            col = j if indices == NULL else indices[j]
            v = V + col * K
            for k in range(K):
                raw_out[k] += x * v[k]
    for j in range(nnz, next_nnz):
        col = next_indices[j] * n_classes
        prefetch_block(V + col, block)
        if A != NULL:
            prefetch_block(A + col, n_classes * sizeof(double))


cdef inline void _row_scatter(
    const floating* values, const index_t* indices, Py_ssize_t nnz,
    floating* V, double* A, double beta, Py_ssize_t n_classes,
    const double* r, double step, bint binomial,
) noexcept nogil:
    """V[features of x] -= step * outer(x, r); A absorbs -beta * (change of V) when given.

    Without A the update runs in X's dtype (``step * r`` rounded once per row), so
    float32 weights get float32 arithmetic. ``step * r`` sits in a local array (classes
    in chunks of ``MAX_LOCAL_K``), which the compiler knows does not alias V: 6% faster
    float64 epochs than through a heap buffer.
    """
    cdef Py_ssize_t j, k, col, c0, nk
    cdef double xd, old
    cdef floating x
    cdef floating* v
    cdef double* a
    cdef double r0 = r[0]
    cdef floating fr[MAX_LOCAL_K]
    if binomial and A == NULL:  # one weight per feature
        for j in range(nnz):
            col = j if indices == NULL else indices[j]
            V[col] = <floating>(V[col] - step * values[j] * r0)
        return
    if A == NULL:
        for c0 in range(0, n_classes, MAX_LOCAL_K):
            nk = min(MAX_LOCAL_K, n_classes - c0)
            for k in range(nk):
                fr[k] = <floating>(step * r[c0 + k])
            for j in range(nnz):
                x = values[j]
                col = j if indices == NULL else indices[j]
                v = V + col * n_classes + c0
                for k in range(nk):
                    v[k] = v[k] - x * fr[k]
        return
    for j in range(nnz):
        xd = step * values[j]
        col = j if indices == NULL else indices[j]
        v = V + col * n_classes
        a = A + col * n_classes
        for k in range(n_classes):
            old = v[k]
            v[k] = <floating>(old - xd * r[k])
            a[k] += beta * (old - v[k])


cdef inline void _clip_l1(
    floating* v, double* q, double* a, Py_ssize_t n, double wscale, double u, double beta,
) noexcept nogil:
    """Cumulative clipped L1 step on n weights (actual weight = wscale * v)."""
    cdef Py_ssize_t k
    cdef double z, w, old
    for k in range(n):
        old = v[k]
        z = wscale * old
        if z > 0.0:
            w = z - (u + q[k])
            if w < 0.0:
                w = 0.0
        elif z < 0.0:
            w = z + (u - q[k])
            if w > 0.0:
                w = 0.0
        else:
            continue
        q[k] += w - z
        v[k] = <floating>(w / wscale)
        if a != NULL:
            a[k] += beta * (old - v[k])


cdef void _fold_wscale(floating* V, double* A, Py_ssize_t n, double wscale,
                       double beta) noexcept nogil:
    """V *= wscale; the averaged sum keeps its value (beta * V moves into A). The caller
    then sets wscale = 1 and beta = 0."""
    cdef Py_ssize_t p
    cdef double old
    for p in range(n):
        old = V[p]
        if A != NULL:
            A[p] += beta * old
        V[p] = <floating>(wscale * old)


cdef struct SgdPart:
    # One class range [k_off, k_off + K) of the model, with its arrays.
    void* V               # (n_features, K), X's dtype
    double* intercept     # (K,)
    double* Q             # (n_features * K,) or NULL
    double* A             # (n_features * K,) or NULL
    double* A_intercept   # (K,)
    double* state         # (N_STATE,): the same values in every part
    double* resid         # (batch_size, K) residuals of the batch's rows
    Py_ssize_t k_off
    Py_ssize_t K


cdef int _sgd_rows(
    const floating* data, const index_t* indices, const index_t* indptr,
    Py_ssize_t n_features, const int32_t* y, const double* sample_weight,
    const Py_ssize_t* order, Py_ssize_t start, Py_ssize_t stop,
    SgdPart* parts, Py_ssize_t n_own, Py_ssize_t K_total, double* scores,
    const Handoff* handoff, Py_ssize_t me, Py_ssize_t n_parts,
    bint binomial, bint fit_intercept,
    Py_ssize_t batch_size, int lr_kind, double eta0, double power_t, double alpha,
    double l1_ratio, double optimal_init, double average_start,
) noexcept nogil:
    """SGD steps over ``order[start:stop]`` for the parts ``parts[:n_own]`` (see the
    design note); 1 if non-finite.

    On one thread ``n_own == n_parts``; on a team, thread ``me`` runs ``parts[0]`` (=
    part ``me``) and hands each row's scores to the others through ``handoff``'s score
    lines. ``scores`` (K_total) is scratch.
    The thread keeps the scalars in ``parts[0].state`` and copies them to its other
    parts at the end.
    """
    cdef Py_ssize_t p, m, nb, i, k, j, q, nnz, next_nnz, col, n_params
    cdef const floating* values
    cdef const index_t* row_indices
    cdef const floating* next_values
    cdef const index_t* next_indices
    cdef const floating* after_values
    cdef const index_t* after_indices
    cdef Py_ssize_t after_nnz
    cdef double* r
    cdef double eta, s, total, factor, step
    cdef double l2 = alpha * (1.0 - l1_ratio)
    cdef double l1 = alpha * l1_ratio
    cdef double* a_row
    cdef double* state = parts[0].state
    cdef SgdPart* part
    cdef floating* V
    cdef bint averaging, threaded = n_own < n_parts, has_A = parts[0].A != NULL
    cdef int status = 0

    p = start
    while p < stop:
        nb = batch_size if p + batch_size <= stop else stop - p
        eta = _schedule(lr_kind, state[ST_STEPS] + 1.0, eta0, alpha, power_t, optimal_init)

        # scores and residuals of the batch's rows, all at the current weights
        for m in range(nb):
            i = order[p + m]
            nnz = row_view(data, indices, indptr, n_features, i, &values, &row_indices)
            next_indices = NULL
            next_nnz = 0
            if p + m + 1 < stop:
                next_nnz = row_view(data, indices, indptr, n_features, order[p + m + 1],
                                    &next_values, &next_indices)
            if indptr != NULL and p + m + 2 < stop:
                # the row after next: bring its indices and values in for the prefetch above
                after_nnz = row_view(data, indices, indptr, n_features, order[p + m + 2],
                                     &after_values, &after_indices)
                prefetch_block(after_indices, after_nnz * sizeof(index_t))
                prefetch_block(after_values, after_nnz * sizeof(floating))
            for q in range(n_own):
                part = &parts[q]
                r = part.resid + m * part.K
                for k in range(part.K):
                    r[k] = 0.0
                _row_dot_v(values, row_indices, nnz, <floating*> part.V, part.K, r,
                           next_indices, next_nnz, part.A, binomial)
                for k in range(part.K):
                    scores[part.k_off + k] = part.intercept[k] + state[ST_WSCALE] * r[k]
            if threaded:
                exchange_scores(handoff, scores, me, p + m + 1)
            total = 0.0
            for k in range(K_total):
                total += scores[k]
            if not isfinite(total):
                status = 1
                break
            s = sample_weight[i]
            state[ST_LOSS] += s * loss_residual(scores, K_total, y[i], binomial, s)
            for q in range(n_own):
                part = &parts[q]
                r = part.resid + m * part.K
                for k in range(part.K):
                    r[k] = scores[part.k_off + k]
        if status:
            break

        # L2 shrink through the scale, then the gradient step on the touched rows of V
        factor = 1.0 - eta * l2
        if factor < 0.0:
            factor = 0.0
        state[ST_WSCALE] *= factor
        if state[ST_WSCALE] < MIN_WSCALE or (
                has_A and state[ST_BETA] > MAX_BETA_RATIO * state[ST_WSCALE] * state[ST_N_AVG]):
            for q in range(n_own):
                _fold_wscale(<floating*> parts[q].V, parts[q].A, n_features * parts[q].K,
                             state[ST_WSCALE], state[ST_BETA])
            state[ST_WSCALE] = 1.0
            state[ST_BETA] = 0.0
        step = eta / (nb * state[ST_WSCALE])
        for q in range(n_own):
            part = &parts[q]
            for m in range(nb):
                nnz = row_view(data, indices, indptr, n_features, order[p + m], &values,
                               &row_indices)
                _row_scatter(values, row_indices, nnz, <floating*> part.V, part.A,
                             state[ST_BETA], part.K, part.resid + m * part.K, step, binomial)
            if fit_intercept:
                for m in range(nb):
                    r = part.resid + m * part.K
                    for k in range(part.K):
                        part.intercept[k] -= eta / nb * r[k]

        # cumulative L1 penalty on every weight of the features the batch touched
        if l1 > 0.0 and parts[0].Q != NULL:
            state[ST_U] += eta * l1
            for q in range(n_own):
                part = &parts[q]
                V = <floating*> part.V
                for m in range(nb):
                    nnz = row_view(data, indices, indptr, n_features, order[p + m], &values,
                                   &row_indices)
                    for j in range(nnz):
                        if values[j] == 0:
                            continue
                        col = (j if row_indices == NULL else row_indices[j]) * part.K
                        a_row = part.A + col if part.A != NULL else NULL
                        _clip_l1(V + col, part.Q + col, a_row, part.K, state[ST_WSCALE],
                                 state[ST_U], state[ST_BETA])

        state[ST_STEPS] += 1.0
        state[ST_SEEN] += nb
        averaging = average_start > 0 and state[ST_SEEN] >= average_start
        if averaging and has_A:
            state[ST_BETA] += state[ST_WSCALE]
            state[ST_N_AVG] += 1.0
            for q in range(n_own):
                part = &parts[q]
                for k in range(part.K):
                    part.A_intercept[k] += part.intercept[k]
        p += nb
    for q in range(1, n_own):
        for k in range(N_STATE):
            parts[q].state[k] = state[k]
    return status


def sgd_pass(
    const floating[::1] data,
    const index_t[::1] indices,
    const index_t[::1] indptr,
    Py_ssize_t n_features,
    const int32_t[::1] y,
    const double[::1] sample_weight,
    const Py_ssize_t[::1] order,
    Py_ssize_t start,
    Py_ssize_t stop,
    list parts,
    bint binomial,
    bint fit_intercept,
    Py_ssize_t batch_size,
    int lr_kind,
    double eta0,
    double power_t,
    double alpha,
    double l1_ratio,
    double optimal_init,
    double average_start,
    int n_threads=1,
):
    """Run SGD steps over the rows ``order[start:stop]``, updating the parts in place.

    Parameters
    ----------
    data : ndarray of shape (nnz,) or (n_samples * n_features,), float32 or float64
        CSR ``data``, or the dense C-ordered X raveled.
    indices, indptr : ndarray of int32 or int64
        CSR structure; both empty for dense X.
    n_features : int
    y : ndarray of shape (n_samples,), int32
        Class index in [0, K); 0/1 when ``binomial``.
    sample_weight : ndarray of shape (n_samples,), float64
        Per-row weights as used in the step (the caller normalises them).
    order : ndarray of shape (n_order,), intp
        Row indices in visiting order; ``start`` and ``stop`` are positions in it and
        ``start`` must lie on a batch boundary.
    parts : list of tuples
        One ``(k_off, V, intercept, Q, A, A_intercept, state, resid)`` per class range
        ``[k_off, k_off + V.shape[1])``, in class order, covering [0, K):

        - V : ndarray of shape (n_features, k), X's dtype. Scaled weights (the model's
          are ``state[ST_WSCALE] * V``), updated in place.
        - intercept : ndarray of shape (k,), float64.
        - Q : ndarray of shape (n_features * k,) or (0,), float64. L1 penalty received
          per weight; empty when ``l1_ratio == 0`` (an empty Q turns the L1 step off).
        - A : ndarray of shape (n_features * k,) or (0,), float64. Averaged-sum part
          (see the design note); empty without averaging.
        - A_intercept : ndarray of shape (k,), float64. Sum of the averaged intercepts.
        - state : ndarray of shape (N_STATE,), float64. Scalars carried between calls
          (``ST_*`` layout); the same values in every part.
        - resid : ndarray of shape (batch_size, k), float64. Scratch.
    binomial, fit_intercept : bool
    batch_size : int
    lr_kind : int
        0 constant (and adaptive), 1 optimal, 2 invscaling (``LEARNING_RATES``).
    eta0, power_t, alpha, l1_ratio, optimal_init : float
    average_start : float
        Average the iterates once this many samples have been seen; 0 for no average.
    n_threads : int, default=1
        Run the parts on this many threads (one part each); any other value, or a team
        OpenMP makes smaller, runs all parts on one thread: the same arithmetic, so the
        same model.

    Returns
    -------
    status : int
        0 on success, 1 if a score became non-finite (the caller raises).
    """
    cdef Py_ssize_t n_parts = len(parts), K = 0, q, tid, role, row
    cdef SgdPart* cparts
    cdef Py_ssize_t* part_sizes
    cdef double* buffer
    cdef double* scratch
    cdef Handoff handoff
    cdef int status = 0
    cdef const index_t* ind_ptr = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const index_t* indptr_ptr = &indptr[0] if indptr.shape[0] > 0 else NULL
    cdef const floating* data_ptr = &data[0] if data.shape[0] > 0 else NULL
    cdef floating[:, ::1] V
    cdef double[::1] intercept, Q, A, A_intercept, state
    cdef double[:, ::1] resid
    cdef list keep = []  # the memoryviews, alive until the kernel is done
    if stop <= start or n_parts == 0:
        return 0
    if n_threads != n_parts:
        n_threads = 1
    cparts = <SgdPart*> calloc(n_parts, sizeof(SgdPart))
    part_sizes = <Py_ssize_t*> calloc(n_parts, sizeof(Py_ssize_t))
    if cparts == NULL or part_sizes == NULL:
        free(cparts)
        free(part_sizes)
        raise MemoryError()
    try:
        for q in range(n_parts):
            k_off, V, intercept, Q, A, A_intercept, state, resid = parts[q]
            keep.append((V, intercept, Q, A, A_intercept, state, resid))
            if k_off != K or V.shape[0] != n_features or resid.shape[1] != V.shape[1] \
                    or resid.shape[0] < min(batch_size, stop - start):
                raise ValueError("parts must cover the classes in order, with (batch, k) resid")
            cparts[q].k_off = K
            cparts[q].K = V.shape[1]
            K += V.shape[1]
            cparts[q].V = &V[0, 0]
            cparts[q].intercept = &intercept[0]
            cparts[q].Q = &Q[0] if Q.shape[0] > 0 else NULL
            cparts[q].A = &A[0] if A.shape[0] > 0 else NULL
            cparts[q].A_intercept = &A_intercept[0]
            cparts[q].state = &state[0]
            cparts[q].resid = &resid[0, 0]
        # per thread the row's scores (K), on lines of their own
        row = lines(K)
        for q in range(n_parts):
            part_sizes[q] = cparts[q].K
        buffer = <double*> calloc(n_parts * row + 8, sizeof(double))
        if buffer == NULL or handoff_new(&handoff, n_parts, part_sizes) != 0:
            free(buffer)
            raise MemoryError()
        scratch = <double*> line_aligned(buffer)
        with nogil:
            if n_threads == 1:
                status = _sgd_rows(
                    data_ptr, ind_ptr, indptr_ptr, n_features, &y[0], &sample_weight[0],
                    &order[0], start, stop, cparts, n_parts, K, scratch, &handoff, 0,
                    n_parts, binomial, fit_intercept, batch_size,
                    lr_kind, eta0, power_t, alpha, l1_ratio, optimal_init, average_start)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role != NO_PART:
                        # one part on its own thread, or every part on thread 0
                        tid = 0 if role == ALL_PARTS else role
                        handoff.statuses[tid] = _sgd_rows(
                            data_ptr, ind_ptr, indptr_ptr, n_features, &y[0],
                            &sample_weight[0], &order[0], start, stop, cparts + tid,
                            n_parts if role == ALL_PARTS else 1, K,
                            scratch + tid * row, &handoff, tid, n_parts, binomial, fit_intercept, batch_size, lr_kind, eta0,
                            power_t, alpha, l1_ratio, optimal_init, average_start)
                status = handoff_status(&handoff, n_parts)
        free(buffer)
        handoff_free(&handoff)
    finally:
        free(cparts)
        free(part_sizes)
    return status


def l1_catch_up(floating[:, ::1] V, double[::1] Q, double[::1] A, double[::1] state):
    """Apply the pending cumulative L1 penalty to every weight (end of a pass).

    Parameters
    ----------
    V : ndarray of shape (n_features, K), float32 or float64
    Q : ndarray of shape (n_features * K,), float64
    A : ndarray of shape (n_features * K,) or (0,), float64
    state : ndarray of shape (N_STATE,), float64
    """
    cdef Py_ssize_t n = V.shape[0] * V.shape[1]
    cdef double* a_ptr = &A[0] if A.shape[0] > 0 else NULL
    if n == 0 or Q.shape[0] == 0:
        return
    with nogil:
        _clip_l1(&V[0, 0], &Q[0], a_ptr, n, state[ST_WSCALE], state[ST_U], state[ST_BETA])


cdef void _weight_sums(const floating* v, Py_ssize_t n, const double* A, Py_ssize_t n_A,
                       double* out) noexcept nogil:
    """out[:3] = sum of squares and sum of |.| of v[:n], and the sum of A[:n_A]."""
    cdef Py_ssize_t p, q
    cdef double w, sum_sq = 0.0, sum_abs = 0.0, a_sum = 0.0
    cdef double sq[8]
    cdef double ab[8]
    # eight running sums, so the adds do not wait on each other and vectorise
    for q in range(8):
        sq[q] = 0.0
        ab[q] = 0.0
    for p in range(0, n - n % 8, 8):
        for q in range(8):
            w = v[p + q]
            sq[q] += w * w
            ab[q] += fabs(w)
    for p in range(n - n % 8, n):
        w = v[p]
        sum_sq += w * w
        sum_abs += fabs(w)
    for q in range(8):
        sum_sq += sq[q]
        sum_abs += ab[q]
    for p in range(n_A):
        a_sum += A[p]
    out[0] = sum_sq
    out[1] = sum_abs
    out[2] = a_sum


def weight_sums(list Vs, list As, int n_threads=1):
    """Sum of squares and sum of absolute values of the parts' V, and whether every V
    and A is finite.

    One pass, summed in double without a copy of float32 V: the driver takes the
    penalty from the sums and its divergence check from the flag. With ``n_threads ==
    len(Vs)`` part q is summed by thread q (the core that ran it).

    Parameters
    ----------
    Vs : list of ndarrays of shape (n_features, k), float32 or float64
    As : list of ndarrays of shape (n_features * k,) or (0,), float64
    n_threads : int, default=1

    Returns
    -------
    sum_squares, sum_abs : float
    finite : bool
    """
    if len(Vs) == 0:
        return 0.0, 0.0, True
    return _weight_sums_parts(Vs[0][0], Vs, As, n_threads)


def _weight_sums_parts(floating[::1] dtype_tag, list Vs, list As, int n_threads):
    """:func:`weight_sums` for X's dtype (``dtype_tag``: any array of it)."""
    cdef Py_ssize_t n_parts = len(Vs), q, tid, role
    cdef floating[:, ::1] V
    cdef double[::1] A
    cdef const floating** v_ptr
    cdef const double** a_ptr
    cdef Py_ssize_t* sizes
    cdef double* out
    cdef double* out_a
    cdef double sum_sq = 0.0, sum_abs = 0.0, a_sum = 0.0
    cdef list keep = []
    if n_threads != n_parts:
        n_threads = 1
    v_ptr = <const floating**> calloc(n_parts, sizeof(void*))
    a_ptr = <const double**> calloc(n_parts, sizeof(void*))
    sizes = <Py_ssize_t*> calloc(2 * n_parts, sizeof(Py_ssize_t))
    out = <double*> calloc(8 * n_parts + 8, sizeof(double))  # a part's sums: a line each
    try:
        if v_ptr == NULL or a_ptr == NULL or sizes == NULL or out == NULL:
            raise MemoryError()
        out_a = <double*> line_aligned(out)
        for q in range(n_parts):
            V = Vs[q]
            A = As[q]
            keep.append((V, A))
            sizes[2 * q] = V.shape[0] * V.shape[1]
            sizes[2 * q + 1] = A.shape[0]
            v_ptr[q] = &V[0, 0] if sizes[2 * q] > 0 else NULL
            a_ptr[q] = &A[0] if A.shape[0] > 0 else NULL
        with nogil:
            if n_threads == 1:
                for q in range(n_parts):
                    _weight_sums(v_ptr[q], sizes[2 * q], a_ptr[q], sizes[2 * q + 1],
                                 out_a + 8 * q)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role >= 0:
                        _weight_sums(v_ptr[role], sizes[2 * role], a_ptr[role],
                                     sizes[2 * role + 1], out_a + 8 * role)
                    elif role == ALL_PARTS:
                        for tid in range(n_parts):
                            _weight_sums(v_ptr[tid], sizes[2 * tid], a_ptr[tid],
                                         sizes[2 * tid + 1], out_a + 8 * tid)
        for q in range(n_parts):
            sum_sq += out_a[8 * q]
            sum_abs += out_a[8 * q + 1]
            a_sum += out_a[8 * q + 2]
    finally:
        free(v_ptr)
        free(a_ptr)
        free(sizes)
        free(out)
    # a sum is finite only if every term is (an overflowing sum is a divergence too)
    return sum_sq, sum_abs, bool(isfinite(sum_sq) and isfinite(a_sum))
