"""browser.py — opens a page in headless Chromium and reports what its DOM
holds, for the integration tests of the HTML report (run.py's `html:`
directive).

    page = open_page(path_to_html, screenshot=path_to_png, searches=[...])

starts Debian's /usr/bin/chromium headless (as root: --no-sandbox) with a
fresh profile directory, no network services, and remote debugging on a
port it chooses; speaks the DevTools protocol over a WebSocket written here
with the standard library only (RFC 6455: a masked text frame per command,
frames read until the answer with the command's id); loads the page from
file://; collects every console error, uncaught exception and error log
entry; waits until the page set its performance mark "lg-painted" (at most
30 s); runs PROBE, a script that counts what the DOM holds; types each
search into the page's search box and counts the clusters left visible;
saves a screenshot of the whole page; and closes the browser.

It returns a dict:
    clusters        per article.lg-cluster, in page order: id, kind, bytes,
                    blocks, cyclic, entries, listed, pointers, members (its
                    data attributes), shown_bytes and shown_blocks (the
                    numbers its headline shows), svgs (svg.lg-graph inside),
                    nodes, edges, entry_nodes, cycle_nodes, cycle_edges,
                    folded (data-folded of its picture), sites (data-sites)
    sites           the ids of the .lg-site elements
    summary         {category: {bytes, blocks}} from the summary table
    growth          per .lg-growth: verdict, pid, charts (svg.lg-chart in it)
    pause_charts    how many svg.lg-chart-pause the page holds
    more_rows       rows of the table of clusters drawn without pictures
    search          {query: clusters visible after typing it}
    marks           {name: ms since navigation start} of the performance marks
    errors          console errors, exceptions and error log entries (text)
    html_bytes      the size of the file
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]

PROBE = r"""
(async () => {
  const t0 = Date.now();
  while (!performance.getEntriesByName('lg-painted').length && Date.now() - t0 < 30000)
    await new Promise(r => setTimeout(r, 20));
  const num = el => el ? Number(el.textContent.replace(/[^0-9]/g, '')) : null;
  const clusters = [...document.querySelectorAll('article.lg-cluster')].map(a => {
    const svgs = a.querySelectorAll('svg.lg-graph'), g = svgs[0];
    const q = s => g ? g.querySelectorAll(s).length : 0;
    const d = a.dataset;
    return {id: +d.id, kind: d.kind, bytes: +d.bytes, blocks: +d.blocks, cyclic: d.cyclic === '1',
            entries: +d.entries, listed: +d.listed, pointers: +d.pointers, members: +d.members,
            sites: (d.sites || '').split(' ').filter(x => x).map(Number),
            shown_bytes: num(a.querySelector('h3 .lg-bytes')),
            shown_blocks: num(a.querySelector('h3 .lg-blocks')),
            svgs: svgs.length, nodes: q('g.node'), edges: q('g.edge'),
            entry_nodes: q('g.node.lg-entry'), cycle_nodes: q('g.node.lg-cycle'),
            cycle_edges: q('g.edge.lg-cycle'), note_nodes: q('g.node.lg-more'),
            folded: g ? g.dataset.folded === '1' : null};
  });
  const summary = {};
  document.querySelectorAll('#lg-categories tr[data-cat]').forEach(tr => {
    summary[tr.dataset.cat] = {bytes: +tr.dataset.bytes, blocks: +tr.dataset.blocks};
  });
  const growth = [...document.querySelectorAll('.lg-growth')].map(g => ({
    verdict: g.dataset.verdict, pid: +g.dataset.pid, charts: g.querySelectorAll('svg.lg-chart').length}));
  const marks = {};
  performance.getEntriesByType('mark').forEach(m => { marks[m.name] = m.startTime; });
  return {clusters, summary, growth, marks,
          sites: [...document.querySelectorAll('.lg-site')].map(s => s.id),
          pause_charts: document.querySelectorAll('svg.lg-chart-pause').length,
          more_rows: document.querySelectorAll('#lg-more-clusters tr').length - (document.getElementById('lg-more-clusters') ? 1 : 0),
          title: document.title};
})()
"""

SEARCH = r"""
(q => {
  const box = document.getElementById('lg-search');
  box.value = q;
  box.dispatchEvent(new Event('input'));
  return [...document.querySelectorAll('article.lg-cluster')].filter(a => !a.classList.contains('lg-hidden')).length;
})(%s)
"""


class WebSocket:
    """A minimal WebSocket client (RFC 6455) over a TCP socket: text frames
    out (masked, as a client must), text frames in (unmasked), pings
    answered."""

    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("the browser closed the WebSocket during the handshake")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("WebSocket handshake refused: %r" % head[:200])

    def send(self, text):
        data = text.encode()
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                               bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                               bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise OSError("the browser closed the WebSocket")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """Returns the next text message (continuations joined)."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x9:  # ping: answer, go on
                self.sock.sendall(bytes([0x8A, 0x80]) + os.urandom(4))
                continue
            if op == 0x8:
                raise OSError("the browser closed the WebSocket")
            if op in (0x1, 0x0):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8", "replace")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Page:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, ws, timeout):
        self.ws, self.timeout, self.next_id = ws, timeout, 0
        self.errors, self.loaded = [], False

    def _event(self, msg):
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console.%s: %s" % (p.get("type"), " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: %s %s" % (d.get("text", ""), (d.get("exception") or {}).get(
                "description", "")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            self.errors.append("log: %s" % p["entry"].get("text", ""))
        elif m == "Page.loadEventFired":
            self.loaded = True

    def call(self, method, **params):
        """Sends a command and returns its result, handling the events that
        arrive meanwhile."""
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise OSError("%s failed: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)
        raise OSError("%s: no answer in %gs" % (method, self.timeout))

    def wait_load(self):
        deadline = time.time() + self.timeout
        while not self.loaded and time.time() < deadline:
            self._event(json.loads(self.ws.recv()))
        if not self.loaded:
            raise OSError("the page did not load in %gs" % self.timeout)

    def evaluate(self, expr):
        res = self.call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in res:
            raise OSError("the probe failed: %s" % json.dumps(res["exceptionDetails"])[:500])
        return res.get("result", {}).get("value")


def _start(profile, timeout):
    """Starts Chromium; returns the process and its DevTools port."""
    log = open(os.path.join(profile, "chromium.log"), "wb")
    proc = subprocess.Popen([CHROMIUM, *FLAGS, "--user-data-dir=" + profile,
                             "--remote-debugging-port=0", "--window-size=1280,1000", "about:blank"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise OSError("chromium exited with status %d" % proc.returncode)
        try:
            with open(port_file) as f:
                port = int(f.readline().strip())
            return proc, port
        except (OSError, ValueError):
            time.sleep(0.05)
    raise OSError("chromium wrote no DevToolsActivePort in %gs" % timeout)


def _page_ws(port, timeout):
    """The WebSocket URL of the browser's first page target."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=timeout) as r:
            targets = json.load(r)
        for t in targets:
            if t.get("type") == "page" and t.get("webSocketDebuggerUrl"):
                return t["webSocketDebuggerUrl"]
        time.sleep(0.05)
    raise OSError("chromium shows no page target")


def open_page(path, screenshot=None, searches=(), timeout=60):
    """Loads the HTML file at `path` in a fresh headless Chromium and
    returns what the DOM holds (see the module's docstring)."""
    profile = tempfile.mkdtemp(prefix="lg-chromium.")
    proc, ws = None, None
    try:
        proc, port = _start(profile, timeout)
        ws = WebSocket(_page_ws(port, timeout), timeout)
        page = Page(ws, timeout)
        for domain in ("Runtime", "Log", "Page"):
            page.call(domain + ".enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000,
                  deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url="file://" + os.path.abspath(path))
        page.wait_load()
        out = page.evaluate(PROBE)
        out["search"] = {q: page.evaluate(SEARCH % json.dumps(q)) for q in searches}
        if searches:
            page.evaluate(SEARCH % json.dumps(""))
        if screenshot:
            shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
            with open(screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        out["errors"] = list(page.errors)
        out["html_bytes"] = os.path.getsize(path)
        try:
            page.call("Browser.close")
        except OSError:
            pass
        return out
    finally:
        if ws:
            ws.close()
        if proc:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
