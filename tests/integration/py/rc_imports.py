# tests/integration/py/rc_imports.py — run by rc_real_python_imports.c:
# imports json, sqlite3 and ssl and uses each, asks leakgraph for a scan
# (with the interpreter running), and exits normally.
import ctypes
import json
import sqlite3
import ssl

con = sqlite3.connect(":memory:")
con.execute("create table t(a)")
con.execute("insert into t values (?)", (json.dumps({"a": [1, 2, {"b": None}]}),))
rows = con.execute("select * from t").fetchall()
ctx = ssl.create_default_context()
scan = getattr(ctypes.CDLL(None), "leakgraph__scan", None)
if scan:
    scan()
print("rows=%d verify=%d" % (len(rows), ctx.verify_mode))
