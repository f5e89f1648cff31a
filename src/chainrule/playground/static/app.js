/* chainrule playground page: asks the server for every number and draws what it gets.
   Nothing here computes a value of the network: weights, gradients, losses, accuracies, the decision
   boundary and the derivations all come from the engine through the JSON API (server.py). */
(function () {
  "use strict";
  var $ = function (s) { return document.querySelector(s); };
  var html = document.documentElement;
  var lang = html.lang === "ko" ? "ko" : "en";
  var WORDS = {}, sid = null, playing = false, busy = false;
  var run = { losses: [], evals: [], norms: [] }, last = null, data = null, selected = null;
  window.playground = { state: function () { return last; }, run: run, busy: function () { return busy; } };

  function w(k) { return (WORDS[lang] || {})[k] || k; }
  function say(text) { var m = $("#msg"); m.textContent = text || ""; m.hidden = !text; }
  function api(method, path, body, raw) {
    var opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.body = raw ? body : JSON.stringify(body);
      opts.headers["Content-Type"] = raw ? "text/csv" : "application/json";
    }
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { var e = new Error(j.error || r.statusText); e.status = r.status; throw e; }
        return j;
      });
    });
  }
  function words() {
    document.querySelectorAll("[data-w]").forEach(function (e) { e.textContent = w(e.dataset.w); });
    $("#play").textContent = w(playing ? "pause" : "play");
    html.lang = lang; $("#lang").value = lang;
  }

  // ---------------------------------------------------------------- settings → server
  function settings() {
    var f = $("#settings"), v = function (n) { return f.elements[n].value; };
    var list = function (s) { return s.split(/[\s,]+/).filter(Boolean); };
    var num = function (s) { return s.trim() === "" ? null : Number(s); };
    var hidden = list(v("hidden")).map(Number), acts = list(v("activations"));
    while (acts.length < hidden.length) acts.push(acts[acts.length - 1] || "tanh");
    return { dataset: v("dataset"), n: num(v("n")), noise: num(v("noise")), classes: num(v("classes")),
             hidden: hidden, activations: acts.slice(0, hidden.length), loss: v("loss"), optimizer: v("optimizer"),
             lr: num(v("lr")), momentum: num(v("momentum")), beta1: num(v("beta1")), beta2: num(v("beta2")),
             weight_decay: num(v("weight_decay")), batch_size: num(v("batch_size")), seed: num(v("seed")),
             init: v("init") };
  }
  function build() {
    pause();
    return api("POST", "/api/" + sid + "/build", settings()).then(function (s) { fresh(s); say(""); })
      .catch(function (e) { say(e.message); });
  }
  function fresh(s) {
    run.losses = []; run.evals = []; run.norms = []; data = s.data; selected = null;
    $("#derivation").srcdoc = ""; $("#derivation-note").textContent = "";
    $("#source").textContent = data && !data.config ? w("from_file") + ": " + data.name + " (" + data.loss + ", " +
                                                       data.optimizer + ")" : "";
    show(s);
  }
  function act(path, body) {
    if (busy) return Promise.resolve();
    busy = true;
    var since = run.losses.length;
    return api("POST", "/api/" + sid + "/" + path + "?since=" + since, body).then(function (s) {
      if (path === "rewind") fresh(s); else show(s);
      if (selected) explain(selected, true);
    }).catch(function (e) { pause(); say(e.message); }).then(function () { busy = false; });
  }
  function frame() {
    if (!playing) return;
    act("step", { n: +$("#speed").value }).then(function () {
      if (last && last.diverged) { pause(); say(w("diverged") + ": " + last.diverged); return; }
      if (playing) requestAnimationFrame(frame);
    });
  }
  function play() { playing = true; $("#play").textContent = w("pause"); frame(); }
  function pause() { playing = false; $("#play").textContent = w("play"); }

  // ---------------------------------------------------------------- what the server says
  function show(s) {
    last = s;
    Array.prototype.push.apply(run.losses, s.losses);
    Array.prototype.push.apply(run.norms, s.grad_norms);
    s.evals.forEach(function (e) {
      if (!run.evals.length || run.evals[run.evals.length - 1][0] !== e[0]) run.evals.push(e);
    });
    $("#t").textContent = s.step; $("#loss-now").textContent = s.loss_fmt; $("#acc").textContent = s.accuracy_fmt || "–";
    if (s.diverged) say(w("diverged") + ": " + s.diverged);
    diagram(s.network); curves(); boundary(s.boundary); vanishing();
  }

  var SVGNS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e); return e;
  }
  function diagram(net) {
    var svg = $("#diagram");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!net.sizes.length) {
      var y = 20;
      net.params.forEach(function (p) { var t = el("text", { x: 10, y: y }, svg); t.textContent = p.name + " " + p.shape.join("×"); y += 16; });
      return;
    }
    var W = svg.clientWidth || 900, H = 360, sizes = net.sizes, cols = sizes.length + 1, pos = [];
    var maxShow = 16;
    sizes.forEach(function (n, c) {
      var shown = Math.min(n, maxShow), x = 40 + c * (W - 80) / (cols - 1), col = [];
      for (var j = 0; j < shown; j++) col.push([x, H / 2 + (j - (shown - 1) / 2) * Math.min(40, (H - 40) / shown)]);
      pos.push(col);
    });
    var maxW = 1e-12, maxG = 1e-12;
    net.layers.forEach(function (L) {
      L.w.forEach(function (r) { r.forEach(function (v) { maxW = Math.max(maxW, Math.abs(v)); }); });
      if (L.g) L.g.forEach(function (r) { r.forEach(function (v) { maxG = Math.max(maxG, Math.abs(v)); }); });
    });
    var edges = el("g", {}, svg), units = el("g", {}, svg);
    net.layers.forEach(function (L, l) {
      for (var j = 0; j < pos[l + 1].length; j++) for (var i = 0; i < pos[l].length; i++) {
        var a = pos[l][i], b = pos[l + 1][j], id = "w-" + l + "-" + j + "-" + i, v = L.w[j][i];
        var g = el("g", { "class": "edge", "data-id": id }, edges);
        if (L.g) el("line", { "class": "halo", x1: a[0], y1: a[1], x2: b[0], y2: b[1],
                               "stroke-width": 1 + 10 * Math.abs(L.g[j][i]) / maxG }, g);
        el("line", { id: id, x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: v >= 0 ? "#1c7ed6" : "#e8590c",
                     "stroke-opacity": 0.85, "stroke-width": 0.5 + 5 * Math.abs(v) / maxW }, g);
      }
    });
    var loss = [W - 40, H / 2];
    pos[pos.length - 1].forEach(function (p) { el("line", { x1: p[0], y1: p[1], x2: loss[0], y2: loss[1], stroke: "#aab" }, edges); });
    pos.forEach(function (col, c) {
      col.forEach(function (p, j) {
        el("circle", { "class": "unit", id: "u-" + c + "-" + j, "data-id": "u-" + c + "-" + j, cx: p[0], cy: p[1], r: 9 }, units);
        if (c > 0 && net.layers[c - 1].b) el("rect", { "class": "bias", id: "b-" + (c - 1) + "-" + j, "data-id": "b-" + (c - 1) + "-" + j,
                                                         x: p[0] + 8, y: p[1] - 14, width: 7, height: 7 }, units);
      });
      if (sizes[c] > col.length) { var t = el("text", { x: col[0][0] - 4, y: H - 4 }, units); t.textContent = "⋮ " + sizes[c]; }
    });
    el("rect", { "class": "unit", id: "loss", "data-id": "loss", x: loss[0] - 12, y: loss[1] - 12, width: 24, height: 24 }, units);
    var lt = el("text", { x: loss[0] - 10, y: loss[1] + 28 }, units); lt.textContent = "L " + last.loss_fmt;
    if (selected && last.path) mark(last.path);
  }
  function info(id) {
    var net = last.network, p = id.split("-").map(Number), name = net.names[id] || id, t;
    if (id.charAt(0) === "w") {
      var L = net.layers[p[1]];
      t = name + " = " + L.w_fmt[p[2]][p[3]] + "   (" + w("layer") + " " + (p[1] + 1) + ": " + w("unit") + " " + (p[2] + 1) +
          " ← " + (p[1] ? w("unit") : w("input")) + " " + (p[3] + 1) + ")";
      if (L.g_fmt) t += "\n∂L/∂" + name + " = " + L.g_fmt[p[2]][p[3]] + "   (" + w("at_step") + " " + last.step + ")";
      t += "\n" + rule(name);
    } else if (id.charAt(0) === "b") {
      var B = net.layers[p[1]];
      t = name + " = " + B.b_fmt[p[2]] + (B.bg_fmt ? "\n∂L/∂" + name + " = " + B.bg_fmt[p[2]] : "") + "\n" + rule(name);
    } else if (id === "loss") {
      t = (data ? data.loss : "L") + " = " + last.loss_fmt + (last.batch_loss_fmt ? "\n(" + w("at_step") + " " + last.step + ": " + last.batch_loss_fmt + ")" : "");
    } else {
      var c = p[1];
      t = c === 0 ? w("input") + " x" + (p[2] + 1) : w("layer") + " " + c + ", " + w("unit") + " " + (p[2] + 1) +
          ": z = Σᵢ W·a + b, a = " + net.layers[c - 1].activation + "(z)";
    }
    return t;
  }
  function rule(name) {
    var o = data && data.optimizer;
    if (o === "SGD") return "SGD: " + name + " ← " + name + " − α·∂L/∂" + name;
    return (o || "") + ": " + name + " ← " + (o || "optimizer") + "(" + name + ", ∂L/∂" + name + ")";
  }
  function mark(ids) {
    document.querySelectorAll("#diagram .on, #diagram .sel").forEach(function (e) { e.classList.remove("on", "sel"); });
    ids.forEach(function (i) { var e = document.getElementById(i); if (e) e.classList.add("on"); });
    var s = selected && document.getElementById(selected); if (s) s.classList.add("sel");
  }

  function explain(id, quiet) {
    selected = id;
    return api("GET", "/api/" + sid + "/explain?param=" + encodeURIComponent(id) + "&lang=" + lang).then(function (r) {
      last.path = r.path; mark(r.path);
      $("#derivation-note").textContent = r.preview ? w("preview") : w("shown").replace("{step}", r.step);
      var f = $("#derivation");
      f.onload = function () {
        var page = f.contentDocument && f.contentDocument.querySelector(".cr-page");
        if (page && page.crSelect && r.name) page.crSelect(r.name, true);
        f.dataset.step = r.step; f.dataset.param = r.name; f.dataset.ready = "1";
      };
      f.dataset.ready = "0";
      f.srcdoc = r.html;
    }).catch(function (e) { if (!quiet) say(e.message); });
  }

  // ---------------------------------------------------------------- plots
  function axes(ctx, W, H) { ctx.clearRect(0, 0, W, H); ctx.strokeStyle = "#ccd"; ctx.strokeRect(30, 10, W - 40, H - 30); }
  function polyline(ctx, pts, W, H, lo, hi, n, color) {
    if (!pts.length) return;
    ctx.strokeStyle = color; ctx.beginPath();
    pts.forEach(function (p, k) {
      var x = 30 + (W - 40) * (n > 1 ? p[0] / n : 0), y = 10 + (H - 30) * (1 - (p[1] - lo) / ((hi - lo) || 1));
      if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
  function curves() {
    var c = $("#curves"), ctx = c.getContext("2d"), W = c.width, H = c.height;
    axes(ctx, W, H);
    var n = Math.max(1, run.losses.length), hi = 0;
    run.losses.forEach(function (v) { if (isFinite(v)) hi = Math.max(hi, v); });
    polyline(ctx, run.losses.map(function (v, k) { return [k + 1, isFinite(v) ? v : hi]; }), W, H, 0, hi, n, "#1c7ed6");
    polyline(ctx, run.evals.filter(function (e) { return e[2] !== null; }).map(function (e) { return [e[0], e[2]]; }), W, H, 0, 1, n, "#2f9e44");
    ctx.clearRect(30, 0, W, 10); ctx.font = "10px sans-serif";
    ctx.fillStyle = "#1c7ed6"; ctx.fillText("— " + w("loss") + " " + (last ? last.loss_fmt : ""), 34, 8);
    ctx.fillStyle = "#2f9e44"; ctx.fillText("— " + w("accuracy") + " " + (last && last.accuracy_fmt || ""), 200, 8);
  }
  var COLORS = ["#e8590c", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f59f00", "#0c8599"];
  function boundary(b) {
    var c = $("#boundary"), ctx = c.getContext("2d"), W = c.width, H = c.height;
    ctx.clearRect(0, 0, W, H);
    if (!b) return;
    var cw = W / b.n, ch = H / b.n;
    for (var r = 0; r < b.n; r++) for (var k = 0; k < b.n; k++) {
      var i = r * b.n + k;
      ctx.globalAlpha = 0.15 + 0.45 * Math.abs(b.value[i] - 0.5) * 2 * (b.cls.length ? 1 : 0);
      ctx.fillStyle = COLORS[b.cls[i] % COLORS.length];
      ctx.fillRect(k * cw, H - (r + 1) * ch, cw + 1, ch + 1);
    }
    ctx.globalAlpha = 1;
    if (data && data.points) data.points.forEach(function (p, i) {
      var x = (p[0] - b.x[0]) / (b.x[1] - b.x[0]) * W, y = H - (p[1] - b.y[0]) / (b.y[1] - b.y[0]) * H;
      ctx.fillStyle = COLORS[(data.labels ? data.labels[i] : 0) % COLORS.length];
      ctx.beginPath(); ctx.arc(x, y, 2.5, 0, 7); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.stroke();
    });
  }
  function vanishing() {
    var c = $("#vanishing"), ctx = c.getContext("2d"), W = c.width, H = c.height;
    axes(ctx, W, H);
    if (!run.norms.length) return;
    var lo = Infinity, hi = -Infinity, L = run.norms[0].length;
    run.norms.forEach(function (r) { r.forEach(function (v) { if (v > 0 && isFinite(v)) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); } }); });
    if (!isFinite(lo)) return;
    var leg = [];
    for (var l = 0; l < L; l++) {
      polyline(ctx, run.norms.map(function (r, k) { return [k + 1, r[l] > 0 ? Math.log10(r[l]) : lo]; }), W, H, lo, hi + 1e-9, run.norms.length, COLORS[l % COLORS.length]);
      leg.push('<span style="color:' + COLORS[l % COLORS.length] + '">■ W⁽' + (l + 1) + "⁾</span>");
    }
    $("#vanishing-legend").innerHTML = leg.join(" ") + " (log₁₀)";
  }

  // ---------------------------------------------------------------- wiring
  $("#settings").addEventListener("submit", function (ev) { ev.preventDefault(); build(); });
  $("#play").addEventListener("click", function () { if (playing) pause(); else play(); });
  $("#step").addEventListener("click", function () { pause(); act("step", { n: 1 }); });
  $("#epoch").addEventListener("click", function () { pause(); act("epoch", {}); });
  $("#rewind").addEventListener("click", function () { pause(); act("rewind", {}); });
  $("#speed").addEventListener("input", function () { $("#speed-out").textContent = $("#speed").value; });
  $("#lang").addEventListener("change", function () { lang = $("#lang").value; words(); if (selected) explain(selected); });
  $("#csv").addEventListener("change", function () {
    var file = $("#csv").files[0]; if (!file) return;
    file.text().then(function (text) {
      return api("POST", "/api/" + sid + "/upload?name=" + encodeURIComponent(file.name), text, true);
    }).then(function () { $("#settings").elements.dataset.value = "csv"; say(""); }).catch(function (e) { say(e.message); });
  });
  var tip = $("#tip"), formulas = {}, hoverTimer = null;
  function hoverFormula(id) {
    // the equations explain writes for it, with their numbers (fetched once per step, while paused)
    var key = last.step + " " + id + " " + lang;
    if (formulas[key] !== undefined) { show_formula(id, formulas[key]); return; }
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(function () {
      if (playing || busy) return;
      api("GET", "/api/" + sid + "/formula?param=" + encodeURIComponent(id) + "&lang=" + lang).then(function (r) {
        formulas[key] = r.text; show_formula(id, r.text);
      }).catch(function () {});
    }, 120);
  }
  function show_formula(id, text) {
    if (tip.hidden || tip.dataset.id !== id || !text) return;
    tip.textContent = info(id) + "\n\n" + text;
  }
  $("#diagram").addEventListener("mousemove", function (ev) {
    var g = ev.target.closest("[data-id]");
    if (!g || !last) { tip.hidden = true; return; }
    if (tip.dataset.id !== g.dataset.id || tip.hidden) {
      tip.dataset.id = g.dataset.id; tip.textContent = info(g.dataset.id); tip.hidden = false;
      if (!playing) hoverFormula(g.dataset.id);
    }
    var box = $("#diagram-box").getBoundingClientRect();
    tip.style.left = (ev.clientX - box.left + 14) + "px"; tip.style.top = (ev.clientY - box.top + 10) + "px";
  });
  $("#diagram").addEventListener("mouseleave", function () { tip.hidden = true; });
  $("#diagram").addEventListener("click", function (ev) {
    var g = ev.target.closest("[data-id]");
    if (g) { pause(); explain(g.dataset.id); }
  });
  document.querySelectorAll(".export").forEach(function (a) {
    a.addEventListener("click", function () {
      var q = a.dataset.what === "explanation" ? "?format=" + $("#expl-format").value + "&lang=" + lang : "?lang=" + lang;
      a.href = "/api/" + sid + "/export/" + a.dataset.what + q;
    });
  });

  api("GET", "/api/words").then(function (j) {
    WORDS = j; words();
    return api("POST", "/api/session");
  }).then(function (s) {
    sid = s.id;
    if (s.step !== undefined) fresh(s); else return build();
  }).then(function () { document.body.dataset.ready = "1"; }).catch(function (e) { say(e.message); });
})();
