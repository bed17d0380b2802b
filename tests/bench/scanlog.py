#!/usr/bin/python3
"""tests/bench/scanlog.py — every scan's numbers from leakgraph logs, for scripts/bench.

It owns reading the few records the bench needs from a log (the format is
tools/LOGFORMAT.md) and nothing else: SCAN_BEGIN (scan number, kind, time),
SCAN_END (totals, pause_ns, scan_ns, scanned_bytes, threads, flags), NOTE
(the "scan N phases (ms): ..." lines and warnings) and END. leakgraph-report
--format=json gives only the last complete scan's scan_stats; the bench
wants every scan. A log cut short is read up to its last complete record; a
damaged record stops the reading, and the output says so.

Usage: scanlog.py LOG...   prints one JSON object:
  {"logs": [{"path", "pid", "scans": [{scan, kind, time_ns, pause_ns,
   scan_ns, scanned_bytes, threads, flags, lost_bytes, reachable_bytes}],
   "notes": [{"code", "text"}], "end": {"how", "status"} or null,
   "problem": null or a string}]}
Exit status 0, also for unreadable logs (their "problem" says why).
"""
import json
import struct
import sys
import zlib

SYNC = 0x474C
MAX_LEN = 256 << 20
T_HEADER, T_SCAN_BEGIN, T_SCAN_END, T_NOTE, T_END = 1, 5, 7, 9, 10
KINDS = {1: "exit", 2: "api", 3: "periodic", 4: "signal"}


def read_log(path):
    out = {"path": path, "pid": None, "scans": [], "notes": [], "end": None,
           "problem": None}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        out["problem"] = "cannot read: %s" % e
        return out
    begins = {}
    off = 0
    while off < len(data):
        if off + 8 > len(data):
            out["problem"] = "truncated at offset %d" % off
            break
        sync, typ, ln = struct.unpack_from("<HHI", data, off)
        if sync != SYNC or ln > MAX_LEN:
            out["problem"] = "corrupted at offset %d (sync or length)" % off
            break
        if off + 8 + ln + 4 > len(data):
            out["problem"] = "truncated at offset %d" % off
            break
        payload = data[off + 8:off + 8 + ln]
        (crc,) = struct.unpack_from("<I", data, off + 8 + ln)
        if zlib.crc32(data[off + 2:off + 8 + ln]) & 0xFFFFFFFF != crc:
            out["problem"] = "corrupted at offset %d (crc)" % off
            break
        off += 8 + ln + 4
        try:
            if typ == T_HEADER:
                out["pid"] = struct.unpack_from("<I", payload, 4)[0]
            elif typ == T_SCAN_BEGIN:
                scan, kind, t = struct.unpack_from("<IIQ", payload, 0)
                begins[scan] = (KINDS.get(kind, str(kind)), t)
            elif typ == T_SCAN_END:
                scan = struct.unpack_from("<I", payload, 0)[0]
                tot = struct.unpack_from("<8Q", payload, 4)
                clusters, cyclic, pause, scan_ns, scanned, threads, flags = \
                    struct.unpack_from("<IIQQQII", payload, 4 + 64)
                kind, t = begins.get(scan, (None, None))
                out["scans"].append({
                    "scan": scan, "kind": kind, "time_ns": t, "pause_ns": pause,
                    "scan_ns": scan_ns, "scanned_bytes": scanned,
                    "threads": threads, "flags": flags,
                    "clusters": clusters, "cyclic_clusters": cyclic,
                    "lost_bytes": tot[0] + tot[2], "possible_bytes": tot[4],
                    "reachable_bytes": tot[6]})
            elif typ == T_NOTE:
                code, n = struct.unpack_from("<II", payload, 0)
                text = payload[8:8 + n].decode("utf-8", "replace")
                out["notes"].append({"code": code, "text": text})
            elif typ == T_END:
                how, status = struct.unpack_from("<II", payload, 0)
                out["end"] = {"how": how, "status": status}
        except struct.error:
            out["problem"] = "short %d record at offset %d" % (typ, off)
            break
    return out


def main(argv):
    print(json.dumps({"logs": [read_log(p) for p in argv[1:]]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
