"""The solver drivers: each takes the objective, a start point and explicit settings
(``contract``) and returns a result; they never touch an estimator.

``registry`` names the solvers and holds L-BFGS and the ``"auto"`` rule; ``sag`` and
``sgd`` drive the epoch kernels; ``parts`` splits the classes for threads; ``whitening``
serves L-BFGS on few features; ``progress`` records each iteration. ``tron`` (trust-region
Newton, binary L2) and ``lbfgs_l1`` (L-BFGS-B on the split weights, L1) fit liblinear's
objective for ``LogisticRegression(solver="liblinear")`` (``registry.PRIVATE_SOLVERS``).
"""
