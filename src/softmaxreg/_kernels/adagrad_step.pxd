# cython: language_level=3
"""The per-weight pieces of ``learning_rate="adagrad"`` (``sgd.pyx``'s ``_adagrad_rows``).

Each weight ``w`` has its own step ``e = eta0 / G**power_t``, ``G`` the sum of the
squares of its loss gradients so far (0 before the first one: then ``e = 0``). A step
with gradient ``g`` is the elastic-net proximal step at that step size::

    w = prox(w - e * g),    prox(z) = sign(z) * max(|z| - e * l1, 0) / (1 + e * l2)

A weight whose feature a row does not touch gets ``g = 0`` and the same ``e`` (G
changes only with a gradient), so the steps it skips are ``prox`` applied k times at
one step size, which ``prox_steps`` applies in closed form when the feature is next
touched: ``|w_i| + h = a**i * (|w_0| + h)`` with ``a = 1 / (1 + e * l2)`` and ``h = l1 /
l2``, until it reaches 0 (``|w_i| = |w_0| - i * e * l1`` when ``l2 == 0``). The sum of
the skipped iterates (averaged SGD) is a geometric sum of the same form. All in double,
``inline noexcept nogil``.
"""

from libc.math cimport exp, expm1, fabs, floor, log1p, pow, sqrt

from .rowmath cimport floating


cdef inline double adagrad_rate(double G, double eta0, double power_t) noexcept nogil:
    """Step size of a weight whose squared gradients sum to G (0 while G == 0)."""
    if G <= 0.0:
        return 0.0
    # pow is slow; the usual exponents take square roots
    if power_t == 0.5:
        return eta0 / sqrt(G)
    if power_t == 0.25:
        return eta0 / sqrt(sqrt(G))
    return eta0 / pow(G, power_t)


cdef inline double log1p_fast(double y) noexcept nogil:
    """log(1 + y) for y >= 0: the series to y**4 below 1e-4 (then exact to the last bit:
    the next term is under y * 2e-16), libm's log1p above. The step times l2 is that
    small for most weights."""
    if y < 1e-4:
        return y * (1.0 - y * (0.5 - y * (1.0 / 3.0 - y * 0.25)))
    return log1p(y)


cdef inline double prox_step(double z, double e, double l1, double l2) noexcept nogil:
    """One elastic-net proximal step at step size e: shrink |z| by e * l1, divide by
    1 + e * l2."""
    if z > e * l1:
        return (z - e * l1) / (1.0 + e * l2)
    if z < -e * l1:
        return (z + e * l1) / (1.0 + e * l2)
    return 0.0


cdef inline double prox_steps(double w0, double k, double e, double l1, double l2,
                              double i0, double* sum_out) noexcept nogil:
    """``prox`` applied k times to w0 (at step size e), in closed form; adds the sum of
    the iterates ``w_i`` for ``i0 <= i <= k`` (1-based) to ``sum_out[0]``.

    One transcendental call in the usual case: ``expm1`` for ``a**k - 1``, which also
    gives the geometric sum when it starts at i0 = 1 (``log(a)`` from a short series)."""
    cdef double m = fabs(w0), sign = 1.0 if w0 > 0.0 else -1.0
    cdef double la, h = 0.0, x, i1, n, geo, wk, emk = 0.0, an
    if k <= 0.0 or w0 == 0.0:
        return w0
    if e == 0.0 or (l1 == 0.0 and l2 == 0.0):
        if k >= i0:
            sum_out[0] += w0 * (k - i0 + 1.0)
        return w0
    la = -log1p_fast(e * l2)  # log(a)
    if l1 > 0.0 and la != 0.0:
        h = l1 / l2
    # i1: the last step with |w_i| > 0 (k when it stays positive)
    if l1 == 0.0:
        i1 = k
    elif la == 0.0:
        x = m / (e * l1)  # |w_i| = m - i e l1 > 0 for i < x
        i1 = floor(x) if floor(x) < x else x - 1.0
    else:
        x = log1p(m / h) / (-la)  # a**i (m + h) > h for i < x
        i1 = floor(x) if floor(x) < x else x - 1.0
    if i1 > k:
        i1 = k
    # the value after k steps: |w_k| = a**k (m + h) - h
    if i1 < k:
        wk = 0.0
    elif la == 0.0:
        wk = m - k * e * l1
    else:
        emk = expm1(k * la)
        wk = m * (1.0 + emk) + h * emk
    if wk < 0.0:
        wk = 0.0
    # sum of |w_i| = a**i (m + h) - h over i0 <= i <= i1
    if i1 >= i0:
        n = i1 - i0 + 1.0
        if la == 0.0:
            sum_out[0] += sign * (n * m - e * l1 * (i0 + i1) * n / 2.0)
        else:
            # sum_{i=i0..i1} a**i = a**i0 (1 - a**n) / (1 - a), 1 - a = e l2 / (1 + e l2)
            an = emk if (n == k and i1 == k) else expm1(n * la)
            geo = (1.0 / (1.0 + e * l2) if i0 == 1.0 else exp(i0 * la)) * (-an)
            geo *= (1.0 + e * l2) / (e * l2)
            sum_out[0] += sign * ((m + h) * geo - h * n)
    return sign * wk


cdef inline void catch_up_feature(floating* v, const double* E, double* a, Py_ssize_t K,
                                  double k_skip, double i0, double l1,
                                  double l2) noexcept nogil:
    """Apply to a feature's K weights the ``k_skip`` steps without gradient they missed;
    ``a`` (NULL for none) gets the sum of the iterates of the skipped steps ``i >= i0``;
    ``E``: the weights' steps."""
    cdef Py_ssize_t k
    cdef double total
    for k in range(K):
        total = 0.0
        v[k] = <floating> prox_steps(v[k], k_skip, E[k], l1, l2, i0, &total)
        if a != NULL:
            a[k] += total
