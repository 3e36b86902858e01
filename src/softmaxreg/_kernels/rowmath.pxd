# cython: language_level=3, cdivision=True
"""Per-row helpers shared by the kernels: stable softmax math and the dense/CSR row view.

Every helper works on one row and is ``inline noexcept nogil``; arrays loops live in
the ``.pyx`` files. Math is done in double whatever the storage type.

Row view
--------
A row of X is ``(values, indices, nnz)``: for CSR, the row's slice of ``data`` and
``indices``; for dense C-ordered X, ``indices`` is NULL and column ``j`` of the row is
``values[j]`` (``nnz == n_features``). The helpers branch on ``indices == NULL`` once per
row, so one solver body serves both containers.
"""

from libc.math cimport exp, log, log1p, INFINITY
from libc.stdint cimport int32_t, int64_t

cdef extern from *:
    """
    /* On x86 with GCC/clang an asm prefetch: GCC drops loops whose only effect is
       __builtin_prefetch, and a prefetch pass over the next row is exactly that. */
    #if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    #define SOFTMAXREG_PREFETCH(p) \
        __asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)(p)))
    #define SOFTMAXREG_PREFETCH_W(p) SOFTMAXREG_PREFETCH(p)
    #elif defined(__GNUC__) || defined(__clang__)
    #define SOFTMAXREG_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
    #define SOFTMAXREG_PREFETCH_W(p) __builtin_prefetch((const void *)(p), 1, 3)
    #else
    #define SOFTMAXREG_PREFETCH(p) ((void)(p))
    #define SOFTMAXREG_PREFETCH_W(p) ((void)(p))
    #endif
    """
    void prefetch_read "SOFTMAXREG_PREFETCH"(const void* p) noexcept nogil
    void prefetch_write "SOFTMAXREG_PREFETCH_W"(const void* p) noexcept nogil


cdef inline void prefetch_block(const void* p, Py_ssize_t n_bytes) noexcept nogil:
    """Prefetch every 64-byte cache line of the ``n_bytes`` bytes at p (none if <= 0)."""
    cdef const char* c = <const char*> p
    cdef Py_ssize_t off = 0
    if n_bytes <= 0:
        return
    while off < n_bytes:
        prefetch_read(c + off)
        off += 64
    prefetch_read(c + n_bytes - 1)


ctypedef fused floating:
    float
    double

ctypedef fused index_t:
    int32_t
    int64_t

# Weights stored in X's dtype (SGD) or in double (loss, scores)
ctypedef fused weight_t:
    float
    double


cdef inline double max_row(const floating* z, Py_ssize_t n) noexcept nogil:
    """max(z[:n]); -inf for n == 0."""
    cdef double m = -INFINITY
    cdef Py_ssize_t k
    for k in range(n):
        if z[k] > m:
            m = z[k]
    return m


cdef inline double shifted_logsumexp_row(
    const floating* z, Py_ssize_t n, double* max_out
) noexcept nogil:
    """log(sum(exp(z[:n] - m))) with m = max(z[:n]) written to ``max_out``.

    ``(z[k] - m) - result`` is then log_softmax(z)[k], exact to rounding even for
    |z| ~ 1e4, where ``z[k] - (m + result)`` would lose bits.
    """
    cdef double m = max_row(z, n)
    cdef double s = 0.0
    cdef Py_ssize_t k
    max_out[0] = m
    if m == INFINITY or m == -INFINITY:
        return 0.0
    for k in range(n):
        s += exp(z[k] - m)
    return log(s)


cdef inline double logsumexp_row(const floating* z, Py_ssize_t n) noexcept nogil:
    """log(sum(exp(z[:n]))) with the max shift, summed in double."""
    cdef double m
    cdef double r = shifted_logsumexp_row(z, n, &m)
    return m + r


cdef inline double softplus(double z) noexcept nogil:
    """log(1 + exp(z)) without overflow or loss of precision for large |z|."""
    if z > 0.0:
        return z + log1p(exp(-z))
    return log1p(exp(z))


cdef inline double expit(double z) noexcept nogil:
    """1 / (1 + exp(-z)) without overflow."""
    cdef double e
    if z >= 0.0:
        return 1.0 / (1.0 + exp(-z))
    e = exp(z)
    return e / (1.0 + e)


cdef inline double loss_residual(
    double* raw, Py_ssize_t n_classes, Py_ssize_t label, bint binomial, double weight
) noexcept nogil:
    """One sample's loss at scores ``raw``; ``raw`` becomes ``weight * (p - onehot(label))``.

    Softmax cross-entropy ``logsumexp(raw) - raw[label]`` with p = softmax(raw), or for
    ``binomial`` (one column) ``softplus(raw) - label * raw`` with p = expit(raw). The
    residual is the gradient of the loss with respect to the scores, which every solver
    scatters into the weights of the row's features.
    """
    cdef double z, m, s, scale, loss
    cdef Py_ssize_t k
    if binomial:
        z = raw[0]
        raw[0] = weight * (expit(z) - label)
        return softplus(z) - label * z
    m = max_row(raw, n_classes)
    loss = m - raw[label]
    if m == INFINITY or m == -INFINITY:  # non-finite scores: NaN residuals, the callers stop
        for k in range(n_classes):
            raw[k] = weight * exp(raw[k] - m)
        raw[label] -= weight
        return loss
    # one exp per class: p_k = exp(z_k - m) / s (as exact as exp(z_k - m - log s))
    s = 0.0
    for k in range(n_classes):
        raw[k] = exp(raw[k] - m)
        s += raw[k]
    scale = weight / s
    for k in range(n_classes):
        raw[k] *= scale
    raw[label] -= weight
    return loss + log(s)


# Up to this many classes the row dot sums in a local array (see ``row_dot``).
cdef enum:
    MAX_LOCAL_K = 64


cdef inline void row_dot(
    const floating* values,
    const index_t* indices,
    Py_ssize_t nnz,
    const weight_t* W,
    Py_ssize_t n_classes,
    double* raw_out,
    const index_t* next_indices,
    Py_ssize_t next_nnz,
    const double* W2,
    bint one_weight,
) noexcept nogil:
    """raw_out[:K] += x @ W for one row x; W is feature-major (n_features, K).

    The row dot of every kernel (loss, scores, SGD). While it reads row x's weight
    blocks it prefetches those of the next row (``next_indices[:next_nnz]``; NULL for
    none), one per nonzero, so the scattered reads of the next row are already in flight
    when it starts; ``W2`` (NULL for none) is a second (n_features, K) double array whose
    blocks are prefetched too (SGD's averaged sum). Up to ``MAX_LOCAL_K`` classes the
    sums run in a local array from zero, which the compiler knows does not alias W, so it
    vectorises the class loop (through ``raw_out`` it cannot), and are then added to
    ``raw_out``; products are taken in double.

    ``one_weight`` (the binomial SGD model, K = 1, ``W2`` NULL): the sum runs in a
    register and each product in W's precision, as that model has always computed it.
    """
    cdef Py_ssize_t j, k, col
    cdef double x, a0
    cdef double acc[MAX_LOCAL_K]
    cdef const weight_t* w
    cdef Py_ssize_t block = n_classes * sizeof(weight_t)
    if next_indices == NULL:
        next_nnz = 0
    if one_weight and W2 == NULL:
        a0 = 0.0
        for j in range(nnz):
            if j < next_nnz:
                prefetch_read(W + next_indices[j])
            a0 += values[j] * W[j if indices == NULL else indices[j]]
        raw_out[0] += a0
        for j in range(nnz, next_nnz):
            prefetch_read(W + next_indices[j])
        return
    if n_classes <= MAX_LOCAL_K:
        for k in range(n_classes):
            acc[k] = 0.0
        for j in range(nnz):
            if j < next_nnz:
                col = next_indices[j] * n_classes
                prefetch_block(W + col, block)
                if W2 != NULL:
                    prefetch_block(W2 + col, n_classes * sizeof(double))
            x = values[j]
            col = j if indices == NULL else indices[j]
            w = W + col * n_classes
            for k in range(n_classes):
                acc[k] += x * w[k]
        for k in range(n_classes):
            raw_out[k] += acc[k]
    else:
        for j in range(nnz):
            if j < next_nnz:
                col = next_indices[j] * n_classes
                prefetch_block(W + col, block)
                if W2 != NULL:
                    prefetch_block(W2 + col, n_classes * sizeof(double))
            x = values[j]
            col = j if indices == NULL else indices[j]
            w = W + col * n_classes
            for k in range(n_classes):
                raw_out[k] += x * w[k]
    for j in range(nnz, next_nnz):
        col = next_indices[j] * n_classes
        prefetch_block(W + col, block)
        if W2 != NULL:
            prefetch_block(W2 + col, n_classes * sizeof(double))


cdef inline void row_outer_add_ahead(
    const floating* values,
    const index_t* indices,
    Py_ssize_t nnz,
    const double* r,
    Py_ssize_t n_classes,
    double* G_out,
    const index_t* next_indices,
    Py_ssize_t next_nnz,
) noexcept nogil:
    """G_out[features of x, :] += outer(x, r) for one row x; G_out is (n_features, K).

    Prefetches (for writing) the next row's blocks of G_out as it goes, like
    ``row_dot``.
    """
    cdef Py_ssize_t j, k
    cdef double x
    cdef double* g
    if indices == NULL:
        for j in range(nnz):
            x = values[j]
            g = G_out + j * n_classes
            for k in range(n_classes):
                g[k] += x * r[k]
        return
    for j in range(nnz):
        if j < next_nnz:
            prefetch_block(G_out + next_indices[j] * n_classes, n_classes * sizeof(double))
        x = values[j]
        g = G_out + indices[j] * n_classes
        for k in range(n_classes):
            g[k] += x * r[k]
    for j in range(nnz, next_nnz):
        prefetch_block(G_out + next_indices[j] * n_classes, n_classes * sizeof(double))


cdef inline Py_ssize_t row_view(
    const floating* data,
    const index_t* indices,
    const index_t* indptr,
    Py_ssize_t n_features,
    Py_ssize_t i,
    const floating** values_out,
    const index_t** indices_out,
) noexcept nogil:
    """Point ``values_out``/``indices_out`` at row i of X and return its nnz.

    Dense X is signalled by ``indptr == NULL``: the row is ``data[i * n_features:]``
    and ``indices_out`` is set to NULL.
    """
    if indptr == NULL:
        values_out[0] = data + i * n_features
        indices_out[0] = NULL
        return n_features
    values_out[0] = data + indptr[i]
    indices_out[0] = indices + indptr[i]
    return indptr[i + 1] - indptr[i]
