# cython: language_level=3, cdivision=True
"""Mini-batch SGD on the softmax (sigmoid for two classes) loss, with lazy sparse updates.

Design
------
One step on a mini-batch B (rows ``order[p:p + |B|]``), ``eta`` from the schedule::

    r_i = s_i * (softmax(b + x_i @ W) - onehot(y_i))     # all rows at the same W, b
    W   = (1 - eta * l2) * W - eta / |B| * sum_i outer(x_i, r_i)
    b   = b - eta / |B| * sum_i r_i
    then the cumulative clipped L1 step on every weight of a feature the batch touched.

Weights are feature-major ``V`` (n_features, K) in X's dtype with ``W = wscale * V``, so
the L2 shrink is one multiply; averaged SGD keeps ``A + beta * V`` lazily. The scalars
that carry from call to call are the double vector ``state`` (``ST_*``), so a pass cut
into calls at batch boundaries gives the same result as one call. The classes can be
split into parts run by one thread each (``_handoff.pxd``); every class's arithmetic is
the same whatever the split, so the model does not depend on the thread count. The
per-row pieces are in ``_sgd_update.pxd`` and ``_rowmath.pxd``; the full design (lazy
L1 and averaging, prefetching, threads) is in ``docs/design.md``.

``learning_rate="adagrad"`` (``adagrad_rows.pxd``, one row a step) gives each feature its own
step ``eta0 / G**power_t`` and takes the elastic-net penalty as a proximal step at that
step size (``adagrad_step.pxd``). The steps a feature's weights skip between two rows
that touch it are applied in closed form when the next one does (and at the end of
the pass, ``adagrad_catch_up``); the averaged sum is then kept as ``A`` itself
(``wscale`` stays 1, ``beta`` 0).

Input contract: kernels trust their inputs, which ``softmaxreg._validation`` and the
driver check once: finite data; for CSR, a consistent structure with indices in
``[0, n_features)`` (dense X: empty index arrays, data raveled C-ordered); labels in
``[0, K)`` (``{0, 1}`` for binomial); weights >= 0; ``order`` entries in
``[0, n_samples)``; all arrays C-contiguous.

Status: ``sgd_pass`` never raises on data. It returns 0, or 1 when a score became
non-finite (the step is too large); the state is then half-updated and the caller
discards it and raises.
"""

from libc.math cimport isfinite
from libc.stdint cimport int32_t
from libc.stdlib cimport calloc, free
from cython.parallel cimport parallel

from .handoff cimport (
    ALL_PARTS, HANDOFF_THREADS, NO_PART, Handoff, handoff_free,
    handoff_new, handoff_status, line_aligned, lines, team_role,
)
from .rowmath cimport (
    floating, index_t, prefetch_block, row_dot, row_view,
)
from .sgd_update cimport (
    N_STATE, ST_AVG_WEIGHT, ST_BETA, ST_LOSS, ST_N_AVG, ST_SEEN, ST_STEPS, ST_U, ST_WSCALE,
    SgdPart, SgdRun, clip_l1, first_averaged, part_sums, row_residuals, row_scatter,
    schedule,
)
from .adagrad_step cimport adagrad_rate, catch_up_feature
from .adagrad_rows cimport adagrad_rows

# The state vector's layout (sgd_update.pxd's ST_* constants) by Python name
STATE_FIELDS = {
    "wscale": ST_WSCALE, "steps": ST_STEPS, "seen": ST_SEEN, "u": ST_U, "beta": ST_BETA,
    "n_avg": ST_N_AVG, "loss": ST_LOSS, "avg_weight": ST_AVG_WEIGHT,
}
STATE_SIZE = N_STATE
THREADS_AVAILABLE = bool(HANDOFF_THREADS)
# The one table of the ``learning_rate`` values: name -> ``lr_kind`` of ``_schedule``, in
# the order the estimator's docs and error messages list them (``_validation`` reads it).
LEARNING_RATES = {"optimal": 1, "invscaling": 2, "constant": 0, "adaptive": 0, "adagrad": 3}
cdef int LR_ADAGRAD = 3

cdef double MIN_WSCALE = 1e-9
# Fold early when beta * V outgrows the averaged sum by this factor: A + beta * V then
# cancels and loses log10(ratio) digits (a strong L2 shrink between folds does that).
cdef double MAX_BETA_RATIO = 1e3


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


cdef int _sgd_rows(
    const floating* data, const index_t* indices, const index_t* indptr,
    const SgdRun* run, SgdPart* parts, Py_ssize_t n_own, Py_ssize_t me, double* scores,
) noexcept nogil:
    """SGD steps over ``run.order[run.start:run.stop]`` for the parts ``parts[:n_own]``
    (see the design note); 1 if non-finite.

    ``run`` holds the call's settings, the same for every thread. On one thread ``n_own
    == n_parts``; on a team, thread ``me`` runs ``parts[0]`` (= part ``me``) and hands
    each row's scores to the others through ``run.handoff``'s score lines. ``scores`` (K)
    is scratch.
    The thread keeps the scalars in ``parts[0].state`` and copies them to its other
    parts at the end.
    """
    # the settings as locals (the loop's code is that of plain arguments)
    cdef Py_ssize_t n_features = run.n_features, start = run.start, stop = run.stop
    cdef const int32_t* y = run.y
    cdef const double* sample_weight = run.sample_weight
    cdef const Py_ssize_t* order = run.order
    cdef Py_ssize_t K_total = run.n_classes, n_parts = run.n_parts
    cdef const Handoff* handoff = run.handoff
    cdef bint binomial = run.binomial, fit_intercept = run.fit_intercept
    cdef Py_ssize_t batch_size = run.batch_size
    cdef int lr_kind = run.lr_kind
    cdef double eta0 = run.eta0, power_t = run.power_t, alpha = run.alpha
    cdef double l1_ratio = run.l1_ratio, optimal_init = run.optimal_init
    cdef double average_start = run.average_start
    cdef Py_ssize_t p, m, nb, i, k, j, q, nnz, next_nnz, col
    cdef const floating* values
    cdef const index_t* row_indices
    cdef const floating* next_values
    cdef const index_t* next_indices
    cdef const floating* after_values
    cdef const index_t* after_indices
    cdef Py_ssize_t after_nnz
    cdef double* r
    cdef double eta, factor, step
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
        eta = schedule(lr_kind, state[ST_STEPS] + 1.0, eta0, alpha, power_t, optimal_init)

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
                row_dot(values, row_indices, nnz, <floating*> part.V, part.K, r,
                        next_indices, next_nnz, part.A, binomial)
                for k in range(part.K):
                    scores[part.k_off + k] = part.intercept[k] + state[ST_WSCALE] * r[k]
            if row_residuals(handoff, scores, K_total, me, p + m + 1, threaded, y[i],
                             sample_weight[i], binomial, &state[ST_LOSS]) != 0:
                status = 1
                break
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
                row_scatter(values, row_indices, nnz, <floating*> part.V, part.A,
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
                        clip_l1(V + col, part.Q + col, a_row, part.K, state[ST_WSCALE],
                                state[ST_U], state[ST_BETA])

        state[ST_STEPS] += 1.0
        state[ST_SEEN] += nb
        averaging = average_start > 0 and state[ST_SEEN] >= average_start
        if averaging and has_A:
            state[ST_BETA] += state[ST_WSCALE]
            state[ST_N_AVG] += 1.0
            state[ST_AVG_WEIGHT] += 1.0
            for q in range(n_own):
                part = &parts[q]
                for k in range(part.K):
                    part.A_intercept[k] += part.intercept[k]
        p += nb
    for q in range(1, n_own):
        for k in range(N_STATE):
            parts[q].state[k] = state[k]
    return status


def adagrad_rates(double[::1] G, double[::1] E, double eta0, double power_t):
    """E = eta0 / G**power_t (0 where G is): the weights' steps, at a pass's start (eta0
    or power_t may have changed since the last).

    Parameters
    ----------
    G, E : ndarray of shape (n,), float64
    eta0, power_t : float
    """
    cdef Py_ssize_t p
    with nogil:
        for p in range(G.shape[0]):
            E[p] = adagrad_rate(G[p], eta0, power_t)


def adagrad_catch_up(floating[:, ::1] V, double[::1] E, double[::1] A, double[::1] last,
                     double[::1] state, double alpha, double l1_ratio,
                     bint linear_average=False):
    """Apply to every weight the steps it skipped since its feature's ``last`` step
    (``learning_rate="adagrad"``, end of a pass), so that V and A are current.

    Parameters
    ----------
    V : ndarray of shape (n_features, K), float32 or float64
    E : ndarray of shape (n_features,), float64
        The features' steps.
    A : ndarray of shape (n_features * K,) or (0,), float64
    last : ndarray of shape (n_features,), float64
        Set to the current step.
    state : ndarray of shape (N_STATE,), float64
    alpha, l1_ratio : float
    linear_average : bool, default=False
        Weight each averaged step by its rank (``average="linear"``).
    """
    cdef Py_ssize_t n_features = V.shape[0], K = V.shape[1], col
    cdef double t = state[ST_STEPS]
    cdef double l2 = alpha * (1.0 - l1_ratio), l1 = alpha * l1_ratio
    cdef double* a_ptr = &A[0] if A.shape[0] > 0 else NULL
    if n_features == 0 or K == 0:
        return
    with nogil:
        for col in range(n_features):
            if last[col] < t:
                catch_up_feature(&V[col, 0], E[col], a_ptr + col * K if a_ptr != NULL
                                 else NULL, K, t - last[col], first_averaged(&state[0])
                                 - last[col], l1, l2, linear_average)
                last[col] = t


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
    bint linear_average=False,
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
    parts : list of SgdPart
        One ``softmaxreg._solvers.parts.SgdPart`` per class range ``[k_off, k_off + k)``, in
        class order, covering [0, K), read by attribute name (its fields are documented
        there).
    binomial, fit_intercept : bool
    batch_size : int
    lr_kind : int
        0 constant (and adaptive), 1 optimal, 2 invscaling, 3 adagrad (``LEARNING_RATES``;
        adagrad needs ``batch_size == 1`` and the parts' G, G_intercept and last).
    eta0, power_t, alpha, l1_ratio, optimal_init : float
    average_start : float
        Average the iterates once this many samples have been seen; 0 for no average.
    n_threads : int, default=1
        Run the parts on this many threads (one part each); any other value, or a team
        OpenMP makes smaller, runs all parts on one thread: the same arithmetic, so the
        same model.
    linear_average : bool, default=False
        "adagrad" only: weight the averaged steps 1, 2, 3, ... (``average="linear"``),
        which forgets the early iterates without knowing how many steps will follow.

    Returns
    -------
    status : int
        0 on success, 1 if a score became non-finite (the caller raises).
    """
    cdef Py_ssize_t n_parts = len(parts), K = 0, q, tid, role, row
    cdef SgdRun run
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
    cdef double[::1] intercept, Q, A, A_intercept, state, G, G_intercept, E, last
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
            part = parts[q]
            V, intercept, Q, A = part.V, part.intercept, part.Q, part.A
            A_intercept, state, resid = part.A_intercept, part.state, part.resid
            G, G_intercept, E, last = part.G, part.G_intercept, part.E, part.last
            keep.append((V, intercept, Q, A, A_intercept, state, resid, G, G_intercept, E,
                         last))
            if part.k_off != K or V.shape[0] != n_features or resid.shape[1] != V.shape[1] \
                    or resid.shape[0] < min(batch_size, stop - start):
                raise ValueError("parts must cover the classes in order, with (batch, k) resid")
            if lr_kind == LR_ADAGRAD and (G.shape[0] != n_features
                                          or E.shape[0] != G.shape[0]
                                          or G_intercept.shape[0] != V.shape[1]
                                          or last.shape[0] != n_features or batch_size != 1):
                raise ValueError("adagrad needs G, G_intercept and last, and batch_size=1")
            cparts[q] = SgdPart(  # Q, A: NULL when empty
                V=&V[0, 0], intercept=&intercept[0], Q=NULL, A=NULL,
                A_intercept=&A_intercept[0], state=&state[0], resid=&resid[0, 0], G=NULL,
                G_intercept=NULL, E=NULL, last=NULL, k_off=K, K=V.shape[1])
            if lr_kind == LR_ADAGRAD:
                cparts[q].G = &G[0] if G.shape[0] > 0 else NULL
                cparts[q].G_intercept = &G_intercept[0]
                cparts[q].E = &E[0] if E.shape[0] > 0 else NULL
                cparts[q].last = &last[0] if last.shape[0] > 0 else NULL
            if Q.shape[0] > 0:
                cparts[q].Q = &Q[0]
            if A.shape[0] > 0:
                cparts[q].A = &A[0]
            K += V.shape[1]
        # per thread the row's scores (K), on lines of their own
        row = lines(K)
        for q in range(n_parts):
            part_sizes[q] = cparts[q].K
        buffer = <double*> calloc(n_parts * row + 8, sizeof(double))
        if buffer == NULL or handoff_new(&handoff, n_parts, part_sizes) != 0:
            free(buffer)
            raise MemoryError()
        scratch = <double*> line_aligned(buffer)
        run = SgdRun(
            n_features=n_features, y=&y[0], sample_weight=&sample_weight[0], order=&order[0],
            start=start, stop=stop, n_classes=K, n_parts=n_parts, handoff=&handoff,
            binomial=binomial, fit_intercept=fit_intercept, batch_size=batch_size,
            lr_kind=lr_kind, eta0=eta0, power_t=power_t, alpha=alpha, l1_ratio=l1_ratio,
            optimal_init=optimal_init, average_start=average_start,
            linear_average=linear_average)
        with nogil:
            if n_threads == 1 and lr_kind == LR_ADAGRAD:
                status = adagrad_rows(data_ptr, ind_ptr, indptr_ptr, &run, cparts, n_parts, 0,
                                      scratch)
            elif n_threads == 1:
                status = _sgd_rows(data_ptr, ind_ptr, indptr_ptr, &run, cparts, n_parts, 0,
                                   scratch)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role != NO_PART:
                        # one part on its own thread, or every part on thread 0
                        tid = 0 if role == ALL_PARTS else role
                        if lr_kind == LR_ADAGRAD:
                            handoff.statuses[tid] = adagrad_rows(
                                data_ptr, ind_ptr, indptr_ptr, &run, cparts + tid,
                                n_parts if role == ALL_PARTS else 1, tid, scratch + tid * row)
                        else:
                            handoff.statuses[tid] = _sgd_rows(
                                data_ptr, ind_ptr, indptr_ptr, &run, cparts + tid,
                                n_parts if role == ALL_PARTS else 1, tid, scratch + tid * row)
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
        clip_l1(&V[0, 0], &Q[0], a_ptr, n, state[ST_WSCALE], state[ST_U], state[ST_BETA])


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
                    part_sums(v_ptr[q], sizes[2 * q], a_ptr[q], sizes[2 * q + 1],
                              out_a + 8 * q)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role >= 0:
                        part_sums(v_ptr[role], sizes[2 * role], a_ptr[role],
                                  sizes[2 * role + 1], out_a + 8 * role)
                    elif role == ALL_PARTS:
                        for tid in range(n_parts):
                            part_sums(v_ptr[tid], sizes[2 * tid], a_ptr[tid],
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
