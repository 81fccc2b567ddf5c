// The live page: one self-contained document (no external assets, no framework) that polls
// /api/overview every second and redraws. Everything from the daemon is put in with
// textContent, never as markup. Cells carry data-from/data-to/data-reach for tests and
// scripts; the title of a cell is the trace's verdict, so hovering says why not.
const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #f7f8fa; }
h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.15em; margin: 1.4em 0 .4em; }
.pill { display: inline-block; padding: .1em .6em; border-radius: 1em; margin-right: .4em; font-size: .9em; }
.up { background: #d5f2dc; color: #135c26; } .down { background: #fbd9d9; color: #8a1616; }
table { border-collapse: collapse; background: #fff; margin: .3em 0 .8em; }
th, td { border: 1px solid #d5d9e0; padding: .25em .55em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.cell { text-align: center; width: 2.2em; cursor: help; }
td.reach { background: #c9efd3; } td.blocked { background: #f6cccc; } td.self { background: #eceef2; }
.meta { color: #5a6375; font-size: .9em; } section { margin-bottom: 1.2em; }
`;

const SCRIPT = `
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v; else if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const pill = (name, ok) => el('span', { class: 'pill ' + (ok ? 'up' : 'down'), 'data-health': name, text: name + ': ' + (ok ? 'up' : 'down') });
function endpointsTable(net) {
  const head = el('tr', {}, ...['container', 'address', 'MAC', 'sent pkts', 'sent bytes', 'sent drops', 'recv pkts', 'recv bytes', 'recv drops'].map((t) => el('th', { text: t })));
  const rows = net.endpoints.map((e) => {
    const c = e.counters;
    const n = (side, k) => el('td', { class: 'num', text: c ? String(c[side][k]) : '' });
    return el('tr', { 'data-endpoint': e.label }, el('td', { text: e.label }), el('td', { text: e.ip || '' }), el('td', { text: e.mac }),
      n('sent', 'packets'), n('sent', 'bytes'), n('sent', 'dropped'), n('received', 'packets'), n('received', 'bytes'), n('received', 'dropped'));
  });
  return el('table', { class: 'endpoints' }, head, ...rows);
}
function matrixTable(net) {
  const m = net.matrix;
  if (!m) return el('p', { class: 'meta', text: 'matrix not drawn: too many endpoints (use ovsnet trace)' });
  const head = el('tr', {}, el('th', { text: 'from \\\\ to' }), ...m.members.map((t) => el('th', { text: t })));
  const rows = m.cells.map((row, i) => el('tr', {}, el('th', { text: m.members[i] }), ...row.map((cell, j) => {
    if (!cell) return el('td', { class: 'cell self', text: '·' });
    return el('td', { class: 'cell ' + (cell.reach ? 'reach' : 'blocked'), title: cell.summary, 'data-from': m.members[i],
      'data-to': m.members[j], 'data-reach': String(cell.reach), text: cell.reach ? '✓' : '✗' });
  })));
  return el('table', { class: 'matrix', 'data-network': net.name }, head, ...rows);
}
function render(o) {
  const health = document.getElementById('health');
  health.replaceChildren(pill('OVSDB', o.health.ovsdb), pill('OpenFlow', o.health.openflow),
    el('span', { class: 'meta', text: 'flows installed ' + o.health.flowsInstalled + (o.health.flowsInTable !== undefined ? ', in the table ' + o.health.flowsInTable : '') }));
  document.getElementById('updated').textContent = 'updated ' + new Date(o.generatedAt).toLocaleTimeString();
  document.getElementById('networks').replaceChildren(...o.networks.map((net) => el('section', { 'data-network': net.name },
    el('h2', { text: 'network ' + net.name }),
    el('p', { class: 'meta', text: net.subnets.join(', ') + ' · ICC ' + (net.icc ? 'on' : 'off') + (net.internal ? ' · internal' : '') + ' · ' + net.endpoints.length + ' endpoints' }),
    endpointsTable(net), matrixTable(net))));
  const repairs = o.repairs.map((r) => el('li', { text: r.at + ': ' + r.kind.replace('_', ' ') + ' × ' + r.count }));
  document.getElementById('repairs').replaceChildren(...(repairs.length ? repairs : [el('li', { class: 'meta', text: 'none since the daemon started' })]));
}
async function poll() {
  try {
    const res = await fetch('/api/overview', { cache: 'no-store' });
    if (res.ok) render(await res.json());
    document.body.dataset.state = res.ok ? 'live' : 'error';
  } catch { document.body.dataset.state = 'error'; }
  setTimeout(poll, 1000);
}
poll();
`;

export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ovsnet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body data-state="loading">
<h1>ovsnet</h1>
<div id="health"></div><div class="meta" id="updated">loading…</div>
<div id="networks"></div>
<h2>Last drift repairs</h2><ul id="repairs"></ul>
<script>${SCRIPT}</script>
</body></html>
`;
