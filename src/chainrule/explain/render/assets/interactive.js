/* chainrule's interactive solution: phase stepping, chain-rule paths and (matrix form) layers.
   Every fact it shows (phases of blocks, paths, factors, values) was computed in Python and sits in
   the page's JSON; this script only toggles classes. */
(function () {
  "use strict";
  function init(root, global) {
    if (root.dataset.crReady) return;
    root.dataset.crReady = "1";
    var data = JSON.parse(root.querySelector("script.cr-data").textContent);
    var phases = data.phases, params = data.params, layers = data.layers || {};
    var owner = {};  /* diagram id -> the layer it belongs to (matrix form) */
    Object.keys(layers).forEach(function (k) {
      layers[k].edges.concat(layers[k].units).forEach(function (id) { owner[id] = k; });
    });
    var current = 0, selected = null;
    var all = function (sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); };
    var byId = function (id) { return root.querySelector('[id="' + id + '"]'); };

    function setPhase(i) {
      current = Math.max(0, Math.min(phases.length - 1, i));
      var phase = phases[current];
      root.dataset.phase = phase;
      var focused = root.contains(document.activeElement) && document.activeElement.classList.contains("cr-phase");
      all(".cr-phase").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.phase === phase));
        if (focused && b.dataset.phase === phase) b.focus();
      });
      all(".cr-block").forEach(function (b) {
        b.hidden = !(phase === "overview" || b.dataset.phase === phase);
      });
      all(".cr-section").forEach(function (s) {
        s.hidden = !(phase === "overview" || s.dataset.phases.split(" ").indexOf(phase) >= 0);
      });
      root.querySelector(".cr-prev").disabled = current === 0;
      root.querySelector(".cr-next").disabled = current === phases.length - 1;
      var main = root.querySelector(".cr-main");
      var first = main.querySelector(".cr-section:not([hidden])");
      if (global && first && phase !== "overview") window.scrollTo({ top: 0 });
    }

    function clear() {
      all(".cr-on, .cr-sel, .cr-in, .cr-def, .cr-upd, .cr-focus").forEach(function (e) {
        e.classList.remove("cr-on", "cr-sel", "cr-in", "cr-def", "cr-upd", "cr-focus");
      });
      all(".cr-card").forEach(function (c) { c.hidden = true; });
      root.classList.remove("cr-has-sel");
      delete root.dataset.selected;
      delete root.dataset.selectedLayer;
      selected = null;
    }

    function mark(id, cls) {
      var e = byId(id);
      if (!e) return;
      e.classList.add(cls);
      var unit = e.closest(".unit");
      if (unit) unit.classList.add("cr-in");
    }

    function select(name, scroll) {
      var p = params[name];
      if (!p) return;
      clear();
      selected = name;
      root.dataset.selected = name;
      root.classList.add("cr-has-sel");
      p.path.edges.concat(p.path.units).forEach(function (id) { mark(id, "cr-on"); });
      mark("edge-" + name, "cr-sel");
      p.factors.forEach(function (f) {
        all('[data-factor="' + f.id + '"]').forEach(function (e) { e.classList.add("cr-on"); });
        all('.cr-block[data-defines="' + f.key + '"]').forEach(function (e) { e.classList.add("cr-def"); });
      });
      all('.cr-block[data-param="' + name + '"]').forEach(function (b) {
        b.classList.add(b.dataset.role === "update" ? "cr-upd" : "cr-on");
      });
      all('tr[data-param="' + name + '"]').forEach(function (r) { r.classList.add("cr-on"); });
      var card = root.querySelector('.cr-card[data-param="' + name + '"]');
      if (card) card.hidden = false;
      var phase = phases[current];
      if (phase === "forward" || phase === "loss") setPhase(phases.indexOf("backward"));
      var block = p.block && byId(p.block);
      if (scroll && block && !block.hidden) block.scrollIntoView({ block: "center" });
    }

    /* a layer (matrix form): its drawn units and edges, its equations (δ, ∂L/∂W, ∂L/∂b: cr-on; z, a:
       cr-def; the update rule: cr-upd), its table rows and its card */
    function selectLayer(key, scroll) {
      var L = layers[key];
      if (!L) return;
      clear();
      root.dataset.selectedLayer = key;
      root.classList.add("cr-has-sel");
      L.edges.concat(L.units).forEach(function (id) { mark(id, "cr-on"); });
      L.sources.forEach(function (id) { mark(id, "cr-in"); });
      var first = null;
      L.blocks.forEach(function (b) {
        var e = byId(b.id);
        if (!e) return;
        e.classList.add(b.role === "update" ? "cr-upd" : b.role === "forward" ? "cr-def" : "cr-on");
        if (!first && b.role === "delta") first = e;
      });
      all('tr[data-layer="' + key + '"]').forEach(function (r) { r.classList.add("cr-on"); });
      var card = root.querySelector('.cr-card[data-layer="' + key + '"]');
      if (card) card.hidden = false;
      var phase = phases[current];
      if (phase === "forward" || phase === "loss") setPhase(phases.indexOf("backward"));
      if (scroll && first && !first.hidden) first.scrollIntoView({ block: "center" });
    }

    function layerAt(target) {
      for (var e = target; e && e !== root; e = e.parentNode) {
        if (e.id && owner[e.id]) return owner[e.id];
      }
      return null;
    }

    function focusFactor(fid, on) {
      var p = selected && params[selected];
      if (!p) return;
      p.factors.forEach(function (f) {
        if (f.id !== fid) return;
        f.diagram.forEach(function (id) {
          var e = byId(id);
          if (e) e.classList.toggle("cr-focus", on);
        });
        all('[data-factor="' + fid + '"]').forEach(function (e) { e.classList.toggle("cr-focus", on); });
      });
    }

    root.querySelector(".cr-bar").addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      if (b.classList.contains("cr-prev")) setPhase(current - 1);
      else if (b.classList.contains("cr-next")) setPhase(current + 1);
      else if (b.dataset.phase) setPhase(phases.indexOf(b.dataset.phase));
    });
    root.querySelector(".cr-diagram").addEventListener("click", function (ev) {
      var g = ev.target.closest(".edge[data-param], .edge-label");
      var name = g && (g.dataset.param || g.id.replace(/^label-/, ""));
      if (g && params[name]) { select(name, true); return; }
      var layer = layerAt(ev.target);
      if (layer) selectLayer(layer, true);
      else if (!g) clear();
    });
    root.querySelector(".cr-main").addEventListener("click", function (ev) {
      var r = ev.target.closest("tr[data-param]");
      if (r) { select(r.dataset.param, false); return; }
      var l = ev.target.closest("tr[data-layer], .cr-block[data-layer]");
      if (l) selectLayer(l.dataset.layer, false);
    });
    root.addEventListener("mouseover", function (ev) {
      var f = ev.target.closest && ev.target.closest("mrow.cr-factor");
      if (f) focusFactor(f.dataset.factor, true);
    });
    root.addEventListener("mouseout", function (ev) {
      var f = ev.target.closest && ev.target.closest("mrow.cr-factor");
      if (f) focusFactor(f.dataset.factor, false);
    });
    (global ? document : root).addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var t = ev.target && ev.target.tagName;
      if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
      if (ev.key === "ArrowRight") { setPhase(current + 1); ev.preventDefault(); }
      else if (ev.key === "ArrowLeft") { setPhase(current - 1); ev.preventDefault(); }
      else if (ev.key === "Escape") clear();
      else if (ev.key === "Enter" && ev.target.matches && ev.target.matches("tr[data-param]")) select(ev.target.dataset.param, false);
      else if (ev.key === "Enter" && ev.target.matches && ev.target.matches("tr[data-layer], .cr-block[data-layer]")) selectLayer(ev.target.dataset.layer, false);
      else if (/^[0-9]$/.test(ev.key) && +ev.key < phases.length) setPhase(+ev.key);
    });
    root.crSelect = select;
    root.crSelectLayer = selectLayer;
    root.crPhase = setPhase;
    setPhase(0);
  }
  /* a page of its own takes the keys for the whole document; one embedded in a notebook output
     (class cr-embedded) only while it has the focus */
  Array.prototype.forEach.call(document.querySelectorAll(".cr-page"), function (root) {
    init(root, !root.classList.contains("cr-embedded"));
  });
})();
