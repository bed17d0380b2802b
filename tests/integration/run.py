#!/usr/bin/python3
"""run.py — the leakgraph integration test runner.

    /usr/bin/python3 tests/integration/run.py --build build [--stress] [-k NAME]...
                     [--jobs N] [--keep] [--list] [--plain] [--quiet]

Every tests/integration/NAME.c (or NAME.cc, C++) is one test. The runner
compiles it, runs it under the shim, reads the logs with
`leakgraph-report --format=json`, and checks what the program's head comment
says. It prints one line per test (PASS, FAIL with the reason and the part of
the report that matters, or SKIP with the reason), then how many tests were
skipped and why (a test whose `needs:` this machine does not meet -- root,
a file system that honours set-user-ID bits -- is skipped, not failed),
and as its very last line exactly

    integration: N passed, M failed

--quiet leaves out the PASS lines (make test's default: V=1 shows them).
It exits 1 when a test failed (or none ran), 0 otherwise. Standard library
only: it runs with Debian's /usr/bin/python3.

Tests run two at a time (--jobs). --keep keeps every test's directory (a
failing test's is always kept and named); --plain only compiles the programs
and runs them without leakgraph (the leakgraph_* calls are then no-ops),
checking their exit status (unless --error-exitcode or the exitcode option is
what sets it) and the expectations on their own stdout: a check of the tests
themselves.

Each test runs in a fresh directory T (under $TMPDIR), which is also its
working directory: the program is T/prog, its logs go to T/logs/, every file
in T/logs/ is passed to the report tool (all processes of a run -- forked
and exec'd children -- merge into one report).

A test looks like this (tree.c):

    /* A binary tree of 7 nodes whose root pointer is dropped: ...
     * expect: summary.definitely_lost.blocks == 1
     * expect: summary.indirectly_lost.blocks == 6
     * expect: len(clusters) == 1 and not clusters[0].cyclic
     * expect: has_frame(clusters[0].entry, 'make_tree')
     */
    #include "testutil.h"
    ...

testutil.h explains how to leak deterministically (NOINLINE helpers,
clobber_stack() after them, no lost pointer in a local of main).

Directives
----------
The first comment of the test file holds directives, one per line, in the
form `KEY: VALUE` (after the comment's leading ` * ` or `// `). Free text
around them is the test's description. Keys:

  build:   extra compiler flags, after the defaults
           (cc|c++ -g -O0 -pthread -I preload -I tests/integration SRC -ldl),
           so `build: -O2` wins over -O0; with `lib:`, `build: -L{tmp}
           -lFILE -Wl,-rpath,{tmp}` links the program against the library
           (its constructor then runs before the shim's).
  pkg:     pkg-config packages the program is built with (e.g. `pkg:
           gobject-2.0 gstreamer-1.0`): their --cflags and --libs go after
           `build:`'s flags; a package pkg-config does not know fails the
           test (make test installs them: scripts/install-deps).
  lib:     FILE.c in tests/integration/lib/, built as T/libFILE.so
           (-shared -fPIC -g -O0); the program finds its path in $LG_TEST_LIB
           (first lib) and $LG_TEST_LIB_<FILE> (upper case). Repeatable.
           Words after FILE.c are extra compiler flags for it;
           {pkg-config:NAMES} among them stands for what `pkg-config
           --cflags --libs NAMES` prints (e.g. `lib: user.c
           {pkg-config:gobject-2.0}`: a library using GLib that the
           program, built without it, loads).
  run:     how the program runs:
             wrapper [FLAGS]   (default) build/leakgraph --log=T/logs/lg.%p.log
                               FLAGS -- T/prog ARGS
             direct            LD_PRELOAD=build/libleakgraph.so
                               LEAKGRAPH_OPTIONS=log=T/logs/lg.%p.log:quiet=1[:OPTIONS]
             plain             without leakgraph (implies `report: none`)
             shell COMMAND     COMMAND, a bash command line run in T, where
                               {lg} is the wrapper as above (without its
                               `--` and program) and {direct} the direct
                               mode's LD_PRELOAD and LEAKGRAPH_OPTIONS
                               assignments; with `compare: plain` the same
                               line runs with both replaced by nothing
                               (e.g. `run: shell {lg} {prog} | head -1;
                               exit ${PIPESTATUS[0]}`)
  args:    program arguments (shell words).
  options: LEAKGRAPH_OPTIONS items: appended after log= and quiet= in direct
           mode; in wrapper mode the variable is set to them as given.
  log:     the log path template instead of T/logs/lg.%p.log.
  env:     NAME=VALUE in the program's environment. Repeatable.
  file:    NAME: TEXT -- append the line TEXT to T/NAME (suppression files).
  setup:   a shell command run in T after `file:` and before the program
           (e.g. to plant a file or a symbolic link where a log would go).
  compare: plain -- also run the program without leakgraph; its result is
           `plain` (plain.exit_code, plain.stdout, plain.stderr).
  report:  none (no report), optional (a report only if there are logs), or
           extra leakgraph-report arguments (default: a report is required,
           the report tool must exit 0 and print JSON).
  report_on: the report tool's LOG arguments instead of every file in
           T/logs: shell words, each glob expanded as the shell would
           (sorted; a glob matching nothing stays as it is), e.g.
           `{tmp}/logs/*.log` or the directory `{tmp}/logs`.
  mangle:  damage the logs before the report, which may then fail (the test
           checks report_exit): empty (the log replaced by an empty file),
           truncate (cut in the middle of its last record), cut-middle (cut
           in the middle of the record holding the file's middle byte), flip
           (one payload byte of that record flipped), random (4096 random
           bytes), missing (a path that does not exist), noargs (the report
           tool gets no argument at all).
  exit:    the program's expected exit status (default 0; 128+N when killed
           by signal N, in every run mode), or `any`.
  html:    also write the HTML report (leakgraph-report --format=html
           --output=T/report.html, then these extra arguments, then the
           logs the JSON report read; it must exit 0), open it in headless
           Chromium (browser.py: a DevTools client of the standard
           library), save a screenshot as T/report.png, and give the
           expectations `page`: what the DOM holds (browser.py's docstring:
           clusters with their data and picture counts, summary, growth,
           marks, search, errors, ...). The value may be empty.
  html_search: TEXT -- with `html:`, type TEXT into the page's search box;
           page.search[TEXT] is the number of clusters left visible.
           Repeatable.
  timeout: seconds for each step (default 60).
  stress:  yes -- run only with --stress.
  setuid:  USER -- make the program set-user-ID USER (chown, chmod u+s); T/logs is
           made writable by everyone, so that a log would show. Implies
           `needs: root, setuid` and that USER exists.
  needs:   what the test cannot run without, comma-separated: root (the
           runner runs as root), setuid (the test directories are on a file
           system that honours set-user-ID bits, not mounted nosuid; set
           TMPDIR elsewhere if they are). A test whose needs are not met is
           skipped, with the reason.
  skip:    REASON -- do not run the test (counts neither way).
  require: a shell command run in T after the program is built (it may run
           {prog}, e.g. `{prog} --probe`); when it fails, the test is
           skipped (SKIP, counts neither way) with the command's last line
           of output as the reason: for what the machine may lack (g++,
           userfaultfd, io_uring). Repeatable: all must succeed.
  expect:  a Python expression that must be true. Repeatable.

In `build:`, `run:`, `args:`, `options:`, `log:`, `env:`, `report:`, `report_on:`,
`html:`, `file:`, `setup:` and `require:` the placeholders {tmp} (T), {prog}
(T/prog), {build} (the build directory), {root} (the repository) and
{shim} (the shim's path for LD_PRELOAD: build/libleakgraph.so, or a link
to it without a space) are replaced; in the shell words of `build:`,
`run: shell`, `report_on:`, `setup:` and `require:` each is shell-quoted
(so never put one inside quotes there).

Names an `expect:` expression can use
-------------------------------------
  r                 the JSON report (None if there is none); every dict in
                    it is attribute-accessible: r.summary.suppressed.bytes;
                    every stack reference ("stack": N, an entry of
                    r.stacks) is replaced by that entry's frames (the
                    number stays as "stack_ref")
  summary, clusters, processes
                    r.summary, r.clusters, r.processes
  exit_code, stdout, stderr, signal
                    the program's status (128+N if killed by N; signal N or
                    0), output and error output (text; with the wrapper,
                    stderr holds the text report too)
  plain             the run without leakgraph (with `compare: plain`)
  page              with `html:`, what the HTML report's DOM holds in
                    Chromium (browser.py), every dict attribute-accessible
  report_exit, report_stdout, report_stderr
                    the report tool's status and output
  logs              sorted names of the files in T/logs/
  mangled_name      the name of the file `mangle:` produced
  tmp               T
  read_text(p), file_mode(p), exists(p)
                    the text, the permission bits (e.g. 0o600) and the
                    existence of the file T/p (no symlink followed for mode)
  xml_of(p), xml_paths(p)
                    the XML file T/p parsed (its root element, from
                    xml.etree.ElementTree), and the set of its elements'
                    paths ("valgrindoutput/error/stack/frame/fn"): its
                    structure, for comparing two documents
  has_frame(x, f)   x (a cluster, its entry, a site, a stack) has a frame in
                    function f (a whole-word match, so C++ signatures and
                    mangled names match too)
  frame_of(x, f)    that frame (a dict: function, file, line, module, ...)
  cluster_with(f)   the first cluster whose entry (else a site) has f, or None
  clusters_with(f)  all such clusters
  sites_with(f)     all sites, over all clusters, whose stack has f
  site_key(s)       a hashable identity of a site's stack (to count sites)
  out_int(key)      the integer after `key=` in stdout
  lines(text)       the non-empty lines of text
  count_lines(text, s), line_with(text, s)
                    how many lines of text contain s; the first one ('' if none)
  log_scans()       every scan of every log in T/logs, read from the logs
                    themselves (the JSON report shows a process's final result
                    only), in log order: dicts with pid, scan, kind ('exit',
                    'api', 'periodic', 'signal'), totals (definitely_lost,
                    indirectly_lost, possibly_lost, still_reachable: {bytes,
                    blocks}), conservative (a thread did not stop), young (a
                    young scan: it judged only the blocks born since the
                    scan before; its totals count those only), clusters
                    (the CLUSTER records the scan logged: id, first_seen_scan,
                    flags, bytes, blocks, entry_size = the size of its first
                    entry block), heuristics (its HEURISTICS record: {name:
                    {bytes, blocks}}, valgrind's names; {} without one) and
                    live (the cluster ids its LIVE records name); only scans
                    whose SCAN_END is in the log
  log_ends()        the END record of every log in T/logs, in log order:
                    dicts with pid, how ('exit', '_exit', 'abort', 'exec',
                    'stopped', 'signal') and status (the signal number for
                    'signal'); a log without END is left out
  log_notes()       the text of every NOTE record of every log, in order
  log_sites()       the SITES record of every scan of every log, in log order:
                    dicts with pid, scan and sites ({stack_id: {blocks,
                    bytes}}, each a list of three, generations 0, 1, 2)
  rc_stats(family)  what the shim's end-of-log NOTE says of refcount family
                    ('gobject', 'api', ...), summed over the logs: a dict
                    with live, born, adopted, refs, unrefs, died and
                    mismatched (live objects whose count differs from what
                    the hooks saw); None when no log has that NOTE
  log_scan_begins() every SCAN_BEGIN of every log, in log order: dicts with
                    pid, scan, kind and ended (its SCAN_END is in the log:
                    False for a scan cut short by the process's death)
  re, json          the modules
"""

import argparse
import ast
import concurrent.futures
import glob
import json
import os
import pwd
import random
import re
import resource
import shlex
import shutil
import signal as signal_mod
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTDIR = ROOT / "tests" / "integration"
DEFAULT_TIMEOUT = 60
REPEATABLE = {"lib", "env", "file", "expect", "require", "html_search"}
KEYS = {"build", "pkg", "lib", "run", "args", "options", "log", "env", "file", "setup", "compare",
        "report", "report_on", "mangle", "exit", "timeout", "stress", "skip", "setuid", "needs",
        "require", "expect", "html", "html_search"}


# ---------------------------------------------------------------- directives

def parse_directives(path):
    """Returns the directives of the first comment of `path` as a dict: lists
    for repeatable keys, strings for the others."""
    text = path.read_text()
    m = re.search(r"/\*(.*?)\*/", text, re.S)
    block = m.group(1) if m else "\n".join(
        l for l in text.splitlines() if l.lstrip().startswith("//"))
    d = {k: [] for k in REPEATABLE}
    for line in block.splitlines():
        line = re.sub(r"^\s*(\*|//)?\s?", "", line)
        mm = re.match(r"([a-z_]+):\s?(.*)$", line)
        if mm and mm.group(1) in KEYS:
            key, value = mm.group(1), mm.group(2).strip()
            if key in REPEATABLE:
                d[key].append(value)
            else:
                d[key] = value
    return d


class Test:
    def __init__(self, path):
        self.path = path
        self.name = path.stem
        self.cxx = path.suffix == ".cc"
        self.d = parse_directives(path)

    def get(self, key, default=None):
        return self.d.get(key, default)


# --------------------------------------------------------- report accessors

class AttrDict(dict):
    """A dict whose keys also read as attributes (a missing key raises
    AttributeError, which fails the expectation with its name)."""
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def stack_of(x):
    """The frame list of a cluster (its entry), an entry, a site or a stack."""
    if x is None:
        return []
    if isinstance(x, list):
        return x
    if "entry" in x and "stack" not in x:
        return stack_of(x.get("entry"))
    return x.get("stack") or []


def fn_matches(function, name):
    if not function:
        return False
    if re.search(r"(^|[^A-Za-z0-9_])" + re.escape(name) + r"($|[^A-Za-z0-9_])", function):
        return True
    # An unmangled report: _Z11make_widgetv holds the name after its length.
    return function.startswith("_Z") and (str(len(name)) + name) in function


def frame_of(x, name):
    for f in stack_of(x):
        if fn_matches(f.get("function"), name):
            return f
    return None


def has_frame(x, name):
    if isinstance(x, dict) and "entry" in x and "sites" in x:
        return frame_of(x, name) is not None or any(
            frame_of(s, name) for s in x.get("sites") or [])
    return frame_of(x, name) is not None


def site_key(site):
    return tuple((f.get("function"), f.get("address")) for f in stack_of(site))


def resolve_stacks(r):
    """Gives every stack of a JSON report its frames, in place: a "stack"
    is its list of frames (SPEC section 5), except past the report's inline
    budget (a hostile log), where it is [] and its "stack_id" names the
    entry of the top-level "stacks" table that holds them; an integer
    "stack" (older reports) is resolved the same way. Returns r."""
    if not isinstance(r, dict) or not isinstance(r.get("stacks"), list):
        return r
    table = {s.get("id"): s.get("frames") or [] for s in r["stacks"] if isinstance(s, dict)}
    todo = [v for k, v in r.items() if k != "stacks"]
    while todo:
        x = todo.pop()
        if isinstance(x, list):
            todo.extend(x)
        elif isinstance(x, dict):
            st = x.get("stack")
            if isinstance(st, int) and not isinstance(st, bool):
                x["stack_ref"] = st
                x["stack"] = table.get(st, [])
            elif st == [] and isinstance(x.get("stack_id"), int):
                x["stack"] = table.get(x["stack_id"], [])
            todo.extend(v for k, v in x.items() if k != "stack")
    return r


def make_helpers(r, stdout):
    clusters = (r or {}).get("clusters") or []

    def clusters_with(name):
        first = [c for c in clusters if frame_of(c.get("entry"), name)]
        seen = {id(c) for c in first}
        rest = [c for c in clusters if id(c) not in seen and has_frame(c, name)]
        return first + rest

    def cluster_with(name):
        found = clusters_with(name)
        return found[0] if found else None

    def sites_with(name):
        return [s for c in clusters for s in c.get("sites") or [] if frame_of(s, name)]

    def out_int(key):
        m = re.search(r"(?:^|\W)" + re.escape(key) + r"=(-?\d+)", stdout)
        return int(m.group(1)) if m else None

    return dict(cluster_with=cluster_with, clusters_with=clusters_with,
                sites_with=sites_with, out_int=out_int)


def xml_of(path):
    import xml.etree.ElementTree as ET
    return ET.parse(path).getroot()


def xml_paths(path):
    out, todo = set(), [(xml_of(path), "")]
    while todo:
        e, pre = todo.pop()
        p = pre + "/" + e.tag if pre else e.tag
        out.add(p)
        todo.extend((c, p) for c in e)
    return out


def lines(text):
    return [l for l in (text or "").splitlines() if l.strip()]


def count_lines(text, s):
    return sum(1 for l in lines(text) if s in l)


def line_with(text, s):
    return next((l for l in lines(text) if s in l), "")


SCAN_KINDS = {1: "exit", 2: "api", 3: "periodic", 4: "signal"}
CATEGORIES = ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable")
HEURISTICS = {1: "stdstring", 2: "length64", 3: "newarray", 4: "multipleinheritance"}


def log_scans(logdir):
    """The scans of the logs in logdir (tools/LOGFORMAT.md: HEADER, SCAN_BEGIN,
    CLUSTER, HEURISTICS, LIVE, SCAN_END), for `expect:` checks of single scans."""
    out = []
    for path in sorted(Path(logdir).iterdir()):
        data = path.read_bytes()
        pid, open_scans = None, {}
        for start, end in record_bounds(data):
            rtype = struct.unpack_from("<H", data, start + 2)[0]
            pl = data[start + 8:end - 4]
            try:
                if rtype == 1:
                    pid = struct.unpack_from("<I", pl, 4)[0]
                elif rtype == 5:
                    scan, kind = struct.unpack_from("<II", pl, 0)
                    open_scans[scan] = AttrDict(pid=pid, scan=scan, kind=SCAN_KINDS.get(kind, kind),
                                                log=path.name, clusters=[], heuristics=AttrDict(),
                                                live=[])
                elif rtype == 6:
                    scan, cid, first, flags, nbytes, blocks, nsites = struct.unpack_from("<IIIIQII", pl, 0)
                    off = 32 + 20 * nsites
                    nlisted = struct.unpack_from("<I", pl, off)[0]
                    size = struct.unpack_from("<Q", pl, off + 12)[0] if nlisted else None
                    if scan in open_scans:
                        open_scans[scan].clusters.append(AttrDict(
                            id=cid, first_seen_scan=first, flags=flags, bytes=nbytes, blocks=blocks,
                            entry_size=size))
                elif rtype == 13:
                    scan, n = struct.unpack_from("<II", pl, 0)
                    if scan in open_scans:
                        open_scans[scan].live.extend(struct.unpack_from("<%dI" % n, pl, 8))
                elif rtype == 14:
                    scan, n = struct.unpack_from("<II", pl, 0)
                    for k in range(n):
                        h, nbytes, blocks = struct.unpack_from("<IQQ", pl, 8 + 20 * k)
                        if scan in open_scans:
                            open_scans[scan].heuristics[HEURISTICS.get(h, h)] = AttrDict(
                                bytes=nbytes, blocks=blocks)
                elif rtype == 7:
                    scan = struct.unpack_from("<I", pl, 0)[0]
                    s = open_scans.pop(scan, None)
                    if s is None:
                        continue
                    s["totals"] = AttrDict((c, AttrDict(bytes=struct.unpack_from("<Q", pl, 4 + 16 * i)[0],
                                                     blocks=struct.unpack_from("<Q", pl, 12 + 16 * i)[0]))
                                        for i, c in enumerate(CATEGORIES))
                    s["conservative"] = bool(struct.unpack_from("<I", pl, len(pl) - 4)[0] & 1)
                    s["young"] = bool(struct.unpack_from("<I", pl, len(pl) - 4)[0] & 2)
                    out.append(s)
            except struct.error:
                continue  # a record too short for its type: not ours to judge here
    return out


END_HOWS = {1: "exit", 2: "_exit", 3: "abort", 4: "exec", 5: "stopped", 6: "signal"}


def log_records(logdir, rtype):
    """(pid, payload) of every complete record of type rtype in the logs of
    logdir, in log order."""
    out = []
    for path in sorted(Path(logdir).iterdir()):
        data = path.read_bytes()
        pid = None
        for start, end in record_bounds(data):
            t = struct.unpack_from("<H", data, start + 2)[0]
            pl = data[start + 8:end - 4]
            if t == 1 and len(pl) >= 8:
                pid = struct.unpack_from("<I", pl, 4)[0]
            elif t == rtype:
                out.append((pid, pl))
    return out


def log_ends(logdir):
    """The END records of the logs in logdir (tools/LOGFORMAT.md: how, status)."""
    return [AttrDict(pid=pid, how=END_HOWS.get(struct.unpack_from("<I", pl, 0)[0]),
                     status=struct.unpack_from("<I", pl, 4)[0])
            for pid, pl in log_records(logdir, 10) if len(pl) >= 8]


def log_scan_begins(logdir):
    """The SCAN_BEGIN records of the logs in logdir, each with whether its
    SCAN_END followed."""
    ended = {(pid, struct.unpack_from("<I", pl, 0)[0]) for pid, pl in log_records(logdir, 7) if len(pl) >= 4}
    return [AttrDict(pid=pid, scan=scan, kind=SCAN_KINDS.get(kind, kind), ended=(pid, scan) in ended)
            for pid, pl in log_records(logdir, 5) if len(pl) >= 8
            for scan, kind in [struct.unpack_from("<II", pl, 0)]]


def log_notes(logdir):
    """The texts of the NOTE records of the logs in logdir (u32 code, str text)."""
    out = []
    for _pid, pl in log_records(logdir, 9):
        if len(pl) >= 8:
            n = struct.unpack_from("<I", pl, 4)[0]
            out.append(pl[8:8 + n].decode("utf-8", "replace"))
    return out


def log_sites(logdir):
    """The SITES records of the logs in logdir (tools/LOGFORMAT.md: scan,
    nsites, then per site u32 stack_id, 3 x u32 blocks, 3 x u64 bytes)."""
    out = []
    for pid, pl in log_records(logdir, 11):
        if len(pl) < 8:
            continue
        scan, n = struct.unpack_from("<II", pl, 0)
        if len(pl) < 8 + 40 * n:
            continue
        sites = {}
        for k in range(n):
            st, b0, b1, b2, y0, y1, y2 = struct.unpack_from("<IIIIQQQ", pl, 8 + 40 * k)
            sites[st] = AttrDict(blocks=[b0, b1, b2], bytes=[y0, y1, y2])
        out.append(AttrDict(pid=pid, scan=scan, sites=sites))
    return out


RC_STATS = re.compile(r"refcount (\w+): (\d+) live objects \((\d+) born, (\d+) adopted at a first ref or unref, "
                      r"(\d+) refs, (\d+) unrefs, (\d+) died\); (\d+) live objects whose count differs")


def rc_stats(logdir, family):
    """The refcount statistics NOTE of `family`, summed over the logs."""
    keys = ("live", "born", "adopted", "refs", "unrefs", "died", "mismatched")
    out = None
    for text in log_notes(logdir):
        m = RC_STATS.match(text)
        if m and m.group(1) == family:
            vals = dict(zip(keys, (int(g) for g in m.groups()[1:])))
            out = vals if out is None else {k: out[k] + vals[k] for k in keys}
    return out


def pkg_config(text):
    """Replaces every {pkg-config:NAMES} in text by pkg-config's flags."""
    def flags(m):
        res = subprocess.run(["pkg-config", "--cflags", "--libs", *m.group(1).split()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if res.returncode != 0:
            raise Failure("pkg-config %s failed" % m.group(1), res.stderr)
        return res.stdout.strip()
    return re.sub(r"\{pkg-config:([^}]*)\}", flags, text)


# ------------------------------------------------------------------ running

class Result:
    def __init__(self, exit_code, stdout, stderr, timed_out=False):
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr
        self.timed_out = timed_out
        self.signal = exit_code - 128 if exit_code > 128 else 0


def run_cmd(argv, cwd, env=None, timeout=DEFAULT_TIMEOUT):
    """Runs argv in its own process group, kills the group on timeout, and
    returns a Result with the status normalised to 128+N for signal N."""
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal_mod.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        timed_out = True
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), timed_out)


class Failure(Exception):
    def __init__(self, reason, details=""):
        super().__init__(reason)
        self.reason, self.details = reason, details


class Skip(Exception):
    """A `require:` command failed: the machine cannot run the test."""


class Runner:
    def __init__(self, args):
        self.build = Path(args.build).resolve()
        self.shim = self.build / "libleakgraph.so"
        self.report = self.build / "leakgraph-report"
        self.wrapper = self.build / "leakgraph"
        self.keep = args.keep
        self.plain_only = args.plain
        self.top = Path(tempfile.mkdtemp(prefix="leakgraph-it."))
        self.shim = self.preloadable(self.shim)

    def preloadable(self, shim):
        """A path of the shim that LD_PRELOAD can carry: the shim's own, or,
        when it holds a space, a tab or ':' (a checkout in a directory with
        a space), a symbolic link to it in the runner's directory (the
        wrapper makes its own the same way)."""
        if not re.search(r"[ \t:]", str(shim)):
            return shim
        for d in (self.top, Path(tempfile.mkdtemp(prefix="leakgraph-it-shim.", dir="/tmp"))):
            if not re.search(r"[ \t:]", str(d)):
                link = d / "libleakgraph.so"
                link.symlink_to(shim)
                return link
        return shim

    def unmet(self, test):
        """Why `test` cannot run on this machine (what its `needs:` and
        `setuid:` ask for and is missing), or None when it can."""
        needs = {w.strip() for w in test.get("needs", "").split(",") if w.strip()}
        if test.get("setuid"):
            needs |= {"root", "setuid"}
        if needs - {"root", "setuid"}:
            raise Failure("bad needs: %s (accepted: root, setuid)" % ", ".join(sorted(needs - {"root", "setuid"})))
        if needs and os.geteuid() != 0:
            return "needs root, but the runner runs as uid %d" % os.geteuid()
        if "setuid" in needs and os.statvfs(self.top).f_flag & os.ST_NOSUID:
            return ("needs set-user-ID programs, but %s is on a nosuid file system: set TMPDIR elsewhere"
                    % self.top.parent)
        user = test.get("setuid")
        if user:
            try:
                pwd.getpwnam(user)
            except KeyError:
                return "needs the user %r to exist" % user
        return None

    def subst(self, s, t, quote=False):
        q = shlex.quote if quote else str
        return (s.replace("{tmp}", q(str(t))).replace("{prog}", q(str(t / "prog")))
                 .replace("{build}", q(str(self.build))).replace("{root}", q(str(ROOT)))
                 .replace("{shim}", q(str(self.shim))))

    def qsubst(self, s, t):
        """subst for shell words (build:, run: shell, setup:, require:,
        report_on:): each path shell-quoted, so a checkout whose path has a
        space runs the same commands."""
        return self.subst(s, t, quote=True)

    # -- steps

    def compile(self, test, t, timeout):
        cc = os.environ.get("CXX", "c++") if test.cxx else os.environ.get("CC", "cc")
        inc = ["-I", str(ROOT / "preload"), "-I", str(TESTDIR)]
        for item in test.get("lib"):
            lib, *flags = shlex.split(pkg_config(self.qsubst(item, t)))
            src = TESTDIR / "lib" / lib
            out = t / ("lib" + Path(lib).stem + ".so")
            res = run_cmd([os.environ.get("CC", "cc"), "-g", "-O0", "-shared", "-fPIC", *inc,
                           str(src), "-o", str(out), *flags], t, timeout=timeout)
            if res.exit_code != 0:
                raise Failure("library %s does not compile" % lib, res.stderr[-3000:])
        extra = shlex.split(self.qsubst(test.get("build", ""), t)) + self.pkg_flags(test, t, timeout)
        res = run_cmd([cc, "-g", "-O0", "-pthread", *inc, str(test.path), "-o",
                       str(t / "prog"), *extra, "-ldl"], t, timeout=timeout)
        if res.exit_code != 0:
            raise Failure("does not compile", res.stderr[-3000:])
        if test.get("setuid"):
            shutil.chown(t / "prog", user=test.get("setuid"))
            os.chmod(t / "prog", 0o4755)
            os.chmod(t.parent, 0o711)
            os.chmod(t, 0o755)
            os.chmod(t / "logs", 0o1777)  # a traced set-uid program could log here

    def pkg_flags(self, test, t, timeout):
        """The compiler flags of the `pkg:` packages (pkg-config)."""
        names = test.get("pkg", "").split()
        if not names:
            return []
        res = run_cmd(["pkg-config", "--cflags", "--libs", *names], t, timeout=timeout)
        if res.exit_code != 0:
            raise Failure("pkg-config does not know %s (scripts/install-deps installs them)" % " ".join(names),
                          res.stderr[-2000:])
        return shlex.split(res.stdout)

    def program_env(self, test, t):
        env = dict(os.environ)
        for k in ("LD_PRELOAD", "LEAKGRAPH_OPTIONS"):
            env.pop(k, None)
        env["LG_TEST_TMP"] = str(t)
        libs = [shlex.split(item)[0] for item in test.get("lib")]
        for i, lib in enumerate(libs):
            path = str(t / ("lib" + Path(lib).stem + ".so"))
            if i == 0:
                env["LG_TEST_LIB"] = path
            env["LG_TEST_LIB_" + Path(lib).stem.upper()] = path
        for item in test.get("env"):
            k, _, v = self.subst(item, t).partition("=")
            env[k] = v
        return env

    def shell_line(self, test, t, mode, log, options, plain):
        """The command line of `run: shell`, its {lg} and {direct} expanded
        (to nothing for the plain run)."""
        line = self.qsubst(mode.strip()[len("shell"):].strip(), t)
        lg = "%s --log=%s" % (shlex.quote(str(self.wrapper)), shlex.quote(log))
        direct = "LD_PRELOAD=%s LEAKGRAPH_OPTIONS=%s" % (
            shlex.quote(str(self.shim)),
            shlex.quote("log=%s:quiet=1" % log + (":" + options if options else "")))
        return line.replace("{lg}", "" if plain else lg).replace("{direct}", "" if plain else direct)

    def run_program(self, test, t, mode, timeout, plain_shell=False):
        env = self.program_env(test, t)
        words = shlex.split(mode)
        how = words[0] if words else "wrapper"
        args = [self.subst(a, t) for a in shlex.split(test.get("args", ""))]
        log = self.subst(test.get("log", "{tmp}/logs/lg.%p.log"), t)
        options = self.subst(test.get("options", ""), t)
        prog = str(t / "prog")
        if how == "shell":
            argv = ["/bin/bash", "-c", self.shell_line(test, t, mode, log, options, plain_shell)]
        elif how == "plain":
            argv = [prog, *args]
        elif how == "direct":
            env["LD_PRELOAD"] = str(self.shim)
            env["LEAKGRAPH_OPTIONS"] = "log=%s:quiet=1" % log + (":" + options if options else "")
            argv = [prog, *args]
        elif how == "wrapper":
            if options:
                env["LEAKGRAPH_OPTIONS"] = options
            flags = [self.subst(w, t) for w in words[1:]]
            argv = [str(self.wrapper), "--log=" + log, *flags, "--", prog, *args]
        else:
            raise Failure("bad run: directive %r" % mode)
        return run_cmd(argv, t, env=env, timeout=timeout)

    def mangle(self, how, logs, t):
        """Damages the logs as `mangle:` says; returns the report's file
        arguments and the name of the damaged file."""
        rnd = random.Random(1234)
        if how == "noargs":
            return [], ""
        if how == "missing":
            p = t / "logs" / "does-not-exist.log"
            return [str(p)], p.name
        if not logs:
            raise Failure("no log to mangle (the shim wrote none)")
        p = Path(logs[0])
        data = p.read_bytes()
        if how == "empty":
            data = b""
        elif how == "random":
            data = bytes(rnd.getrandbits(8) for _ in range(4096))
        elif how in ("truncate", "cut-middle", "flip"):
            recs = record_bounds(data)
            if not recs:
                raise Failure("log has no complete record to %s" % how)
            if how == "truncate":
                start, end = recs[-1]
            else:
                mid = len(data) // 2
                inside = [(s, e) for s, e in recs if s <= mid < e]
                start, end = inside[0] if inside else recs[len(recs) // 2]
            if how == "flip":
                if end - start <= 12:
                    raise Failure("record in the middle has no payload to flip")
                off = start + 8 + (end - start - 12) // 2  # the middle of the payload
                data = data[:off] + bytes([data[off] ^ 0xFF]) + data[off + 1:]
            else:
                data = data[:start + max(1, (end - start) // 2)]
        else:
            raise Failure("bad mangle: directive %r" % how)
        out = t / "logs" / ("mangled." + how + ".log")
        out.write_bytes(data)
        p.unlink()
        return [str(x) for x in sorted((t / "logs").iterdir())], out.name

    def report_on(self, test, t):
        """The report tool's LOG arguments that `report_on:` names, globs
        expanded like a shell's."""
        out = []
        for word in shlex.split(self.qsubst(test.get("report_on"), t)):
            found = sorted(glob.glob(word)) if glob.has_magic(word) else []
            out.extend(found or [word])
        return out

    def run_html(self, test, t, files, timeout):
        """`html:`: writes T/report.html from `files`, opens it in headless
        Chromium and returns what its DOM holds (browser.py)."""
        import browser
        extra = [self.subst(a, t) for a in shlex.split(test.get("html") or "")]
        out = t / "report.html"
        rep = run_cmd([str(self.report), "--format=html", "--output=" + str(out), *extra, *files],
                      t, timeout=timeout)
        if rep.exit_code != 0 or not out.exists():
            raise Failure("leakgraph-report --format=html exited %d" % rep.exit_code,
                          tail("report stderr", rep.stderr))
        try:
            page = browser.open_page(str(out), screenshot=str(t / "report.png"),
                                     searches=test.get("html_search"), timeout=timeout)
        except OSError as e:
            raise Failure("the browser failed: %s" % e)
        return json.loads(json.dumps(page), object_hook=AttrDict)

    def run_report(self, test, t, files, timeout):
        mode = test.get("report", "")
        extra = [] if mode in ("", "none", "optional") else [
            self.subst(a, t) for a in shlex.split(mode)]
        args = [str(self.report)] + (["--format=json", *extra, *files] if files or extra else [])
        if test.get("mangle") == "noargs":
            args = [str(self.report)]
        return run_cmd(args, t, timeout=timeout)

    # -- one test

    def run_test(self, test):
        if self.missing and not self.plain_only:
            return "FAIL", "not built: %s (run make)" % ", ".join(self.missing), "", 0.0
        t = self.top / test.name
        t.mkdir()
        (t / "logs").mkdir()
        t0 = time.time()
        try:
            self.check(test, t)
            status, reason, details = "PASS", "", ""
        except Failure as f:
            status, reason, details = "FAIL", f.reason, f.details
        except Skip as k:
            status, reason, details = "SKIP", str(k), ""
        except Exception as e:  # a bug in the runner, the test's directives, or the build changing
            status, reason = "FAIL", "runner error: %r" % e
            details = "".join(traceback.format_exc().splitlines(True)[-6:])
        dt = time.time() - t0
        if status in ("PASS", "SKIP") and not self.keep:
            shutil.rmtree(t, ignore_errors=True)
        elif status == "FAIL":
            details = (details + "\n" if details else "") + "files kept in %s" % t
        return status, reason, details, dt

    def check_requirements(self, test, t, timeout):
        """Runs the `require:` commands; raises Skip when one fails."""
        for cmd in test.get("require"):
            cmd = self.qsubst(cmd, t)
            res = run_cmd(["/bin/sh", "-c", cmd], t, timeout=timeout)
            if res.exit_code != 0:
                said = lines(res.stdout + "\n" + res.stderr)
                raise Skip("require: %s failed%s" % (cmd, ": " + said[-1].strip() if said else ""))

    def check_plain(self, test, t, timeout):
        """--plain: the program alone, without leakgraph (the leakgraph_*
        calls are no-ops): it must compile, end in time, and exit as the
        test says (unless the wrapper is what changes the status)."""
        mode = test.get("run", "wrapper")
        shell = mode.split()[:1] == ["shell"]
        res = self.run_program(test, t, mode if shell else "plain", timeout, plain_shell=shell)
        if res.timed_out:
            raise Failure("program timed out after %gs" % timeout)
        want = test.get("exit", "0")
        if ("--error-exitcode" in test.get("run", "") or "exitcode=" in test.get("options", "")
                or want == "any"):
            return
        if res.exit_code != int(want):
            raise Failure("exit status %d, expected %s" % (res.exit_code, want),
                          tail("stdout", res.stdout) + tail("stderr", res.stderr))
        # The expectations on the program's own output hold without the shim too.
        ns = dict(stdout=res.stdout, exit_code=res.exit_code, lines=lines, re=re)
        ns.update(make_helpers(None, res.stdout))
        for expr in test.get("expect"):
            names = {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}
            if names & {"stdout", "out_int"} and names <= {"stdout", "exit_code", "out_int",
                                                          "lines", "re", "len", "int", "str"}:
                if not eval(expr, ns):
                    raise Failure("expect: %s" % expr, tail("stdout", res.stdout))

    def check(self, test, t):
        timeout = float(test.get("timeout", DEFAULT_TIMEOUT))
        if self.plain_only:
            self.compile(test, t, timeout)
            self.check_requirements(test, t, timeout)
            return self.check_plain(test, t, timeout)
        for item in test.get("file"):
            name, _, text = item.partition(":")
            with open(t / name.strip(), "a") as f:
                f.write(self.subst(text.strip(), t) + "\n")
        self.compile(test, t, timeout)
        self.check_requirements(test, t, timeout)
        if test.get("setup"):
            res = run_cmd(["/bin/sh", "-c", self.qsubst(test.get("setup"), t)], t, timeout=timeout)
            if res.exit_code != 0:
                raise Failure("setup: failed (status %d)" % res.exit_code, tail("stderr", res.stderr))
        mode = test.get("run", "wrapper")
        res = self.run_program(test, t, mode, timeout)
        if res.timed_out:
            raise Failure("program timed out after %gs" % timeout, tail("stderr", res.stderr))
        plain = None
        if test.get("compare") == "plain":
            shell = mode.split()[:1] == ["shell"]
            plain = self.run_program(test, t, mode if shell else "plain", timeout, plain_shell=shell)
        want_exit = test.get("exit", "0")
        if want_exit != "any" and res.exit_code != int(want_exit):
            raise Failure("exit status %d, expected %s" % (res.exit_code, want_exit),
                          tail("stdout", res.stdout) + tail("stderr", res.stderr))
        logs = sorted(str(p) for p in (t / "logs").iterdir())
        r, rep, mangled, page = None, Result(0, "", ""), "", None
        report_mode = test.get("report", "")
        if mode.split()[:1] == ["plain"]:
            report_mode = "none"
        if report_mode != "none" and not (report_mode == "optional" and not logs):
            files, mangled = logs, ""
            if test.get("report_on"):
                files = self.report_on(test, t)
            elif test.get("mangle"):
                files, mangled = self.mangle(test.get("mangle"), logs, t)
            elif not logs:
                raise Failure("the run left no log in %s/logs" % t,
                              tail("stdout", res.stdout) + tail("stderr", res.stderr))
            rep = self.run_report(test, t, files, timeout)
            if rep.timed_out:
                raise Failure("leakgraph-report timed out", tail("report stderr", rep.stderr))
            try:
                r = resolve_stacks(json.loads(rep.stdout, object_hook=AttrDict)) if rep.stdout.strip() else None
            except ValueError as e:
                if not test.get("mangle"):
                    raise Failure("leakgraph-report printed no valid JSON (%s)" % e,
                                  tail("report stdout", rep.stdout) + tail("report stderr", rep.stderr))
            if not test.get("mangle"):
                if rep.exit_code != 0:
                    raise Failure("leakgraph-report exited %d" % rep.exit_code,
                                  tail("report stderr", rep.stderr))
                if r is None:
                    raise Failure("leakgraph-report printed nothing", tail("report stderr", rep.stderr))
            if "html" in test.d:
                page = self.run_html(test, t, files, timeout)
        ns = dict(r=r, summary=(r or {}).get("summary"), clusters=(r or {}).get("clusters") or [],
                  processes=(r or {}).get("processes") or [], exit_code=res.exit_code,
                  stdout=res.stdout, stderr=res.stderr, signal=res.signal, plain=plain,
                  report_exit=rep.exit_code, report_stdout=rep.stdout, report_stderr=rep.stderr,
                  logs=[Path(l).name for l in logs], mangled_name=mangled, tmp=str(t),
                  has_frame=has_frame, frame_of=frame_of, site_key=site_key, lines=lines,
                  count_lines=count_lines, line_with=line_with, re=re, json=json,
                  read_text=lambda p: (t / p).read_text(errors="replace"),
                  file_mode=lambda p: os.lstat(t / p).st_mode & 0o7777,
                  exists=lambda p: os.path.lexists(t / p),
                  xml_of=lambda p: xml_of(t / p), xml_paths=lambda p: xml_paths(t / p),
                  log_scans=lambda: log_scans(t / "logs"),
                  log_ends=lambda: log_ends(t / "logs"),
                  log_notes=lambda: log_notes(t / "logs"),
                  log_sites=lambda: log_sites(t / "logs"),
                  rc_stats=lambda f: rc_stats(t / "logs", f),
                  log_scan_begins=lambda: log_scan_begins(t / "logs"), page=page)
        ns.update(make_helpers(r, res.stdout))
        for expr in test.get("expect"):
            try:
                ok = eval(expr, ns)
                err = None
            except Exception as e:
                ok, err = False, "%s: %s" % (type(e).__name__, e)
            if not ok:
                raise Failure(("expect: %s" % expr) + (" -> " + err if err else ""),
                              explain(expr, ns, err is not None))


def record_bounds(data):
    """The [start, end) of every complete record of a leakgraph log (framing
    of tools/LOGFORMAT.md: u16 sync, u16 type, u32 len, payload, u32 crc)."""
    out, off = [], 0
    while off + 8 <= len(data):
        sync, _type, n = struct.unpack_from("<HHI", data, off)
        end = off + 8 + n + 4
        if sync != 0x474C or end > len(data):
            break
        out.append((off, end))
        off = end
    return out


# ---------------------------------------------------------------- reporting

def tail(what, text, n=15):
    ls = (text or "").rstrip("\n").splitlines()
    if not ls:
        return "%s: (empty)\n" % what
    cut = ls[-n:]
    return "%s%s:\n%s\n" % (what, " (last %d lines)" % n if len(ls) > n else "",
                            "\n".join("  | " + l for l in cut))


def short_stack(x, n=6):
    return " < ".join(str(f.get("function") or f.get("address")) for f in stack_of(x)[:n])


def compact_report(r):
    """The part of a report that a failing expectation usually needs."""
    if r is None:
        return "report: none\n"
    out = ["summary: " + json.dumps(r.get("summary"), separators=(",", ":"))]
    for p in r.get("processes") or []:
        out.append("process: " + json.dumps({k: p.get(k) for k in (
            "pid", "exe", "argv", "complete", "end", "truncated", "scans", "notes")},
            separators=(",", ":"))[:400])
    cl = r.get("clusters") or []
    out.append("clusters: %d" % len(cl))
    for c in cl[:6]:
        out.append("  #%s pid=%s kind=%s bytes=%s blocks=%s cyclic=%s first_seen=%s entry.size=%s"
                   % (c.get("id"), c.get("pid"), c.get("kind"), c.get("bytes"), c.get("blocks"),
                      c.get("cyclic"), c.get("first_seen_scan"), (c.get("entry") or {}).get("size"),))
        out.append("     entry: " + short_stack(c.get("entry")))
        for s in (c.get("sites") or [])[:3]:
            out.append("     site %s blocks=%s bytes=%s: %s" % (
                s.get("category"), s.get("blocks"), s.get("bytes"), short_stack(s, 4)))
    if len(cl) > 6:
        out.append("  ... %d more" % (len(cl) - 6))
    return "\n".join(out) + "\n"


def explain(expr, ns, errored):
    """The values of the comparisons' operands in a failing expression, then
    the outputs or report parts the expression refers to."""
    out = []
    try:
        tree = ast.parse(expr, mode="eval")
        seen = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for sub in [node.left] + node.comparators:
                    src = ast.get_source_segment(expr, sub)
                    if src in seen or isinstance(sub, ast.Constant):
                        continue
                    seen.add(src)
                    try:
                        v = repr(eval(src, ns))
                    except Exception as e:
                        v = "<%s: %s>" % (type(e).__name__, e)
                    out.append("  %s = %s" % (src, v[:300]))
    except SyntaxError:
        pass
    text = "\n".join(out[:8]) + ("\n" if out else "")
    for key in ("stdout", "stderr", "report_stdout", "report_stderr"):
        if re.search(r"(?<![\w.])%s\b" % key, expr):
            text += tail(key, ns[key])
    if re.search(r"\b(r|summary|clusters|processes|cluster_with|clusters_with|sites_with|has_frame)\b",
                 expr) or errored:
        text += compact_report(ns["r"])
    if re.search(r"\bpage\b", expr) and ns.get("page") is not None:
        text += "page: " + json.dumps(ns["page"], separators=(",", ":"))[:1500] + "\n"
    return text


# --------------------------------------------------------------------- main

def discover(stress, patterns):
    tests = []
    for p in sorted(list(TESTDIR.glob("*.c")) + list(TESTDIR.glob("*.cc"))):
        t = Test(p)
        if t.get("stress") and not stress:
            continue
        if patterns and not any(k in t.name for k in patterns):
            continue
        tests.append(t)
    return tests


def unignore_stop_signals():
    """Gives the programs under test the default SIGINT and SIGQUIT even
    when this runner was started with them ignored (a shell's background
    job, nohup): an ignored disposition survives exec, so a test that kills
    its child with SIGINT would otherwise wait for a death that never
    comes. A signal with a handler here is reset to the default by exec."""
    if signal_mod.getsignal(signal_mod.SIGINT) == signal_mod.SIG_IGN:
        signal_mod.signal(signal_mod.SIGINT, signal_mod.default_int_handler)
    if signal_mod.getsignal(signal_mod.SIGQUIT) == signal_mod.SIG_IGN:
        signal_mod.signal(signal_mod.SIGQUIT, signal_mod.SIG_DFL)


def main():
    unignore_stop_signals()
    ap = argparse.ArgumentParser(description="leakgraph integration tests")
    ap.add_argument("--build", default="build", help="the build directory (default build)")
    ap.add_argument("--stress", action="store_true", help="also run the tests marked stress: yes")
    ap.add_argument("-k", action="append", default=[], metavar="NAME",
                    help="run only tests whose name contains NAME (repeatable)")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="tests run at once (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep every test's directory")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    ap.add_argument("--quiet", action="store_true", help="no PASS lines: failures, skips and totals")
    ap.add_argument("--plain", action="store_true",
                    help="only compile and run the programs without leakgraph (checks the tests)")
    args = ap.parse_args()
    os.chdir(ROOT)
    # No core files from the programs that abort or are killed (inherited).
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    tests = discover(args.stress, args.k)
    if args.list:
        for t in tests:
            print(t.name + ("  [skip: %s]" % t.get("skip") if t.get("skip") else ""))
        return 0
    runner = Runner(args)
    runner.missing = [str(p) for p in (runner.shim, runner.report, runner.wrapper) if not p.exists()]
    passed = failed = 0
    skipped = []
    lock = threading.Lock()

    def one(test):
        if test.get("skip"):
            return test, ("SKIP", test.get("skip"), "", 0.0)
        try:
            why = runner.unmet(test)
        except Failure as f:
            return test, ("FAIL", f.reason, "", 0.0)
        if why:
            return test, ("SKIP", why, "", 0.0)
        return test, runner.run_test(test)

    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for test, (status, reason, details, dt) in pool.map(one, tests):
            with lock:
                if status == "PASS":
                    passed += 1
                    if not args.quiet:
                        print("PASS %s (%.1fs)" % (test.name, dt), flush=True)
                elif status == "FAIL":
                    failed += 1
                    print("FAIL %s (%.1fs): %s" % (test.name, dt, reason))
                    if details:
                        print("\n".join("     " + l for l in details.rstrip("\n").splitlines()))
                    sys.stdout.flush()
                else:
                    skipped.append("%s: %s" % (test.name, reason))
                    print("SKIP %s: %s" % (test.name, reason), flush=True)
    if passed + failed == 0 or not args.keep and failed == 0:
        shutil.rmtree(runner.top, ignore_errors=True)
    print("(%d tests in %.0fs)" % (passed + failed, time.time() - t0))
    print("skipped %d%s" % (len(skipped), ": " + "; ".join(skipped) if skipped else ""))
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
