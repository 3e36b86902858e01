# cython: language_level=3
"""One SAG/SAGA step's work on one class part (``_sag.pyx``), and the C structs of a part
and of a call's settings.

A step on row x is two passes over the row's feature blocks per part: ``part_scores``
catches each block up to the current step and adds ``x_j * V[j]`` to the part's scores
(one fused pass, prefetching the next row's blocks), and after the softmax
``part_update`` moves the memory row and adds ``x_j * delta`` to ``G[j]`` (SAGA: also to
``V[j]``). The class loops run in fixed chunks of four lanes (``Kp`` is K rounded up to
4; 1 for the binomial model), which the compiler unrolls; products are in X's dtype,
sums of scores in double. (So SAG's scores do not come from ``_rowmath.row_dot``: their
pass is fused with the catch-up, over blocks that interleave V and G.) All helpers are
``inline noexcept nogil`` and trust their inputs.
"""

from libc.stdint cimport int32_t, int64_t

from .handoff cimport Handoff
from .rowmath cimport floating, index_t, prefetch_block
from .sag_lazy cimport catch_up


cdef struct SagPart:
    # One class range [k_off, k_off + K) of the model, with every array a step touches:
    # the arrays of the Python SagPart (softmaxreg._parts) under the same names (cumsums
    # as its three rows A, B, R), K, Kp and the part's scratch.
    void* blocks           # (n_features, 2 Kp + 2), X's dtype
    void* memory           # (n_samples, K), X's dtype
    double* intercept      # (K,)
    double* intercept_sum  # (K,)
    double* raw            # (Kp,) scratch: the part's scores of the current row
    void* delta            # (Kp,) scratch, X's dtype
    # A copy of the state every part shares (identical in all parts between calls)
    unsigned char* seen
    double* A
    double* B
    double* R
    double* scale
    int64_t* counters
    double* loss_sum
    Py_ssize_t k_off
    Py_ssize_t K
    Py_ssize_t Kp


cdef struct SagRun:
    # One sag_steps call: the same for every thread, read only by the kernel
    Py_ssize_t n_features
    const int32_t* y              # (n_samples,) labels
    const double* c               # (n_samples,) loss multipliers c_i
    const Py_ssize_t* order       # the rows to visit
    Py_ssize_t n_order
    Py_ssize_t n_classes          # K of the whole model (every part)
    Py_ssize_t n_parts
    const Handoff* handoff        # the score lines of a team
    Py_ssize_t seg_cap            # steps a segment can hold (cumsums' length - 1)
    double step                   # eta
    double l2
    double l1
    double intercept_scale        # s_b; 0 without an intercept
    bint saga
    bint binomial


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


cdef inline void part_scores(
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
                catch_up(blk, Kp, t, A, part.B, part.R, l1)
            if Kp == 1:
                raw[0] += x * blk[0]
            else:
                for k0 in range(0, Kp, 4):
                    _dot4(blk + k0, x, raw + k0)
    if next_idx != NULL:
        for jj in range(nnz, next_nnz):
            prefetch_block(blocks + next_idx[jj] * stride, stride_bytes)


cdef inline void part_update(
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
