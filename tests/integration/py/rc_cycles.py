# tests/integration/py/rc_cycles.py — run by rc_python_cycles.c under the
# shim: with CPython's collector disabled, makes cycles of lists, of class
# instances and of dicts (and keeps some alive), asks leakgraph for a scan,
# then lets gc.collect() with DEBUG_SAVEALL find the same garbage. It
# writes to gc.json the addresses of gc.garbage ("garbage"), those of the
# objects reachable from it whose every reference comes from it ("only"),
# and those of the live objects it kept ("alive"), prints how many, and
# kills itself, so that the report is the scan's.
import ctypes
import gc
import json
import os
import signal
import sys

gc.disable()


class Node:
    pass


def make(n):
    for i in range(n):
        lst = [i, "item %d" % i]
        lst.append(lst)
        d = {"name": "d%d" % i}
        d["self"] = d
        a = Node()
        b = Node()
        a.other, b.other = b, a
        a.label = "node %d" % i


kept = []


def keep(n):
    for i in range(n):
        x = [i]
        x.append(x)  # a cycle, but held by `kept`
        kept.append(x)


make(400)
keep(50)
scan = getattr(ctypes.CDLL(None), "leakgraph__scan", None)
if scan:
    scan()
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
garbage = {id(o) for o in gc.garbage}
# Objects reachable from the garbage, and which of them only the garbage holds.
reach, todo = {}, list(gc.garbage)
while todo:
    for r in gc.get_referents(todo.pop()):
        if id(r) not in garbage and id(r) not in reach and not isinstance(r, type):
            reach[id(r)] = r
            todo.append(r)
refs = {}
for o in list(gc.garbage) + list(reach.values()):
    for r in gc.get_referents(o):
        refs[id(r)] = refs.get(id(r), 0) + 1
only = []
for k in list(reach):
    # getrefcount's own argument and the entry in `reach` are ours.
    if sys.getrefcount(reach[k]) - 2 == refs.get(k, 0):
        only.append(k)
alive = [id(x) for x in kept]
with open("gc.json", "w") as f:
    json.dump({"garbage": sorted(garbage), "only": only, "alive": alive}, f)
print("garbage=%d only=%d alive=%d" % (len(garbage), len(only), len(alive)))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
