# cython: language_level=3
"""The pieces of an SGD step (``_sgd.pyx``): the class part and the call's settings as C
structs, the step-size schedule, the scatter of a row's residuals into the weights and
the cumulative clipped L1 step, and a part's weight sums (the driver's penalty and
divergence check). All ``inline noexcept nogil``; they trust their inputs
(see the kernel's header).
"""

from libc.math cimport fabs, isfinite, pow
from libc.stdint cimport int32_t

from .handoff cimport Handoff, exchange_scores
from .rowmath cimport MAX_LOCAL_K, floating, index_t, loss_residual


# Layout of the state vector shared with the Python driver (sgd.pyx's STATE_FIELDS)
cdef enum:
    ST_WSCALE = 0    # W = wscale * V
    ST_STEPS = 1     # steps taken so far
    ST_SEEN = 2      # samples seen so far
    ST_U = 3         # cumulative L1 penalty per weight
    ST_BETA = 4      # coefficient of V in the averaged sum A + beta * V
    ST_N_AVG = 5     # steps in the average
    ST_LOSS = 6      # sum of s_i * loss_i over rows seen (the caller resets it)
    ST_AVG_WEIGHT = 7  # sum of the averaged steps' weights (n_avg for a plain average)
    N_STATE = 8


cdef struct SgdPart:
    # One class range [k_off, k_off + K) of the model: the arrays of the Python SgdPart
    # (softmaxreg._parts) under the same names, and K.
    void* V               # (n_features, K), X's dtype
    double* intercept     # (K,)
    double* Q             # (n_features * K,) or NULL
    double* A             # (n_features * K,) or NULL
    double* A_intercept   # (K,)
    double* state         # (N_STATE,): the same values in every part
    double* resid         # (batch_size, K) residuals of the batch's rows
    double* G             # "adagrad": (n_features,) sums of squared gradient norms, or NULL
    double* G_intercept   # "adagrad": (K,) the same for the intercepts
    double* E             # "adagrad": (n_features,) each feature's step, eta0 / G**power_t
    double* last          # "adagrad": (n_features,) step each feature is up to date with
    Py_ssize_t k_off
    Py_ssize_t K


cdef struct SgdRun:
    # One sgd_pass call: the same for every thread, read only by the kernel
    Py_ssize_t n_features
    const int32_t* y              # (n_samples,) labels
    const double* sample_weight   # (n_samples,)
    const Py_ssize_t* order       # rows in visiting order; the call runs [start, stop)
    Py_ssize_t start
    Py_ssize_t stop
    Py_ssize_t n_classes          # K of the whole model (every part)
    Py_ssize_t n_parts
    const Handoff* handoff        # the score lines of a team
    bint binomial
    bint fit_intercept
    Py_ssize_t batch_size
    int lr_kind                   # LEARNING_RATES (3: "adagrad", _adagrad_rows)
    double eta0
    double power_t
    double alpha
    double l1_ratio
    double optimal_init
    double average_start
    bint linear_average           # "adagrad": weight each averaged step by its rank


cdef inline double schedule(int lr_kind, double t, double eta0, double alpha,
                            double power_t, double optimal_init) noexcept nogil:
    """Step size at (1-based) step t."""
    if lr_kind == 1:
        return 1.0 / (alpha * (optimal_init + t - 1.0))
    if lr_kind == 2:
        return eta0 / pow(t, power_t)
    return eta0


cdef inline void row_scatter(
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
        c0 = 0
        while c0 < n_classes:  # classes in chunks of MAX_LOCAL_K
            nk = min(MAX_LOCAL_K, n_classes - c0)
            for k in range(nk):
                fr[k] = <floating>(step * r[c0 + k])
            for j in range(nnz):
                x = values[j]
                col = j if indices == NULL else indices[j]
                v = V + col * n_classes + c0
                for k in range(nk):
                    v[k] = v[k] - x * fr[k]
            c0 += MAX_LOCAL_K
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


cdef inline void clip_l1(
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


cdef inline void part_sums(const floating* v, Py_ssize_t n, const double* A, Py_ssize_t n_A,
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


cdef inline double first_averaged(const double* state) noexcept nogil:
    """The (1-based) first step of the average; steps + 1 before averaging starts."""
    return state[ST_STEPS] - state[ST_N_AVG] + 1.0


cdef inline int row_residuals(const Handoff* handoff, double* scores, Py_ssize_t K,
                              Py_ssize_t me, Py_ssize_t seq, bint threaded, int32_t label,
                              double s, bint binomial, double* loss) noexcept nogil:
    """A row's scores, complete (from the team when ``threaded``), become its residuals
    ``s * (p - onehot)`` and ``s * loss`` is added to ``loss[0]``; 1, with nothing
    changed, when a score is not finite (the step size is too large)."""
    cdef Py_ssize_t k
    cdef double total = 0.0
    if threaded:
        exchange_scores(handoff, scores, me, seq)
    for k in range(K):
        total += scores[k]
    if not isfinite(total):
        return 1
    loss[0] += s * loss_residual(scores, K, label, binomial, s)
    return 0
