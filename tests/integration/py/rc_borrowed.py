# tests/integration/py/rc_borrowed.py — run by rc_python_borrowed.c under
# the shim: objects that CPython holds while words it never counts (its
# collector's tp_traverse does not visit them) also name them, each held
# only from an interpreter frame (a local: the frame lives in CPython's
# data stack, no heap block), and some list cycles that are garbage.
#  - an lru_cache wrapper whose cache is empty: the links of its list's
#    root, inside the wrapper itself, point at the wrapper;
#  - four functions, each the descriptor that a specialised LOAD_METHOD
#    (3.11: LOAD_METHOD_WITH_VALUES) cached in the inline cache of another
#    function's bytecode, then taken out of its class: the stale cache
#    still names it. The four callers put the call at code units of each
#    parity mod 4 (a `t = o.a` before it is 7 units), so that one of the
#    four cached pointers is an aligned word, whatever the heap's layout.
# Writes gc.json ("garbage", "held" as rc_cycles.py, and "watch": the
# objects above), prints how many, and kills itself.
import functools
import gc
import json
import os
import signal
import sys

import gcwitness

gc.disable()


def make_class(k):
    """Returns a new class with one method, m, and an attribute, a."""
    def m(self):
        return k
    return type("Borrowed%d" % k, (), {"m": m, "a": k})


def call0(o):
    for _ in range(200):
        o.m()


def call1(o):
    for _ in range(200):
        t = o.a
        o.m()


def call2(o):
    for _ in range(200):
        t = o.a
        t = o.a
        o.m()


def call3(o):
    for _ in range(200):
        t = o.a
        t = o.a
        t = o.a
        o.m()


def stale_method(k, caller):
    """Specialises caller's LOAD_METHOD on a class's m, then takes m out
    of the class; returns m, which only the caller of this holds."""
    cls = make_class(k)
    caller(cls())
    m = cls.__dict__["m"]
    del cls.m
    return m


def garbage_cycles(n):
    """Drops n lists that hold themselves."""
    for i in range(n):
        x = [i]
        x.append(x)


def plain(v):
    return v


def main():
    wrapper = functools.lru_cache(maxsize=None)(plain)  # its cache stays empty
    methods = [stale_method(k, c) for k, c in enumerate((call0, call1, call2, call3))]
    m0, m1, m2, m3 = methods
    methods = None  # each method is held by one local of this frame only
    garbage_cycles(100)
    garbage, held = gcwitness.scan_and_collect()
    watch = [id(wrapper), id(m0), id(m1), id(m2), id(m3)]
    with open("gc.json", "w") as f:
        json.dump({"garbage": sorted(garbage), "held": sorted(held), "watch": watch}, f)
    print("garbage=%d held=%d watch=%d" % (len(garbage), len(held), len(watch)))
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


main()
