"""A plain NumPy SAG/SAGA, written for clarity: every step updates every weight.

It replays the sample order of ``softmaxreg``'s driver (from ``check_random_state(seed)``,
epoch e visits ``permutation(n)`` for SAGA, ``randint(n, size=n)`` for SAG) so the
kernel's lazy updates can be checked against it step for step.
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax
from sklearn.utils import check_random_state


def reference_step_size(X, sample_weight, binomial, alpha, l1_ratio, fit_intercept, saga):
    """(eta, s_b) as documented: 1/L (SAG), 1/(2L + min(2 n l2, L)) (SAGA), capped at
    1/(2 l2); the intercept's step multiplier s_b = mean square of the nonzeros of X,
    clipped to [0.01, 1] (0 without an intercept)."""
    n = X.shape[0]
    c = sample_weight * n / sample_weight.sum()
    l2 = alpha * (1 - l1_ratio)
    h = 0.25 if binomial else 0.5
    s_b = float(np.clip(np.mean(X[X != 0] ** 2), 0.01, 1.0)) if fit_intercept else 0.0
    L = np.max(c * h * ((X**2).sum(axis=1) + s_b)) + l2
    eta = 1 / (2 * L + min(2 * n * l2, L)) if saga else 1 / L
    return (min(eta, 0.5 / l2) if l2 > 0 else eta), s_b


def reference_sag(
    X,
    y_index,
    n_classes,
    *,
    alpha,
    l1_ratio=0.0,
    sample_weight=None,
    fit_intercept=True,
    saga=False,
    n_epochs=3,
    seed=0,
    epoch_objectives=None,
):
    """Return (W (n_features, K), b (K,)) after ``n_epochs`` epochs from zero.

    ``epoch_objectives``, a list, receives per epoch the documented progress estimate:
    mean of ``c_i * loss_i`` over the epoch's visits (before each step) plus the
    penalty at the epoch's end.
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    binomial = n_classes == 2
    K = 1 if binomial else n_classes
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    c = sw * n / sw.sum()
    l2 = alpha * (1 - l1_ratio)
    l1 = alpha * l1_ratio
    eta, s_b = reference_step_size(X, sw, binomial, alpha, l1_ratio, fit_intercept, saga)
    W, b = np.zeros((d, K)), np.zeros(K)
    memory, G, G0 = np.zeros((n, K)), np.zeros((d, K)), np.zeros(K)
    seen = np.zeros(n, dtype=bool)
    rng = check_random_state(seed)
    for _ in range(n_epochs):
        order = rng.permutation(n) if saga else rng.randint(n, size=n)
        loss_sum = 0.0
        for i in order:
            z = X[i] @ W + b
            if binomial:
                loss_sum += c[i] * (np.logaddexp(0.0, z[0]) - y_index[i] * z[0])
            else:
                loss_sum += c[i] * (logsumexp(z) - z[y_index[i]])
            if binomial:
                r = expit(z) - y_index[i]
            else:
                r = softmax(z)
                r[y_index[i]] -= 1.0
            delta = c[i] * r - memory[i]
            memory[i] += delta
            seen[i] = True
            n_seen = seen.sum()
            G += np.outer(X[i], delta)
            G0 += delta
            if saga:
                correction = (1 - 1 / n_seen) * np.outer(X[i], delta)
                W = (1 - eta * l2) * W - eta * (correction + G / n_seen)
                W = np.sign(W) * np.maximum(np.abs(W) - eta * l1, 0.0)
                step_b = (1 - 1 / n_seen) * delta + G0 / n_seen
            else:
                W = (1 - eta * l2) * W - eta * G / n_seen
                step_b = G0 / n_seen
            if fit_intercept:
                b -= eta * s_b * step_b
        if epoch_objectives is not None:
            epoch_objectives.append(loss_sum / n + l2 / 2 * np.sum(W**2) + l1 * np.abs(W).sum())
    return W, b
