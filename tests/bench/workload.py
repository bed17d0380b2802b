"""tests/bench/workload.py — the pure-Python workload of scripts/bench.

It owns a deterministic mix of what Python programs spend their allocations
on: objects with attributes, dicts and lists that grow and shrink, string
building and splitting, sorting, a recursive tree and a JSON round trip.
Run with PYTHONMALLOC=malloc, every object goes through malloc, which is
what the tools being compared see. No third-party modules, no I/O but one
line on stdout.

Usage: python3 workload.py [SCALE]   (default 1: about 1.5 s on one core)
Prints a checksum that depends only on SCALE.
"""
import json
import random
import sys


class Record:
    """A small object with a few attributes, like a parsed row."""

    def __init__(self, key, name, tags):
        self.key = key
        self.name = name
        self.tags = tags
        self.children = []


def build_records(rng, n):
    """Makes n records, each with a few tags, linked into a forest."""
    recs = []
    for i in range(n):
        name = "rec-%d-%s" % (i, "".join(rng.choice("abcdefgh") for _ in range(6)))
        r = Record(i, name, [rng.randrange(100) for _ in range(rng.randrange(1, 6))])
        if recs:
            recs[rng.randrange(len(recs))].children.append(r)
        recs.append(r)
    return recs


def index_records(recs):
    """Builds a tag -> names index and counts words in the names."""
    by_tag = {}
    words = {}
    for r in recs:
        for t in r.tags:
            by_tag.setdefault(t, []).append(r.name)
        for w in r.name.split("-"):
            words[w] = words.get(w, 0) + 1
    return by_tag, words


def depth(r):
    """Depth of the record tree below r (recursive)."""
    return 1 + max((depth(c) for c in r.children), default=0)


def tree(n):
    """A complete binary tree of tuples, n levels deep (allocation heavy)."""
    return (tree(n - 1), tree(n - 1)) if n else None


def count(t):
    return 1 if t is None else count(t[0]) + count(t[1])


def churn_dict(rng, rounds):
    """A dict used as a cache: inserts, lookups and evictions."""
    cache = {}
    hits = 0
    for i in range(rounds):
        k = rng.randrange(5000)
        if k in cache:
            hits += 1
            if i % 3 == 0:
                del cache[k]
        else:
            cache[k] = [k] * (k % 7 + 1)
    return hits + len(cache)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = random.Random(12345)
    total = 0
    for _ in range(max(1, int(4 * scale))):
        recs = build_records(rng, 12000)
        by_tag, words = index_records(recs)
        ordered = sorted(recs, key=lambda r: (len(r.tags), r.name))
        text = json.dumps([{"k": r.key, "n": r.name, "t": r.tags} for r in ordered[:3000]])
        back = json.loads(text)
        total += len(by_tag) + len(words) + len(back) + depth(recs[0])
        total += count(tree(14))
        total += churn_dict(rng, 60000)
        total += sum(len(s) for s in " ".join(r.name for r in recs).split("-"))
    print("workload: scale=%g checksum=%d" % (scale, total))


if __name__ == "__main__":
    main()
