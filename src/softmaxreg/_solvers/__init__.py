"""The solver drivers: each takes the objective, a start point and explicit settings
(``contract``) and returns a result; they never touch an estimator.

``registry`` names the solvers and holds L-BFGS and the ``"auto"`` rule; ``sag`` and
``sgd`` drive the epoch kernels; ``parts`` splits the classes for threads; ``whitening``
serves L-BFGS on few features; ``progress`` records each iteration.
"""
