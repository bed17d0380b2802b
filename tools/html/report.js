/* tools/html/report.js — the behaviour of leakgraph's HTML report
 * (tools/render_html.c embeds it at build time): the search box filters
 * the clusters (and the sites' stacks) to those whose functions, files or
 * modules contain the text, highlights the matching blocks in the
 * pictures, and says how many match; clicking a block in a picture opens
 * and shows its site. When the page is ready it sets the performance marks
 * "lg-ready" (script done) and "lg-painted" (two frames later), which the
 * browser test reads. No network, no library. */
(function () {
  "use strict";
  var clusters = Array.prototype.slice.call(document.querySelectorAll("article.lg-cluster"));
  var sites = Array.prototype.slice.call(document.querySelectorAll(".lg-site"));
  var input = document.getElementById("lg-search");
  var count = document.getElementById("lg-count");
  var haystack = new Map();

  /* The text a search looks through: an element's own text and, for a
   * cluster, the full stacks of its sites (data-sites). */
  function words(el) {
    var k = haystack.get(el);
    if (k === undefined) {
      k = el.textContent;
      (el.getAttribute("data-sites") || "").split(" ").forEach(function (id) {
        var s = id && el.classList.contains("lg-cluster") ? document.getElementById("site-" + id) : null;
        if (s) k += " " + s.textContent;
      });
      k = k.toLowerCase();
      haystack.set(el, k);
    }
    return k;
  }

  function mark(article, q) {
    var nodes = article.querySelectorAll("svg.lg-graph g.node");
    for (var i = 0; i < nodes.length; i++) {
      var t = nodes[i].textContent.toLowerCase();
      nodes[i].classList.toggle("lg-match", q !== "" && t.indexOf(q) >= 0);
    }
  }

  function filter() {
    var q = input.value.trim().toLowerCase(), shown = 0;
    clusters.forEach(function (a) {
      var hit = q === "" || words(a).indexOf(q) >= 0;
      a.classList.toggle("lg-hidden", !hit);
      if (hit) shown++;
      mark(a, q);
    });
    sites.forEach(function (s) {
      var hit = q === "" || words(s).indexOf(q) >= 0;
      s.classList.toggle("lg-hidden", !hit);
      if (hit && q !== "") s.open = true;
    });
    count.textContent = q === "" ? clusters.length + " clusters"
                                 : shown + " of " + clusters.length + " clusters";
    document.body.setAttribute("data-shown", String(shown));
  }

  function openSite(ev) {
    var g = ev.target.closest ? ev.target.closest("g.node") : null;
    if (!g) return;
    var m = /lg-site-(\d+)/.exec(g.getAttribute("class") || "");
    if (!m) return;
    var s = document.getElementById("site-" + m[1]);
    if (!s) return;
    s.open = true;
    s.scrollIntoView({block: "center"});
  }

  if (input) input.addEventListener("input", filter);
  document.addEventListener("click", openSite);
  count.textContent = clusters.length + " clusters"; /* texts read lazily */
  performance.mark("lg-ready");
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { performance.mark("lg-painted"); });
  });
})();
