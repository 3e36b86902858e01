"""Text hashing: scikit-learn's ``HashingVectorizer.transform`` against softmaxreg's kernel.

Both turn the same list of documents (the ``text`` fields of a label/text JSON-lines file)
into the same CSR matrix (checked once before timing): lower-cased words of two or more
word characters, MurmurHash3 into ``2**--bits`` columns, rows L2-normalised; the settings
of ``softmaxreg fit --stream`` (``alternate_sign=False``) unless ``--alternate-sign``.
The two are timed in interleaved rounds (ours, theirs, ours, ...) so that a busy
neighbour slows both alike; the script prints the median documents per second of each and
their ratio.

    python benchmarks/compare_hashing.py --corpus DIR/20newsgroups --repeat 7
"""

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

import numpy as np


def texts_of(path, limit=None):
    """The ``text`` fields of a JSON-lines file (optionally .gz), at most ``limit``."""
    opener = gzip.open if str(path).endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line)["text"])
            if limit is not None and len(out) >= limit:
                break
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="a corpus directory or a .jsonl(.gz)")
    parser.add_argument("--split", default="train", choices=["train", "test"])
    parser.add_argument("--bits", type=int, default=20)
    parser.add_argument("--alternate-sign", action="store_true", dest="alternate_sign")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    args = parser.parse_args(argv)

    from sklearn.feature_extraction.text import HashingVectorizer

    from softmaxreg.stream._hashing import hashing_transform

    path = Path(args.corpus)
    if path.is_dir():
        path = path / f"{args.split}.jsonl.gz"
    texts = texts_of(path, args.limit)
    vectorizer = HashingVectorizer(
        n_features=2**args.bits, alternate_sign=args.alternate_sign, norm="l2"
    )
    ours = hashing_transform(vectorizer)
    if ours == vectorizer.transform:
        raise SystemExit("these settings are not served by the kernel")
    a, b = ours(texts), vectorizer.transform(texts)
    same = (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.allclose(a.data, b.data, rtol=1e-15, atol=0)
    )
    if not same:
        raise SystemExit("the kernel's matrix differs from HashingVectorizer's")
    seconds = {"softmaxreg": [], "scikit-learn": []}
    for _ in range(args.repeat):
        for name, transform in (("softmaxreg", ours), ("scikit-learn", vectorizer.transform)):
            start = time.perf_counter()
            transform(texts)
            seconds[name].append(time.perf_counter() - start)
    n = len(texts)
    print(f"{path.name}: {n} documents, {sum(map(len, texts))} characters, {args.bits} bits")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(
            f"  {name:13s} median {median:.3f} s  {n / median:10.0f} docs/s  "
            f"(runs: {', '.join(f'{v:.3f}' for v in values)})"
        )
    ratio = statistics.median(seconds["scikit-learn"]) / statistics.median(seconds["softmaxreg"])
    print(f"  speed-up (median scikit-learn / median softmaxreg): {ratio:.1f}x")


if __name__ == "__main__":
    main()
