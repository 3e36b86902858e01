# cython: language_level=3
"""The pieces of ``learning_rate="adagrad"`` (``sgd.pyx``'s ``_adagrad_rows``).

Each feature has its own step ``e = eta0 / G**power_t``, ``G`` the sum of the squared
norms of the loss gradients of its K weights so far (0 before the first one: then ``e =
0``); one accumulator per feature rather than per weight ("row-wise" AdaGrad) adapts
to what differs most in text, how often and how strongly a feature occurs, at a cost
per nonzero rather than per weight. A step with gradient ``g`` is the elastic-net
proximal step at that step size::

    w = prox(w - e * g),    prox(z) = sign(z) * max(|z| - e * l1, 0) / (1 + e * l2)

A feature a row does not touch gets ``g = 0`` and the same ``e`` (G changes only with a
gradient), so the steps it skips are ``prox`` applied k times at
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


cdef inline double expm1_fast(double y) noexcept nogil:
    """exp(y) - 1: the series to y**5 for |y| < 1e-3 (relative error under 2e-18), libm's
    expm1 above; the penalty's decay over a skipped span is usually that small."""
    if fabs(y) < 1e-3:
        return y * (1.0 + y / 2.0 * (1.0 + y / 3.0 * (1.0 + y / 4.0 * (1.0 + y / 5.0))))
    return expm1(y)


cdef inline void power_sums(double n, double la, double* h0, double* h1,
                            double* u) noexcept nogil:
    """``h0 = sum_{j=1..n} a**j``, ``h1 = sum_{j=1..n} j a**j`` and ``u = a**n - 1`` for
    ``a = exp(la)``, ``la <= 0``, without the cancellation of the textbook forms when
    ``n * |la|`` is small (then the series of ``exp`` to the fourth order, exact to ~1e-14
    below 1e-3)."""
    cdef double x = -la, s1, s2, s3, s4, d
    u[0] = expm1_fast(n * la)
    if n * x < 1e-3:
        s1 = n * (n + 1.0) / 2.0
        s2 = s1 * (2.0 * n + 1.0) / 3.0
        s3 = s1 * s1
        s4 = s2 * (3.0 * n * n + 3.0 * n - 1.0) / 5.0
        h1[0] = s1 - x * s2 + x * x / 2.0 * s3 - x * x * x / 6.0 * s4
        h0[0] = n - x * s1 + x * x / 2.0 * s2 - x * x * x / 6.0 * s3
        return
    d = -expm1(la)      # 1 - a
    h0[0] = (1.0 - d) * (-u[0]) / d
    h1[0] = (1.0 - d) * (-u[0] - n * (1.0 + u[0]) * d) / (d * d)


cdef inline double weighted_geo(double i0, double i1, double la, double c, bint linear,
                                double* u) noexcept nogil:
    """``sum_{i=i0..i1} w_i a**i`` (``a = exp(la)``) with the average's weights ``w_i = 1``,
    or ``i - c`` when ``linear``; ``u``: ``a**(i1 - i0 + 1) - 1``."""
    cdef double n = i1 - i0 + 1.0, h0, h1, scale = 1.0
    if n <= 0.0:
        u[0] = 0.0
        return 0.0
    power_sums(n, la, &h0, &h1, u)
    if i0 != 1.0:  # sum over i0..i1 = a**(i0-1) * (sum over 1..n, shifted)
        scale = exp((i0 - 1.0) * la)
    if not linear:
        return scale * h0
    return scale * (h1 + (i0 - 1.0 - c) * h0)


cdef inline double weighted_count(double i0, double i1, double c, bint linear,
                                  double power) noexcept nogil:
    """``sum_{i=i0..i1} w_i i**power`` for power 0 or 1 (the weights as in
    ``weighted_geo``)."""
    cdef double n = i1 - i0 + 1.0, p1, p2
    if n <= 0.0:
        return 0.0
    p1 = (i0 + i1) * n / 2.0                          # sum of i
    if power == 0.0:
        return p1 - c * n if linear else n
    if not linear:
        return p1
    p2 = (i1 * (i1 + 1.0) * (2.0 * i1 + 1.0) - (i0 - 1.0) * i0 * (2.0 * i0 - 1.0)) / 6.0
    return p2 - c * p1


cdef inline double prox_steps(double w0, double k, double e, double l1, double l2,
                              double i0, double c, bint linear,
                              double* sum_out) noexcept nogil:
    """``prox`` applied k times to w0 (at step size e), in closed form; adds the weighted
    sum of the iterates ``w_i`` for ``i0 <= i <= k`` (1-based; weights as in
    ``weighted_geo``) to ``sum_out[0]``."""
    cdef double m = fabs(w0), sign = 1.0 if w0 > 0.0 else -1.0
    cdef double la, h = 0.0, x, i1, wk, u
    if k <= 0.0 or w0 == 0.0:
        return w0
    if e == 0.0 or (l1 == 0.0 and l2 == 0.0):
        sum_out[0] += w0 * weighted_count(i0, k, c, linear, 0.0)
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
        wk = m * (1.0 + expm1(k * la)) + h * expm1(k * la)
    if wk < 0.0:
        wk = 0.0
    # the weighted sum of |w_i| = a**i (m + h) - h (or m - i e l1) over i0 <= i <= i1
    if la == 0.0:
        sum_out[0] += sign * (m * weighted_count(i0, i1, c, linear, 0.0)
                              - e * l1 * weighted_count(i0, i1, c, linear, 1.0))
    else:
        sum_out[0] += sign * ((m + h) * weighted_geo(i0, i1, la, c, linear, &u)
                              - h * weighted_count(i0, i1, c, linear, 0.0))
    return sign * wk


cdef inline void catch_up_feature(floating* v, double e, double* a, Py_ssize_t K,
                                  double k_skip, double first, double l1, double l2,
                                  bint linear) noexcept nogil:
    """Apply to a feature's K weights the ``k_skip`` steps without gradient they missed
    at its step size ``e``; ``a`` (NULL for none) gets the weighted sum of the iterates
    of the skipped steps from ``first`` on (the first averaged one, counted from 1 at
    the first skipped step; <= 1 when averaging began earlier): weight 1, or with
    ``linear`` its rank in the average, ``i - first + 1``.

    Without L1 every weight is multiplied by the same ``a**k`` (and its skipped iterates
    sum to ``w_0`` times one weighted geometric sum), so the transcendental calls are
    made once per feature, not once per weight."""
    cdef Py_ssize_t k
    cdef double total, la, factor, geo, u = 0.0
    cdef double c = first - 1.0, i0 = first if first > 1.0 else 1.0
    if k_skip <= 0.0:
        return
    if l1 > 0.0:
        for k in range(K):
            total = 0.0
            v[k] = <floating> prox_steps(v[k], k_skip, e, l1, l2, i0, c, linear, &total)
            if a != NULL:
                a[k] += total
        return
    if e == 0.0 or l2 == 0.0:
        factor = 1.0
        geo = weighted_count(i0, k_skip, c, linear, 0.0)
    else:
        la = -log1p_fast(e * l2)  # log(1 / (1 + e l2))
        geo = 0.0
        if a != NULL and k_skip >= i0:
            geo = weighted_geo(i0, k_skip, la, c, linear, &u)
        if a != NULL and i0 == 1.0:
            factor = 1.0 + u  # the same a**k
        else:
            factor = 1.0 + expm1_fast(k_skip * la)
    if a != NULL:
        for k in range(K):
            a[k] += geo * v[k]
    if factor != 1.0:
        for k in range(K):
            v[k] = <floating> (factor * v[k])
