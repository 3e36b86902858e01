"""Write a large JSON-lines file for the streaming benchmark from a corpus.

Each row is a window of ``--window`` consecutive words of one document of the corpus
split (a random document, a random start), labelled with the document's label, so the
rows are all different, in random order, and the classes keep the corpus's proportions.
Windows of the test split make the matching evaluation file. ``--whole`` writes the
split's documents whole, once each, in one random order instead (the corpus files list
them grouped by label, which a stream must not see).

    python benchmarks/make_stream_file.py --corpus DIR/20newsgroups --rows 2000000 \
        --out big.jsonl.gz
    python benchmarks/make_stream_file.py --corpus DIR/20newsgroups --split test \
        --rows 20000 --out big-test.jsonl.gz
    python benchmarks/make_stream_file.py --corpus DIR/20newsgroups --whole \
        --out 20ng-shuffled.jsonl.gz
"""

import argparse
import gzip
import json
import re
from pathlib import Path

import numpy as np

WORD = re.compile(r"(?u)\b\w\w+\b")


def records(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def documents(path):
    """(labels, token lists) of a ``label``/``text`` JSON-lines file (optionally .gz)."""
    labels, tokens = [], []
    for record in records(path):
        words = WORD.findall(record["text"].lower())
        if words:
            labels.append(record["label"])
            tokens.append(words)
    return labels, tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="corpus directory (train/test.jsonl.gz)")
    parser.add_argument("--split", default="train", choices=["train", "test"])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--window", type=int, default=40, help="words per row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--whole", action="store_true", help="whole documents, shuffled")
    parser.add_argument("--out", required=True, help="output .jsonl or .jsonl.gz")
    args = parser.parse_args()
    opener = gzip.open if args.out.endswith(".gz") else open
    if args.whole:
        rows = records(Path(args.corpus) / f"{args.split}.jsonl.gz")
        with opener(args.out, "wt", encoding="utf-8") as f:
            for k in np.random.default_rng(args.seed).permutation(len(rows)):
                f.write(json.dumps(rows[k]) + "\n")
        return
    labels, tokens = documents(Path(args.corpus) / f"{args.split}.jsonl.gz")
    rng = np.random.default_rng(args.seed)
    docs = rng.integers(len(tokens), size=args.rows)
    kwargs = {"compresslevel": 3} if args.out.endswith(".gz") else {}
    with opener(args.out, "wt", encoding="utf-8", **kwargs) as f:
        for d in docs:
            words = tokens[d]
            start = int(rng.integers(max(1, len(words) - args.window + 1)))
            text = " ".join(words[start : start + args.window])
            f.write(json.dumps({"label": labels[d], "text": text}) + "\n")


if __name__ == "__main__":
    main()
