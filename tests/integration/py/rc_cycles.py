# tests/integration/py/rc_cycles.py — run by rc_python_cycles.c under the
# shim: with CPython's collector disabled, makes cycles of lists, of class
# instances and of dicts (and keeps some alive), asks leakgraph for a scan,
# then lets gc.collect() with DEBUG_SAVEALL find the same garbage. It
# writes to gc.json the addresses of gc.garbage ("garbage"), those of the
# objects CPython still holds ("held": every object its collector tracks
# that is not garbage, and every object one of them refers to), and those
# of the live cycles it kept ("alive"), prints how many, and kills itself,
# so that the report is the scan's.
import gc
import json
import os
import signal
import sys

import gcwitness  # the scan, then what CPython says (beside this file)

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
garbage, held = gcwitness.scan_and_collect()
alive = [id(x) for x in kept]
with open("gc.json", "w") as f:
    json.dump({"garbage": sorted(garbage), "held": sorted(held), "alive": alive}, f)
print("garbage=%d held=%d alive=%d" % (len(garbage), len(held), len(alive)))
sys.stdout.flush()
os.kill(os.getpid(), signal.SIGKILL)
