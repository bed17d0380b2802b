# tests/integration/py/rc_imports_gc.py — run by rc_real_python_imports_scan.c:
# imports json, sqlite3 and ssl and uses each, with CPython's collector on
# as usual; drops a class of its own (cyclic garbage until the collector
# runs, which it then keeps from running); asks leakgraph for a scan, then
# lets gc.collect() with
# DEBUG_SAVEALL find what was garbage at that moment. It writes to gc.json
# the addresses of gc.garbage ("garbage") and of the objects reachable from
# it that only it holds ("only"), and kills itself, so that the report is
# the scan's.
import ctypes
import gc
import json
import os
import signal
import sqlite3
import ssl
import sys

con = sqlite3.connect(":memory:")
con.execute("create table t(a)")
con.execute("insert into t values (?)", (json.dumps({"a": [1, 2, {"b": None}]}),))
rows = con.execute("select * from t").fetchall()
ctx = ssl.create_default_context()
# A class made and dropped is cyclic garbage (a type refers to itself)
# until the collector runs: one finding the scan must make.
gc.disable()
Tmp = type("Tmp", (), {"f": lambda self: 1})
del Tmp
scan = getattr(ctypes.CDLL(None), "leakgraph__scan", None)
if scan:
    scan()
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
garbage = {id(o) for o in gc.garbage}


def held_alive():
    """The addresses of what CPython still holds: every object its
    collector tracks that is not garbage, and every object one of those
    refers to (run in a function, so that no global of ours refers to a
    garbage object)."""
    objs = gc.get_objects()
    skip = {id(objs), id(gc.garbage)}
    held = set()
    for o in objs:
        if id(o) in garbage or id(o) in skip:
            continue
        held.add(id(o))
        held.update(id(r) for r in gc.get_referents(o))
    return held - garbage


held = held_alive()
with open("gc.json", "w") as f:
    json.dump({"garbage": sorted(garbage), "held": sorted(held)}, f)
print("rows=%d garbage=%d held=%d" % (len(rows), len(garbage), len(held)))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
