# tests/integration/py/gcwitness.py — what CPython itself says about its
# heap at one moment, for the refcount tests to compare leakgraph's
# findings with: asks leakgraph for a scan (the API, when the shim is
# loaded), then lets gc.collect() with DEBUG_SAVEALL find what was garbage
# at that moment. Imported by rc_cycles.py and rc_imports_gc.py.
import ctypes
import gc


def scan_and_collect():
    """Runs a leakgraph scan, then CPython's collector with DEBUG_SAVEALL;
    returns (garbage, held): the addresses of gc.garbage, and of what
    CPython still holds — every object its collector tracks that is not
    garbage, and every object one of those refers to. Locals only, so that
    no global refers to a garbage object."""
    scan = getattr(ctypes.CDLL(None), "leakgraph__scan", None)
    if scan:
        scan()
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    garbage = {id(o) for o in gc.garbage}
    objs = gc.get_objects()
    skip = {id(objs), id(gc.garbage)} | only_from_garbage(gc.garbage, objs)
    held = set()
    for o in objs:
        if id(o) in garbage or id(o) in skip:
            continue
        held.add(id(o))
        held.update(id(r) for r in gc.get_referents(o))
    return garbage, held - garbage


# offsetof(PyTypeObject, tp_subclasses) in CPython 3.11 on x86-64.
TP_SUBCLASSES = 360


def only_from_garbage(garbage, objs):
    """The ids of the tracked objects only a garbage type points at through
    a pointer CPython's collector does not follow: each garbage type's
    tp_subclasses dict (type_traverse does not visit it, so gc.collect()
    keeps the dict as if something outside held it). Such a dict is
    reachable only from gc.garbage — the issue's test for a correct
    finding — so neither it nor what it refers to (its int keys, the
    weakrefs to the subclasses, tracked objects CPython does not collect
    either) counts as a holder on its own account: each is held only if
    a held object refers to it. A pointer that is not the address of a
    dict in `objs` (another CPython's layout) is ignored."""
    dicts = {id(o): o for o in objs if type(o) is dict}
    out = set()
    for t in garbage:
        if isinstance(t, type):
            d = dicts.get(ctypes.c_void_p.from_address(id(t) + TP_SUBCLASSES).value)
            if d is not None:
                out.add(id(d))
                out.update(id(x) for kv in d.items() for x in kv)
    return out
