# tests/integration/py/rc_cycles.py — run by rc_python_cycles.c under the
# shim: with CPython's collector disabled, makes cycles of lists, of class
# instances and of dicts (and keeps some alive), asks leakgraph for a scan,
# then lets gc.collect() with DEBUG_SAVEALL find the same garbage. It
# writes to gc.json the addresses of gc.garbage ("garbage"), those of the
# objects CPython still holds ("held": every object its collector tracks
# that is not garbage, and every object one of them refers to), and those
# of the live cycles it kept ("alive"), prints how many, and kills itself,
# so that the report is the scan's.
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
alive = [id(x) for x in kept]
with open("gc.json", "w") as f:
    json.dump({"garbage": sorted(garbage), "held": sorted(held), "alive": alive}, f)
print("garbage=%d held=%d alive=%d" % (len(garbage), len(held), len(alive)))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
