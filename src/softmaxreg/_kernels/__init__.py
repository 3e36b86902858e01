"""The compiled kernels: Cython over typed memoryviews, trusting their inputs.

``loss`` (objective and gradient of a pass), ``sag`` and ``sgd`` (epochs of the
stochastic solvers, also built with AVX2 + FMA as ``sag_avx2``/``sgd_avx2``; ``select``
picks the build the CPU runs), ``predict`` (scores of CSR rows), ``softmax`` (row-wise
functions), ``scales`` (column statistics), ``cpu`` (CPU features, the OpenMP budget) and
``text_hash`` (hashed word counts of text, as scikit-learn's ``HashingVectorizer``).
The ``.pxd`` files hold the inline helpers they share: ``rowmath`` (row view, row dot,
softmax of a row), ``handoff`` (threads' score hand-off), ``sag_step``/``sag_lazy`` and
``sgd_update``. See ``docs/design.md``.
"""
