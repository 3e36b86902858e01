"""The ``softmaxreg`` command line: ``main`` (arguments), ``commands`` (fit, predict),
``io`` (CSV, JSON lines and svmlight readers), ``report`` (the printed summary) and
``demo``."""
