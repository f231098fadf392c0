#include "cp/dashboard.h"

namespace sipedge::cp {
namespace {

// The page. Kept free of external references on purpose: a NOC screen often
// has no route to the internet, and the edge must not make it fetch anything.
constexpr std::string_view kDashboard = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sipedge dashboard</title>
<style>
  :root { color-scheme: dark; --bg:#0f1419; --panel:#171e26; --line:#2a3440; --text:#e6edf3; --dim:#8b98a5;
          --cps:#3fb950; --breach:#f85149; --warn:#d29922; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, sans-serif; }
  header { display:flex; align-items:baseline; gap:16px; padding:10px 18px; border-bottom:1px solid var(--line); }
  header h1 { margin:0; font-size:20px; letter-spacing:.5px; }
  header .meta { color:var(--dim); }
  #status { margin-left:auto; font-weight:600; padding:2px 10px; border-radius:10px; }
  #status.ok { background:#1b3a24; color:var(--cps); }
  #status.bad { background:#4a1c1c; color:var(--breach); }
  .value.ok { color:var(--cps); }
  .value.bad { color:var(--breach); }
  main { padding:14px 18px; display:grid; gap:14px; grid-template-columns:repeat(12, 1fr); }
  .panel { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
  .tiles { grid-column:1 / -1; display:grid; grid-template-columns:repeat(6, 1fr); gap:14px; }
  .tile .label { color:var(--dim); font-size:12px; text-transform:uppercase; letter-spacing:.6px; }
  .tile .value { font-size:34px; font-weight:700; font-variant-numeric:tabular-nums; }
  .graph { grid-column:span 6; }
  .graph h2, .panel h2 { margin:0 0 6px; font-size:14px; color:var(--dim); font-weight:600;
                         text-transform:uppercase; letter-spacing:.6px; }
  canvas { width:100%; height:220px; display:block; }
  .wide { grid-column:span 6; }
  table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
  th, td { text-align:left; padding:3px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--dim); font-weight:600; font-size:12px; }
  td.num, th.num { text-align:right; }
  .up { color:var(--cps); font-weight:600; } .down { color:var(--breach); font-weight:600; }
  .dim { color:var(--dim); }
  h2 .dim { text-transform:none; letter-spacing:0; font-weight:400; }
  .scroll { max-height:300px; overflow:auto; }
  .breach { color:var(--breach); } .cps { color:var(--cps); }
  @media (max-width: 1000px) { .graph, .wide { grid-column:1 / -1; } .tiles { grid-template-columns:repeat(3, 1fr); } }
</style>
</head>
<body data-updates="0" data-error="">
<header>
  <h1>sipedge</h1><span class="meta" id="node">&nbsp;</span><span class="meta" id="clock"></span>
  <span id="status" class="bad">connecting</span>
</header>
<main>
  <section class="tiles">
    <div class="panel tile"><div class="label">Calls / s</div><div class="value cps" id="t-cps">-</div></div>
    <div class="panel tile"><div class="label">CPS breaches / s</div><div class="value breach" id="t-breaches">-</div></div>
    <div class="panel tile"><div class="label">Registrations</div><div class="value" id="t-regs">-</div></div>
    <div class="panel tile"><div class="label">Keepalive RTT (avg)</div><div class="value" id="t-rtt">-</div></div>
    <div class="panel tile"><div class="label">Keepalive failures</div><div class="value" id="t-kfail">-</div></div>
    <div class="panel tile"><div class="label">Punt queue</div><div class="value" id="t-queue">-</div></div>
    <div class="panel tile"><div class="label">Anycast VIP</div><div class="value" id="t-announce">-</div><div class="label" id="t-announce-reason"></div></div>
  </section>
  <section class="panel graph"><h2>Calls per second, last 15 minutes <span class="dim" id="cps-range"></span></h2>
    <canvas id="cps-graph" data-points="0" data-last="" width="900" height="220"></canvas></section>
  <section class="panel graph"><h2>CPS breaches per second, last 15 minutes <span class="dim" id="breach-range"></span></h2>
    <canvas id="breach-graph" data-points="0" data-last="" width="900" height="220"></canvas></section>
  <section class="panel wide"><h2>Destinations</h2>
    <table id="destinations"><thead><tr><th>Set</th><th>#</th><th>Destination</th><th>State</th>
      <th class="num">Requests</th><th class="num">Req/s</th></tr></thead><tbody></tbody></table></section>
  <section class="panel wide"><h2>Keepalive latency (OPTIONS round trip)</h2>
    <canvas id="rtt-graph" data-points="0" width="900" height="160" style="height:160px"></canvas>
    <div class="dim" id="rtt-summary"></div></section>
  <section class="panel wide"><h2>Registrations <span class="dim" id="regs-count"></span></h2>
    <div class="scroll"><table id="registrations"><thead><tr><th>AOR</th><th>Contact</th><th>Received</th>
      <th class="num">Expires</th><th>NAT</th><th class="num">RTT</th></tr></thead><tbody></tbody></table></div></section>
  <section class="panel wide"><h2>Dataplane drops</h2>
    <table id="drops"><thead><tr><th>Reason</th><th class="num">Packets</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let lastDest = null, lastDestTime = 0, setsAvailable = true;

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
}
function fmt(n) { return n === null || n === undefined ? "-" : Number(n).toLocaleString("en-US"); }

// A per-second series (null = no data that second) as a filled line graph.
function drawSeries(canvas, values, color, endSecond) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const left = 48, right = 24, top = 8, bottom = 20;
  const pw = w - left - right, ph = h - top - bottom;
  let max = 0, points = 0, last = null;
  for (const v of values) if (v !== null) { max = Math.max(max, v); points++; last = v; }
  const scale = niceMax(max);
  g.strokeStyle = "#2a3440"; g.fillStyle = "#8b98a5"; g.font = "11px system-ui, sans-serif"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = top + ph - ph * i / 4;
    g.beginPath(); g.moveTo(left, y); g.lineTo(left + pw, y); g.stroke();
    g.textAlign = "right"; const tick = scale * i / 4;
    g.fillText(Number.isInteger(tick) ? String(tick) : tick.toFixed(1), left - 6, y + 4);
  }
  for (let m = 15; m >= 0; m -= 5) {
    g.textAlign = m === 0 ? "right" : "center";
    const x = left + pw * (1 - m / 15);
    g.fillText(m === 0 ? "now" : "-" + m + " min", m === 0 ? x + right - 2 : x, h - 5);
  }
  const n = values.length, step = pw / Math.max(1, n - 1);
  g.strokeStyle = color; g.lineWidth = 1.5;
  g.fillStyle = color + "33";
  let run = [];
  const flush = () => {
    if (!run.length) return;
    g.beginPath();
    run.forEach(([x, y], i) => i ? g.lineTo(x, y) : g.moveTo(x, y));
    g.stroke();
    g.lineTo(run[run.length - 1][0], top + ph); g.lineTo(run[0][0], top + ph); g.closePath(); g.fill();
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null) { flush(); return; }
    run.push([left + i * step, top + ph - (scale ? v / scale : 0) * ph]);
  });
  flush();
  canvas.dataset.points = String(points);
  canvas.dataset.last = last === null ? "" : String(last);
  canvas.dataset.max = String(max);
  return points;
}
function niceMax(v) {
  if (v <= 4) return 4;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function drawRtt(ka) {
  const canvas = $("rtt-graph");
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const counts = ka.rtt_counts, bounds = ka.rtt_buckets_ms;
  const labels = bounds.map((b) => "≤" + b + " ms").concat(["> " + bounds[bounds.length - 1] + " ms"]);
  const max = Math.max(1, ...counts), bw = (w - 20) / counts.length;
  g.font = "11px system-ui, sans-serif"; g.textAlign = "center";
  counts.forEach((c, i) => {
    const bh = (h - 40) * c / max, x = 10 + i * bw;
    g.fillStyle = i >= counts.length - 2 ? "#d29922" : "#58a6ff";
    g.fillRect(x + 4, h - 20 - bh, bw - 8, bh);
    g.fillStyle = "#8b98a5"; g.fillText(labels[i], x + bw / 2, h - 6);
    g.fillStyle = "#e6edf3"; if (c) g.fillText(String(c), x + bw / 2, h - 24 - bh);
  });
  canvas.dataset.points = String(counts.reduce((a, b) => a + b, 0));
}

function renderDestinations(stats, sets) {
  const now = stats.time, rows = [];
  const rate = {};
  if (lastDest && now > lastDestTime)
    for (const d of stats.destinations) {
      const k = d.set + "/" + d.index, prev = lastDest[k];
      if (prev !== undefined && d.requests !== null) rate[k] = (d.requests - prev) / (now - lastDestTime);
    }
  lastDest = {}; lastDestTime = now;
  for (const d of stats.destinations) lastDest[d.set + "/" + d.index] = d.requests;
  for (const d of stats.destinations) {
    const st = setState(sets, d);
    const k = d.set + "/" + d.index;
    rows.push("<tr><td>" + esc(d.set) + "</td><td>" + d.index + "</td><td>" + esc(d.uri) + "</td><td>" +
      (st === null ? '<span class="dim">-</span>' : st ? '<span class="up">UP</span>' : '<span class="down">' +
        esc(stateText(sets, d)) + "</span>") +
      '</td><td class="num">' + fmt(d.requests) + '</td><td class="num">' +
      (rate[k] === undefined ? "-" : rate[k].toFixed(1)) + "</td></tr>");
  }
  $("destinations").tBodies[0].innerHTML = rows.join("") || '<tr><td colspan="6" class="dim">no dispatcher sets</td></tr>';
}
// Up/down from GET /api/sets when this build has it: a flat array, one object
// per destination ({set, index, uri, state: "up"|"down"|"disabled", ...}).
// true = up, false = down/disabled, null = unknown.
function setState(sets, d) {
  if (!Array.isArray(sets)) return null;
  const dest = sets.find((x) => x.set === d.set && x.index === d.index);
  if (!dest) return null;
  if (typeof dest.state === "string") return dest.state.toLowerCase() === "up";
  if (typeof dest.up === "boolean") return dest.up;
  return null;
}

function stateText(sets, d) {
  const dest = sets.find((x) => x.set === d.set && x.index === d.index);
  const t = dest && typeof dest.state === "string" ? dest.state.toUpperCase() : "DOWN";
  return dest && dest.admin === "down" ? t + " (operator)" : t;
}

function renderRegistrations(regs) {
  $("regs-count").textContent = "(" + regs.length + ")";
  const rows = regs.slice(0, 200).map((r) => "<tr><td>" + esc(r.aor) + "</td><td>" + esc(r.contact) + "</td><td>" +
    esc(r.received) + '</td><td class="num">' + r.expires + " s</td><td>" + (r.nat ? "yes" : "no") +
    '</td><td class="num">' + (r.rtt_us ? (r.rtt_us / 1000).toFixed(1) + " ms" : "-") + "</td></tr>");
  if (regs.length > 200) rows.push('<tr><td colspan="6" class="dim">… ' + (regs.length - 200) + " more</td></tr>");
  $("registrations").tBodies[0].innerHTML = rows.join("") || '<tr><td colspan="6" class="dim">no registrations</td></tr>';
}

async function getJson(path) {
  const r = await fetch(path, {cache: "no-store"});
  if (!r.ok) { const e = new Error(path + ": HTTP " + r.status); e.status = r.status; throw e; }
  return r.json();
}

async function update() {
  try {
    const [stats, regs] = await Promise.all([getJson("/api/stats"), getJson("/api/registrations")]);
    let sets = null;
    if (setsAvailable) {
      try { sets = await getJson("/api/sets"); } catch (e) { if (e.status === 404) setsAvailable = false; }
    }
    $("node").textContent = stats.node ? "node " + stats.node : "";
    $("clock").textContent = new Date(stats.time * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
    const st = $("status");
    st.textContent = stats.dataplane.connected ? "dataplane connected (gen " + stats.dataplane.generation + ")" : "DATAPLANE DOWN";
    st.className = stats.dataplane.connected ? "ok" : "bad";
    $("t-cps").textContent = fmt(stats.cps);
    $("t-breaches").textContent = fmt(stats.cps_breaches);
    $("t-regs").textContent = fmt(stats.registrations.bindings);
    const ka = stats.keepalive;
    $("t-rtt").textContent = ka.answered ? (ka.rtt_sum_us / ka.answered / 1000).toFixed(1) + " ms" : "-";
    $("t-kfail").textContent = fmt(ka.failed);
    $("t-queue").textContent = fmt(stats.punt_queue);
    const an = stats.announce;
    if (an) {
      $("t-announce").textContent = !an.enabled ? "off" : an.announced ? "announced" : "WITHDRAWN";
      $("t-announce").className = "value " + (an.announced || !an.enabled ? "ok" : "bad");
      $("t-announce-reason").textContent = an.reason + (an.drain ? " · drain " + an.drain.left_s + " s left, " +
          an.drain.arriving_pps + " pkt/s" : "") + (an.hold_down_left_ms > 0 ? " · hold-down " +
          (an.hold_down_left_ms / 1000).toFixed(1) + " s" : "");
    }
    const h = stats.history;
    const np = drawSeries($("cps-graph"), h.cps, "#3fb950", h.end);
    drawSeries($("breach-graph"), h.cps_breaches, "#f85149", h.end);
    $("cps-range").textContent = "· " + np + " s of data · peak " + $("cps-graph").dataset.max;
    $("breach-range").textContent = "· peak " + $("breach-graph").dataset.max;
    drawRtt(ka);
    $("rtt-summary").textContent = fmt(ka.bindings) + " bindings kept alive · " + fmt(ka.sent) + " sent · " +
      fmt(ka.answered) + " answered · " + fmt(ka.failed) + " unanswered · " + fmt(ka.removed) + " removed";
    renderDestinations(stats, sets);
    renderRegistrations(regs);
    const drops = Object.entries(stats.drops).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    $("drops").tBodies[0].innerHTML = drops.map(([k, v]) => "<tr><td>" + esc(k) + '</td><td class="num">' + fmt(v) +
      "</td></tr>").join("") || '<tr><td colspan="2" class="dim">none</td></tr>';
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
    document.body.dataset.error = "";
  } catch (e) {
    document.body.dataset.error = String(e.message || e);
    const st = $("status"); st.textContent = "sipedge-cp unreachable"; st.className = "bad";
  }
}
update();
setInterval(update, 1000);
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view dashboard_html() noexcept { return kDashboard; }

}  // namespace sipedge::cp
