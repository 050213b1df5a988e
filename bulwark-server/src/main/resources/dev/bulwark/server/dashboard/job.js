// One job: summary, live progress and chart, actions, breakers, errors, items with their attempts
// and logs, configuration and events. Live over the job's server-sent events.
import { el, fill, facts, statusBadge, seconds, time, rate, showError, countdown, tickCountdowns } from './dom.js';
import { get, post, text, can, jobPath } from './api.js';
import { nav } from './nav.js';
import { drawThroughput } from './chart.js';

const id = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const base = jobPath(id);
const ITEMS = 50;
let job = null;
let itemPages = [0]; // the 'after' of each page seen, for going back
let selected = null;

function say(message) {
  document.getElementById('action-result').textContent = message;
}

async function act(label, path) {
  try {
    await post(path);
    say(label + ': done');
  } catch (e) {
    say(label + ': ' + e.message);
  }
  await refresh();
}

function button(label, path, enabled, danger = false) {
  return el('button', { type: 'button', class: danger ? 'danger' : null, disabled: !enabled || !can('submit'),
    onclick: () => act(label, path) }, label);
}

function renderJob() {
  document.title = (job.name || job.id) + ' — Bulwark';
  fill('title', 'Job ', job.name || job.id);
  facts('summary', [
    ['Status', statusBadge(job.status)], ['Reason', job.reason], ['Id', job.id], ['Template', job.template],
    ['Tier / priority', (job.tier ?? '—') + ' / ' + job.priority], ['Created', time(job.createdAt)],
    ['Started', time(job.startedAt)], ['Finished', time(job.finishedAt)],
    ['Rate', el('span', { id: 'rate' }, rate(job.progress.itemsPerSecond))],
    ['ETA', el('span', { id: 'eta' }, seconds(job.progress.etaSeconds))]]);
  const s = job.status;
  const finished = ['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'].includes(s);
  fill('actions',
    button('Cancel', base + '/cancel', !finished, true),
    button('Pause', base + '/pause', s === 'QUEUED' || s === 'RUNNING'),
    button('Resume', base + '/resume', s === 'PAUSED' || (s === 'FAILED' && job.counts.skipped > 0)),
    button('Retry failed', base + '/retry-failed', (s === 'PARTIAL' || s === 'FAILED') && job.counts.failed > 0));
  renderCounts(job.counts, job.progress.percent);
  renderBreakers(job.openBreakers);
  fill('current', job.currentItems.length === 0 ? el('p', {}, 'None running.') :
    el('ul', {}, job.currentItems.map((i) => el('li', {}, '#' + i.seq + ' ', el('code', {}, i.key), ' — attempt ' + i.attempt
      + ', started ' + time(i.startedAt)))));
  fill('config', JSON.stringify(job.config, null, 2));
  document.getElementById('csv').href = base + '/review.csv';
  document.getElementById('xlsx').href = base + '/review.xlsx';
  const zip = document.getElementById('zip');
  zip.hidden = !hasOutputs();
  zip.href = base + '/outputs.zip';
}

function renderCounts(c, percent) {
  facts('counts', [['Total', c.total], ['Pending', c.pending], ['Running', c.running], ['Waiting to retry', c.retryWait],
    ['Succeeded', c.succeeded], ['Failed', c.failed], ['Skipped', c.skipped], ['Retries', c.retries],
    ['Interrupted', c.interruptions]]);
  const bar = document.getElementById('bar');
  bar.value = percent;
  bar.textContent = percent + ' %';
  bar.setAttribute('aria-valuetext', percent + ' % done');
}

function renderBreakers(list) {
  if (list.length === 0) {
    fill('breakers', el('p', {}, 'No open breaker.'));
    return;
  }
  fill('breakers', el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, ['Scope', 'State', 'Since', 'Closes in', 'Reason', ''].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, list.map((b) => el('tr', {},
      el('td', { class: 'text' }, b.scope), el('td', {}, statusBadge(b.state)), el('td', {}, time(b.since)),
      el('td', { 'data-until': b.openUntil ?? '' }, countdown(b.openUntil)), el('td', { class: 'text' }, b.reason),
      el('td', {}, el('button', { type: 'button', disabled: !can('submit'), 'aria-label': 'Reset the breaker of ' + b.scope,
        onclick: () => act('Reset breaker ' + b.scope, b.resetUrl) }, 'Reset')))))));
}


async function loadErrors() {
  const e = await get(base + '/errors');
  fill('errors', e.categories.length === 0 ? el('p', {}, 'No errors.') : [
    el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, ['Category', 'Class', 'Items', 'Failed', 'Retrying', 'Example'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, e.categories.map((g) => el('tr', {},
        el('td', {}, g.category), el('td', {}, g.errorClass ?? '—'), el('td', { class: 'num' }, g.count),
        el('td', { class: 'num' }, g.failed), el('td', { class: 'num' }, g.retrying),
        el('td', { class: 'text' }, '#' + g.exampleSeq + ' ', el('code', {}, g.exampleKey), ': ', g.exampleMessage ?? ''))))),
    e.complete ? null : el('p', { class: 'hint' }, 'Counted over the first ' + e.itemsRead + ' failing items.')]);
}

function hasOutputs() {
  return Boolean(job && job.config && job.config.input && job.config.input.outputs);
}

async function loadItems() {
  const status = document.getElementById('item-status').value;
  const after = itemPages[itemPages.length - 1];
  const query = new URLSearchParams({ after: String(after), limit: String(ITEMS) });
  if (status) query.set('status', status);
  const page = await get(base + '/items?' + query);
  const retryable = (job.status === 'PARTIAL' || job.status === 'FAILED') && can('submit');
  fill(document.querySelector('#items tbody'), page.items.map((i) => el('tr', { 'data-seq': i.seq, class: i.seq === selected ? 'selected' : null },
    el('td', { class: 'num' }, i.seq), el('td', { class: 'text' }, el('code', {}, i.key)), el('td', { class: 'text' }, i.scope),
    el('td', {}, statusBadge(i.status)), el('td', { class: 'num' }, i.attempts), el('td', {}, i.category ?? ''),
    el('td', { class: 'text' }, i.message ?? ''),
    el('td', {},
      el('button', { type: 'button', 'aria-label': 'Attempts and log of item ' + i.seq, onclick: () => showItem(i.seq) }, 'Details'), ' ',
      (i.status === 'FAILED' || i.status === 'SKIPPED') ? el('button', { type: 'button', disabled: !retryable,
        'aria-label': 'Retry item ' + i.seq, onclick: () => act('Retry item ' + i.seq, base + '/items/' + i.seq + '/retry') }, 'Retry') : null))));
  document.getElementById('items-prev').disabled = itemPages.length === 1;
  document.getElementById('items-first').disabled = itemPages.length === 1;
  const next = document.getElementById('items-next');
  next.disabled = page.next === null;
  next.dataset.after = page.items.length ? page.items[page.items.length - 1].seq : '';
}

async function showItem(seq) {
  selected = seq;
  const detail = await get(base + '/items/' + seq);
  const section = document.getElementById('item-detail');
  section.hidden = false;
  fill('h-item', 'Item #' + seq + ' ', el('code', {}, detail.item.key));
  fill(document.querySelector('#attempts tbody'), detail.attempts.map((a) => el('tr', {},
    el('td', { class: 'num' }, a.number), el('td', {}, statusBadge(a.outcome)), el('td', {}, time(a.startedAt)),
    el('td', { class: 'num' }, a.durationMs + ' ms'), el('td', {}, a.errorClass ?? ''), el('td', {}, a.category ?? ''),
    el('td', { class: 'num' }, a.exitCode ?? ''), el('td', { class: 'text' }, a.message ?? ''), el('td', {}, a.worker ?? ''))));
  const outputs = document.getElementById('outputs-section');
  outputs.hidden = !hasOutputs();
  if (hasOutputs()) {
    const list = await get(base + '/items/' + seq + '/outputs');
    fill('outputs', list.files.length === 0 ? el('li', {}, 'None.') : list.files.map((o) => el('li', {},
      el('a', { href: o.url, download: o.name }, o.name), ' — ' + o.size + ' bytes, SHA-256 ', el('code', {}, o.sha256))));
  }
  try {
    fill('log', await text(detail.item.log));
  } catch (e) {
    fill('log', e.message);
  }
  document.getElementById('h-item').focus();
}

async function loadChart() {
  drawThroughput(document.getElementById('chart'), await get(base + '/throughput'));
}

let chartTimer = null;
function chartSoon() { // at most every 2 s while items finish
  if (chartTimer === null) chartTimer = setTimeout(() => { chartTimer = null; loadChart(); }, 2000);
}

async function loadEvents() {
  const t = await get(base + '/timeline?limit=500');
  fill('events', t.events.map((e) => el('li', {}, el('time', { datetime: e.at }, time(e.at)), ' ', el('strong', {}, e.type), ' ',
    Object.keys(e.data).length ? JSON.stringify(e.data) : '')));
}

async function refresh() {
  try {
    job = await get(base);
    renderJob();
    await Promise.all([loadItems(), loadErrors(), loadEvents(), loadChart()]);
    showError(null);
  } catch (e) {
    showError(e.status === 404 ? 'No such job.' : 'Cannot load the job: ' + e.message);
  }
}

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 300);
}

function listen() {
  const events = new EventSource(base + '/events');
  const onCounts = (e) => {
    const p = JSON.parse(e.data);
    chartSoon();
    renderCounts(p.counts, p.percent ?? (p.counts.total ? Math.round(1000 * (p.counts.succeeded + p.counts.failed + p.counts.skipped) / p.counts.total) / 10 : 100));
    if (p.itemsPerSecond !== undefined) {
      document.getElementById('rate').textContent = rate(p.itemsPerSecond);
      document.getElementById('eta').textContent = seconds(p.etaSeconds);
    }
  };
  events.addEventListener('progress', onCounts);
  for (const type of ['item_succeeded', 'item_failed', 'item_retry_scheduled', 'item_started', 'breaker_opened', 'breaker_closed',
    'breaker_half_open', 'job_started', 'job_paused', 'job_halting']) {
    events.addEventListener(type, refreshSoon);
  }
  events.addEventListener('job_finished', () => { events.close(); refreshSoon(); });
}

document.getElementById('item-status').addEventListener('change', () => { itemPages = [0]; loadItems(); });
document.getElementById('items-first').addEventListener('click', () => { itemPages = [0]; loadItems(); });
document.getElementById('items-prev').addEventListener('click', () => { if (itemPages.length > 1) itemPages.pop(); loadItems(); });
document.getElementById('items-next').addEventListener('click', (e) => { itemPages.push(Number(e.target.dataset.after)); loadItems(); });
tickCountdowns();

await nav();
await refresh();
if (job) listen();
