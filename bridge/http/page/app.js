// The live page: polls api/live every 2 s and redraws when a push arrived; the ledger's charts
// are read again every minute. Every URL is relative, so the page works under a path prefix
// (Home Assistant's ingress) as well as at the root.
'use strict';

const POLL_MS = 2000;
const LEDGER_MS = 60000;
const $ = (id) => document.getElementById(id);

let meter = null;          // the slug shown
let lastSequence = -1;     // of the last push drawn
let live = null;           // the last api/live answer
let charts = {};
let lastLedger = 0;

function fmt(value, digits) {
  return value == null || Number.isNaN(value) ? '–'
    : Number(value).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function watts(w) {
  if (w == null) return '–';
  return Math.abs(w) >= 10000 ? fmt(w / 1000, 2) + ' kW' : fmt(w, 0) + ' W';
}

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': ' + r.status + ' ' + (await r.text()).slice(0, 200));
  return r.json();
}

function showProblem(text) {
  const p = $('problem');
  p.hidden = !text;
  p.textContent = text || '';
}

function net(state) {
  if (state.power_net != null) return state.power_net;
  if (state.power_import != null) return state.power_import - (state.power_export || 0);
  return null;
}

function drawNow(state) {
  const p = net(state);
  const el = $('power');
  el.textContent = watts(p);
  el.dataset.watts = p == null ? '' : String(p);
  const parts = [];
  if (state.power_import != null) parts.push('import ' + watts(state.power_import));
  if (state.power_export != null) parts.push('export ' + watts(state.power_export));
  $('power-detail').textContent = parts.join(', ');

  const rows = [];
  for (const l of ['l1', 'l2', 'l3']) {
    const pi = state['power_import_' + l], pe = state['power_export_' + l];
    const v = state['voltage_' + l], a = state['current_' + l];
    if (pi == null && v == null && a == null) continue;
    const pw = pi == null ? null : pi - (pe || 0);
    rows.push('<tr><td>' + l.toUpperCase() + '</td><td>' + watts(pw) + '</td><td>' +
      (v == null ? '–' : fmt(v, 1) + ' V') + '</td><td>' + (a == null ? '–' : fmt(a, 2) + ' A') + '</td></tr>');
  }
  $('phases').hidden = rows.length === 0;
  $('phases').tBodies[0].innerHTML = rows.join('');

  const kwh = (v) => (v == null ? '–' : fmt(v, 3) + ' kWh');
  $('reading').textContent = kwh(state.energy_import);
  $('import-today').textContent = kwh(state.energy_import_today);
  $('export-today').textContent = kwh(state.energy_export_today);
  $('import-month').textContent = kwh(state.energy_import_this_month);
}

function drawStatus(status, received, now) {
  const link = $('link');
  link.textContent = status.serial_link;
  link.className = 'pill ' + (status.serial_link === 'connected' || status.serial_link === 'replay' ? 'ok'
    : status.serial_link === 'connecting' ? '' : 'bad');
  $('status-link').textContent = status.serial_link;
  const age = received ? Math.max(0, (Date.parse(now) - Date.parse(received)) / 1000) : null;
  const ageText = age == null ? 'no push yet' : fmt(age, 0) + ' s ago';
  $('age').textContent = ageText;
  $('status-age').textContent = age == null ? '–' : fmt(age, 0) + ' s';
  $('status-pushes').textContent = fmt(status.pushes, 0);
  $('status-missed').textContent = fmt(status.missed_pushes, 0);
  $('status-resets').textContent = fmt(status.counter_resets, 0);
  const errors = Object.entries(status.errors).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n);
  $('status-errors').textContent = errors.length ? errors.join(', ') : 'none';
  $('status-last-error').textContent = status.last_error === 'none' ? 'none'
    : status.last_error + ': ' + status.last_error_message + (status.last_error_at ? ' (' + new Date(status.last_error_at).toLocaleString() + ')' : '');
  $('status-ledger').textContent = status.ledger + (status.ledger_message ? ': ' + status.ledger_message : '');
  $('status-version').textContent = status.version;
}

function chart(id, type, color) {
  if (charts[id]) return charts[id];
  charts[id] = new Chart($(id), {
    type,
    data: { labels: [], datasets: [{ data: [], backgroundColor: color, borderColor: color, pointRadius: 0, borderWidth: 2 }] },
    options: {
      animation: false, maintainAspectRatio: false, responsive: true,
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { maxRotation: 0, autoSkip: true } }, y: { beginAtZero: true } },
    },
  });
  return charts[id];
}

function setData(c, labels, values) {
  c.data.labels = labels;
  c.data.datasets[0].data = values;
  c.update();
}

// "2026-12-06T13:00:00+01:00" -> "13:00" or "6" (the wall time as the ledger wrote it).
const hourOf = (iso) => iso.slice(11, 16);
const dayOf = (iso) => String(Number(iso.slice(8, 10)));

async function drawLedger() {
  // Without the ledger (ledger.enabled: false) there is nothing to draw: no empty charts.
  for (const id of ['today', 'month', 'day']) $(id).closest('section').hidden = !live.ledger;
  if (!live.ledger || !meter) return;
  lastLedger = Date.now();
  const [today, month, day] = await Promise.all([
    getJson('api/ledger?every=hour&from=today&to=today'),
    getJson('api/ledger?every=day&from=month&to=today'),
    getJson('api/ledger?every=15min&from=yesterday&to=today'),
  ]);
  const serial = live.meters[meter].serial;
  const ofMeter = (rows) => rows.filter((r) => r.meter === serial);
  const t = ofMeter(today), m = ofMeter(month);
  setData(chart('today', 'bar', '#1f77b4'), t.map((r) => hourOf(r.start)), t.map((r) => r.import_kwh));
  setData(chart('month', 'bar', '#2ca02c'), m.map((r) => dayOf(r.start)), m.map((r) => r.import_kwh));
  const since = Date.parse(live.now) - 24 * 3600 * 1000;
  const d = ofMeter(day).filter((r) => Date.parse(r.start) >= since && r.power_mean_w != null);
  setData(chart('day', 'line', '#ff7f0e'), d.map((r) => hourOf(r.start)), d.map((r) => r.power_mean_w));
}

function drawMeters() {
  const slugs = Object.keys(live.meters);
  const select = $('meter');
  if (select.options.length !== slugs.length) {
    select.innerHTML = '';
    for (const s of slugs) select.add(new Option(s, s));
  }
  select.hidden = slugs.length < 2;
  if (!meter || !live.meters[meter]) meter = slugs[0] || null;
  select.value = meter || '';
}

async function poll() {
  try {
    live = await getJson('api/live');
    showProblem('');
    drawMeters();
    const m = meter ? live.meters[meter] : null;
    drawStatus(live.status, m ? m.received : null, live.now);
    if (m && live.sequence !== lastSequence) {
      lastSequence = live.sequence;
      document.body.dataset.sequence = String(live.sequence);
      drawNow(m.state);
    }
    if (Date.now() - lastLedger >= LEDGER_MS) await drawLedger();
  } catch (e) {
    showProblem('Cannot reach the daemon: ' + e.message);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

$('meter').addEventListener('change', (e) => {
  meter = e.target.value;
  lastSequence = -1;
  lastLedger = 0;
});
poll();
