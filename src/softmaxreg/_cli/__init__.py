"""The ``softmaxreg`` command line: ``main`` (arguments), ``commands`` (fit), ``predict``
(predictions and their scores), ``io`` (CSV, JSON lines and svmlight readers), ``report``
(the printed tables) and ``demo``."""
