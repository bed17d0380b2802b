# tests/integration/py/rc_imports_gc.py — run by rc_real_python_imports_scan.c:
# imports json, sqlite3 and ssl and uses each, with CPython's collector on
# as usual; drops a class of its own (cyclic garbage until the collector
# runs, which it then keeps from running); asks leakgraph for a scan, then
# lets gc.collect() with
# DEBUG_SAVEALL find what was garbage at that moment. It writes to gc.json
# the addresses of gc.garbage ("garbage") and of the objects CPython still
# holds ("held", gcwitness.py), and kills itself, so that the report is
# the scan's.
import gc
import json
import os
import signal
import sqlite3
import ssl
import sys

import gcwitness  # the scan, then what CPython says (beside this file)

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
garbage, held = gcwitness.scan_and_collect()
with open("gc.json", "w") as f:
    json.dump({"garbage": sorted(garbage), "held": sorted(held)}, f)
print("rows=%d garbage=%d held=%d" % (len(rows), len(garbage), len(held)))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
