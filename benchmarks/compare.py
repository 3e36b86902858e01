"""Time to 1e-4 of the optimum, per-epoch time, accuracy and memory: softmaxreg vs scikit-learn.

    python benchmarks/compare.py [small] [dense] [large] [--corpus PATH ...] [--repeat 3]
                                 [--budget 300] [--dtype float64] [--cache-dir DIR]

PATH is a folder with ``train.jsonl.gz``/``test.jsonl.gz`` (``label``, ``text``), a single
JSON-lines file, or an svmlight file. The protocol is described in ``softmaxreg._bench``
and BENCHMARKS.md; ``f*`` is cached in ``~/.cache/softmaxreg-bench``.
"""

import argparse
import sys


def main(argv=None):
    from softmaxreg._bench import add_arguments, run_from_args

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
