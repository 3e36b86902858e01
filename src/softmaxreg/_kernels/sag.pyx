# cython: language_level=3, cdivision=True
"""SAG and SAGA epochs for softmax / sigmoid regression, with just-in-time sparse updates.

Design
------
Objective, an average of n per-sample terms (``c_i = n * s_i / S``)::

    f(W, b) = (1/n) sum_i c_i * loss(x_i @ W + b, y_i) + l2/2 ||W||^2 + l1 ||W||_1

One step on sample i (``n_t`` = distinct samples seen so far, ``G = X.T @ memory``)::

    delta = c_i * r_i(x_i @ W + b) - memory[i];  memory[i] += delta
    G += outer(x_i, delta);  G0 += delta
    SAG :  W = (1 - eta*l2) W - eta/n_t * G
    SAGA:  W = prox_{eta*l1}((1 - eta*l2) W - eta*(1 - 1/n_t) outer(x_i, delta) - eta/n_t * G)
    b -= eta * s_b * ((1 - 1/n_t) delta [SAGA only] + G0 / n_t)   (intercept: no penalty)

with ``r = softmax(raw) - onehot(y)`` (``expit(raw) - y`` for the binomial model) and
``s_b`` the intercept's step multiplier. The dense part of a step is applied lazily, a
feature at a time when a row touches it (``_sag_lazy.pxd``), so an epoch costs
O(nnz * K) plus O(n_features * K) once (``finish_epoch``). Feature j's weights and
gradient sums sit side by side in one block (``_sag_step.pxd``); the next row's blocks
are prefetched while the current row is processed. The classes can be split into parts
run by one thread each, which hand each row's scores to each other (``_handoff.pxd``);
every class's arithmetic is the same whatever the split, so the model does not depend
on the thread count. The step size is the caller's (``softmaxreg._solvers.sag``). The
full design (the closed forms of the L1 catch-up, the memory layout, the threads, the
step size) is in ``docs/design.md``.

Input contract: kernels trust their inputs, which ``softmaxreg._validation`` and the
driver check once: finite data, a consistent CSR structure (dense X: ``indices`` and
``indptr`` empty, data raveled C-ordered), labels in [0, K) (0/1 binomial), ``c_i >=
0``, ``order`` entries in [0, n_samples), all arrays C-contiguous, ``eta * l2 < 1``.
``order`` may repeat rows and need not cover all of them.

Status: the kernels never raise on data. ``sag_steps`` returns ``STATUS_OK`` (0), or
``STATUS_NONFINITE`` (1) when a score became inf or NaN (the state is then unusable);
``finish_epoch`` returns NaN maxima when a weight is not finite.
"""

from libc.math cimport fmax, isfinite
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free
from cython.parallel cimport parallel

from .handoff cimport (
    ALL_PARTS, HANDOFF_THREADS, NO_PART, Handoff, exchange_scores, handoff_free,
    handoff_new, handoff_status, line_aligned, lines, team_role,
)
from .rowmath cimport floating, index_t, loss_residual, prefetch_block, row_view
from .sag_lazy cimport FinishJob, finish_block, finish_features, prox_coordinate
from .sag_step cimport SagPart, SagRun, part_scores, part_update

STATUS_OK = 0
STATUS_NONFINITE = 1
# Segment length cap: the last-step index stored in a float32 block slot stays exact.
MAX_SEGMENT = 1 << 24
# The weights are stored as W = scale * V, and scale is folded into V (a pass over all
# n_features * K weights) when it falls below this, so that V = W / scale stays far
# inside X's dtype's range. At a large alpha each step shrinks scale by up to 1/2: with
# 1e-9 float64 X then paid a fold every 30 steps, and the first fits of a
# regularisation path took 20x as long per epoch as the last (issue 20). 1e-240 folds
# 26x less often (on 20newsgroups TF-IDF the first two fits of a path took 20% less
# time than with 1e-120) and leaves |W| up to 1e68 representable as V; A and B (sums of
# eta / scale) stay below 1e250. Float32 keeps 1e-9 (V must stay below 3.4e38).
cdef double MIN_SCALE_FLOAT32 = 1e-9
cdef double MIN_SCALE_FLOAT64 = 1e-240
THREADS_AVAILABLE = bool(HANDOFF_THREADS)


cdef void _finish_segment(
    floating* blocks, Py_ssize_t n_features, Py_ssize_t K, Py_ssize_t t, double scale,
    const double* A, const double* B, const double* R, double l1,
) noexcept nogil:
    """Catch every feature up to step t, fold ``scale`` into V and reset the last steps."""
    cdef Py_ssize_t j
    cdef Py_ssize_t stride = 2 * K + 2
    for j in range(n_features):
        finish_block(blocks + j * stride, K, t, scale, A, B, R, l1)


cdef int _sag_rows(
    const floating* data, const index_t* indices, const index_t* indptr,
    const SagRun* run, SagPart* parts, Py_ssize_t n_own, Py_ssize_t me, double* scores,
) noexcept nogil:
    """Run SAG/SAGA steps over the rows ``run.order[:run.n_order]`` for the parts
    ``parts[:n_own]``; see ``sag_steps`` and the design note.

    ``run`` holds the call's settings, the same for every thread. On one thread ``n_own
    == n_parts`` (all parts; ``me`` is 0). On a team, thread ``me`` runs the single part
    ``parts[0]`` (= part ``me``) and hands each row's scores to the others through
    ``run.handoff``'s score lines. ``scores`` (K) is this thread's scratch for the row's
    full score vector.
    """
    # the settings as locals (the loop's code is that of plain arguments)
    cdef Py_ssize_t n_features = run.n_features, n_order = run.n_order
    cdef const int32_t* y = run.y
    cdef const double* c = run.c
    cdef const Py_ssize_t* order = run.order
    cdef Py_ssize_t K_total = run.n_classes, n_parts = run.n_parts, seg_cap = run.seg_cap
    cdef const Handoff* handoff = run.handoff
    cdef double step = run.step, l2 = run.l2, l1 = run.l1
    cdef double intercept_scale = run.intercept_scale
    cdef bint saga = run.saga, binomial = run.binomial
    cdef SagPart* first = &parts[0]
    cdef Py_ssize_t pos, i, k, q, nnz, next_nnz, t = first.counters[0]
    cdef int64_t n_seen = first.counters[1]
    cdef double scale = first.scale[0], shrink = 1.0 - step * l2
    cdef double min_scale = MIN_SCALE_FLOAT32 if floating is float else MIN_SCALE_FLOAT64
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
            part_scores(part, values, row_idx, nnz, next_idx, next_nnz, t, l1)
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
            part_update(&parts[q], values, row_idx, nnz, i, scores, corr,
                        step * intercept_scale, inv_n, saga)
        scale = new_scale
        if scale < min_scale:
            for q in range(n_own):
                _finish_segment(<floating*> parts[q].blocks, n_features, parts[q].Kp, t,
                                scale, parts[q].A, parts[q].B, parts[q].R, l1)
            t = 0
            scale = 1.0
    for q in range(n_own):
        part = &parts[q]
        part.counters[0] = t
        part.counters[1] = n_seen
        part.scale[0] = scale
        part.loss_sum[0] += loss_sum
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
    parts : list of SagPart
        One ``softmaxreg._solvers.parts.SagPart`` per class range ``[k_off, k_off + k)``, in
        class order, covering [0, K), read by attribute name (its fields are documented
        there). ``seen``, ``cumsums``, ``scale``, ``counters`` and ``loss_sum`` hold the
        same values in every part; each part has its own so that threads write only
        their own.
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
    cdef SagRun run
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
            part = parts[q]
            blocks, memory, seen, cumsums = part.blocks, part.memory, part.seen, part.cumsums
            intercept, intercept_sum = part.intercept, part.intercept_sum
            scale, counters, loss_sum = part.scale, part.counters, part.loss_sum
            keep.append((blocks, memory, intercept, intercept_sum, seen, cumsums, scale,
                         counters, loss_sum))
            if part.k_off != K:
                raise ValueError("parts must cover the classes in order")
            if blocks.shape[1] != 2 * padded_classes(memory.shape[1]) + 2 \
                    or blocks.shape[0] != n_features:
                raise ValueError("blocks must be (n_features, 2 * padded_classes(k) + 2)")
            if q == 0:
                seg_cap = cumsums.shape[1] - 1
            elif cumsums.shape[1] - 1 != seg_cap:
                raise ValueError("every part's cumsums must have the same length")
            cparts[q] = SagPart(  # raw and delta: set below
                blocks=&blocks[0, 0], memory=&memory[0, 0], intercept=&intercept[0],
                intercept_sum=&intercept_sum[0], raw=NULL, delta=NULL, seen=&seen[0],
                A=&cumsums[0, 0], B=&cumsums[1, 0], R=&cumsums[2, 0], scale=&scale[0],
                counters=&counters[0], loss_sum=&loss_sum[0], k_off=K, K=memory.shape[1],
                Kp=padded_classes(memory.shape[1]))
            K += cparts[q].K
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
        run = SagRun(
            n_features=n_features, y=&y[0], c=&c[0], order=&order[0], n_order=order.shape[0],
            n_classes=K, n_parts=n_parts, handoff=&handoff, seg_cap=seg_cap, step=step, l2=l2,
            l1=l1, intercept_scale=intercept_scale, saga=saga, binomial=binomial)
        with nogil:
            if n_threads == 1:
                role = ALL_PARTS
                status = _sag_rows(data_ptr, ind_ptr, indptr_ptr, &run, cparts, n_parts, 0,
                                   scratch + q)
            else:
                with parallel(num_threads=n_threads):
                    role = team_role(n_parts)
                    if role != NO_PART:
                        # one part on its own thread, or every part on thread 0
                        tid = 0 if role == ALL_PARTS else role
                        handoff.statuses[tid] = _sag_rows(
                            data_ptr, ind_ptr, indptr_ptr, &run, cparts + tid,
                            n_parts if role == ALL_PARTS else 1, tid, scratch + q + tid * row)
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


cdef void _finish_job(const FinishJob* job, floating* dtype_tag, double l1,
                      double* acc) noexcept nogil:
    """:func:`finish_epoch` on one part, statistics added to ``acc + job.acc_offset``.
    ``dtype_tag`` (NULL) only selects the fused specialisation."""
    finish_features(<floating*> job.blocks, <floating*> job.previous, job.n, job.stride,
                    job.Kp, job.K, job.t, job.fold, job.A, job.B, job.R, l1,
                    acc + job.acc_offset)


def finish_epoch(list parts, double l1, list previous, int n_threads=1):
    """End an epoch: catch every feature of every part up, fold the scale into V and
    start a new segment, and take the stopping rule's statistics of the weights in the
    same pass over the blocks.

    Then previous = W. With ``n_threads == len(parts)`` part q is finished by thread q,
    the core whose caches hold its blocks after the epoch (``docs/design.md``).

    Parameters
    ----------
    parts : list of SagPart
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
    return _finish_epoch(parts[0].blocks[0], parts, l1, previous, n_threads)


def _finish_epoch(floating[::1] dtype_tag, list parts, double l1, list previous,
                  int n_threads):
    """:func:`finish_epoch` for X's dtype (``dtype_tag``: any array of it)."""
    cdef Py_ssize_t n_parts = len(parts), q, k, K, role, total = 0
    cdef double change = 0.0, weight = 0.0, sum_sq = 0.0, sum_abs = 0.0
    cdef double* acc
    cdef double* acc_q
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
            blocks, cumsums, prev = parts[q].blocks, parts[q].cumsums, previous[q]
            scale, counters = parts[q].scale, parts[q].counters
            K = parts[q].memory.shape[1]
            keep.append((blocks, cumsums, prev))
            if prev.shape[0] != blocks.shape[0] or prev.shape[1] != K:
                raise ValueError("previous[q] must be (n_features, k) of part q")
            jobs[q] = FinishJob(
                blocks=&blocks[0, 0], previous=&prev[0, 0], n=blocks.shape[0],
                stride=blocks.shape[1], Kp=(blocks.shape[1] - 2) // 2, K=K, t=counters[0],
                fold=scale[0], A=&cumsums[0, 0], B=&cumsums[1, 0], R=&cumsums[2, 0],
                acc_offset=total)
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
            parts[q].scale[0] = 1.0  # scale folded into V
            parts[q].counters[0] = 0  # a new segment
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
    return prox_coordinate(v, G, p, m, &A[0], &B[0], &R[0], l1)
