# cython: language_level=3, cdivision=True
"""The row loop of ``learning_rate="adagrad"`` (``sgd.pyx``'s ``sgd_pass`` runs it for
the parts of one thread): one row a step, the per-feature steps and the closed-form
catch-up of ``adagrad_step.pxd``. Trusts its inputs (see ``sgd.pyx``'s header)."""

from libc.math cimport isfinite
from libc.stdint cimport int32_t

from .adagrad_step cimport adagrad_rate, catch_up_feature, prox_step
from .handoff cimport Handoff
from .rowmath cimport floating, index_t, prefetch_read, row_dot, row_view
from .sgd_update cimport (
    N_STATE, ST_AVG_WEIGHT, ST_LOSS, ST_N_AVG, ST_SEEN, ST_STEPS, SgdPart, SgdRun,
    first_averaged, row_residuals,
)


cdef inline int adagrad_rows(
    const floating* data, const index_t* indices, const index_t* indptr,
    const SgdRun* run, SgdPart* parts, Py_ssize_t n_own, Py_ssize_t me, double* scores,
) noexcept nogil:
    """``learning_rate="adagrad"`` steps, one row each, over ``run.order[run.start:
    run.stop]``; the arguments and threads as in ``_sgd_rows``. 1 if non-finite.

    Per row x (features J) at step t + 1::

        W[J] = prox^(t - last[J])(W[J])              # the steps W[J] skipped
        r = s_i * (softmax(b + x @ W) - onehot(y_i))
        G[J] += x[J]**2 * ||r||**2;  e[J] = eta0 / G[J]**power_t
        W[J] = prox_e(W[J] - e[J] * outer(x, r));  last[J] = t + 1

    ``||r||`` is over all K classes, which every thread has (the exchanged scores), so
    each part keeps the same G.
    """
    cdef Py_ssize_t n_features = run.n_features, start = run.start, stop = run.stop
    cdef const int32_t* y = run.y
    cdef const double* sample_weight = run.sample_weight
    cdef const Py_ssize_t* order = run.order
    cdef Py_ssize_t K_total = run.n_classes, n_parts = run.n_parts
    cdef const Handoff* handoff = run.handoff
    cdef bint binomial = run.binomial, fit_intercept = run.fit_intercept
    cdef double eta0 = run.eta0, power_t = run.power_t, average_start = run.average_start
    cdef bint linear = run.linear_average
    cdef double omega = 1.0  # the averaged step's weight
    cdef double l2 = run.alpha * (1.0 - run.l1_ratio), l1 = run.alpha * run.l1_ratio
    cdef Py_ssize_t p, i, k, j, q, nnz, next_nnz, col, K
    cdef const floating* values
    cdef const index_t* row_indices
    cdef const floating* next_values
    cdef const index_t* next_indices
    cdef double* r
    cdef double* a_row
    cdef double t, x, e, z, rr, shrink
    cdef double* state = parts[0].state
    cdef SgdPart* part
    cdef floating* V
    cdef bint averaging, threaded = n_own < n_parts, has_A = parts[0].A != NULL
    cdef int status = 0

    for p in range(start, stop):
        i = order[p]
        t = state[ST_STEPS]
        averaging = has_A and average_start > 0 and state[ST_SEEN] + 1.0 >= average_start
        if linear:
            omega = state[ST_N_AVG] + 1.0
        nnz = row_view(data, indices, indptr, n_features, i, &values, &row_indices)
        next_indices = NULL
        next_nnz = 0
        if p + 1 < stop:
            next_nnz = row_view(data, indices, indptr, n_features, order[p + 1],
                                &next_values, &next_indices)
        for q in range(n_own):
            part = &parts[q]
            K = part.K
            V = <floating*> part.V
            # bring the row's weights up to step t, then its scores; the next row's
            # per-feature entries are fetched meanwhile (row_dot fetches its weights)
            for j in range(nnz):
                col = j if row_indices == NULL else row_indices[j]
                if next_indices != NULL and j < next_nnz:
                    prefetch_read(part.last + next_indices[j])
                    prefetch_read(part.G + next_indices[j])
                    prefetch_read(part.E + next_indices[j])
                if part.last[col] < t:
                    a_row = part.A + col * K if has_A else NULL
                    catch_up_feature(V + col * K, part.E[col], a_row, K,
                                     t - part.last[col],
                                     first_averaged(state) - part.last[col], l1, l2, linear)
                    part.last[col] = t
            r = part.resid
            for k in range(K):
                r[k] = 0.0
            # (the averaged sum's blocks of the next row are prefetched with V's)
            row_dot(values, row_indices, nnz, <floating*> V, K, r, next_indices, next_nnz,
                    part.A if has_A else NULL, binomial)
            for k in range(K):
                scores[part.k_off + k] = part.intercept[k] + r[k]
        if row_residuals(handoff, scores, K_total, me, p + 1, threaded, y[i],
                         sample_weight[i], binomial, &state[ST_LOSS]) != 0:
            status = 1
            break
        rr = 0.0
        for k in range(K_total):
            rr += scores[k] * scores[k]
        if not isfinite(rr):
            status = 1
            break

        # the proximal AdaGrad step on the row's weights and the intercepts
        for q in range(n_own):
            part = &parts[q]
            K = part.K
            V = <floating*> part.V
            r = part.resid
            for k in range(K):
                r[k] = scores[part.k_off + k]
            for j in range(nnz):
                x = values[j]
                col = j if row_indices == NULL else row_indices[j]
                part.G[col] += x * x * rr
                if not isfinite(part.G[col]):
                    # x too large to square: the same advice as a diverged score
                    status = 1
                e = adagrad_rate(part.G[col], eta0, power_t)
                part.E[col] = e
                if l1 == 0.0:
                    shrink = 1.0 / (1.0 + e * l2)
                    for k in range(K):
                        V[col * K + k] = <floating> ((V[col * K + k] - e * x * r[k]) * shrink)
                else:
                    for k in range(K):
                        z = prox_step(V[col * K + k] - e * x * r[k], e, l1, l2)
                        V[col * K + k] = <floating> z
                if averaging:
                    for k in range(K):
                        part.A[col * K + k] += omega * V[col * K + k]
                part.last[col] = t + 1.0
            if fit_intercept:
                for k in range(K):
                    part.G_intercept[k] += r[k] * r[k]
                    part.intercept[k] -= adagrad_rate(part.G_intercept[k], eta0,
                                                      power_t) * r[k]
            if averaging:
                for k in range(K):
                    part.A_intercept[k] += omega * part.intercept[k]
        if status != 0:
            break
        state[ST_STEPS] += 1.0
        state[ST_SEEN] += 1.0
        if averaging:
            state[ST_N_AVG] += 1.0
            state[ST_AVG_WEIGHT] += omega
    for q in range(1, n_own):
        for k in range(N_STATE):
            parts[q].state[k] = state[k]
    return status
