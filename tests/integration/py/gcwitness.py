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
    skip = {id(objs), id(gc.garbage)}
    held = set()
    for o in objs:
        if id(o) in garbage or id(o) in skip:
            continue
        held.add(id(o))
        held.update(id(r) for r in gc.get_referents(o))
    return garbage, held - garbage
