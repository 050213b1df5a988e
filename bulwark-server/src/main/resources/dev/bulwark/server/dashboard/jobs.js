// The jobs list: a page of the tenant's jobs, newest first, kept up to date by the tenant's event
// stream (progress of running jobs in place; the page reloads when a job starts or ends).
import { el, fill, statusBadge, seconds, time, rate, showError } from './dom.js';
import { get, jobPath } from './api.js';
import { nav } from './nav.js';

const LIMIT = 20;
const params = new URLSearchParams(location.search);
let offset = Math.max(0, parseInt(params.get('offset') ?? '0', 10) || 0);
const statusSelect = document.getElementById('status');
statusSelect.value = params.get('status') ?? '';

async function load() {
  const status = statusSelect.value;
  const query = new URLSearchParams({ include: 'progress', offset: String(offset), limit: String(LIMIT) });
  if (status) query.set('status', status);
  try {
    const page = await get('/api/v1/jobs?' + query);
    showError(null);
    fill(document.querySelector('#jobs tbody'), page.jobs.map(row));
    document.getElementById('empty').hidden = page.jobs.length > 0;
    document.getElementById('prev').disabled = offset === 0;
    document.getElementById('next').disabled = page.next === null;
    document.getElementById('page').textContent = page.total === 0 ? '' :
      (offset + 1) + '–' + Math.min(offset + LIMIT, page.total) + ' of ' + page.total;
  } catch (e) {
    showError('Cannot load the jobs: ' + e.message);
  }
}

function row(job) {
  const c = job.counts;
  return el('tr', { 'data-job': job.id },
    el('td', { class: 'text' }, el('a', { href: '/jobs/' + encodeURIComponent(job.id) }, job.name || job.id)),
    el('td', { 'data-field': 'status' }, statusBadge(job.status)),
    el('td', { class: 'text' }, job.template),
    el('td', {}, (job.tier ?? '—') + ' / ' + job.priority),
    el('td', { class: 'progress' }, el('progress', { max: 100, value: job.progress.percent, 'aria-label': 'Progress of ' + (job.name || job.id) }),
      ' ', el('span', { 'data-field': 'percent' }, job.progress.percent + ' %')),
    el('td', { class: 'num', 'data-field': 'rate' }, rate(job.progress.itemsPerSecond)),
    el('td', { class: 'num', 'data-field': 'eta' }, seconds(job.progress.etaSeconds)),
    el('td', { class: 'num', 'data-field': 'succeeded' }, c.succeeded),
    el('td', { class: 'num', 'data-field': 'failed' }, c.failed),
    el('td', { class: 'num', 'data-field': 'running' }, c.running),
    el('td', {}, time(job.createdAt)));
}

function progress(p) {
  const tr = document.querySelector('tr[data-job="' + CSS.escape(p.jobId) + '"]');
  if (!tr) return;
  const set = (field, value) => { tr.querySelector('[data-field="' + field + '"]').textContent = value; };
  tr.querySelector('progress').value = p.percent;
  set('percent', p.percent + ' %');
  set('rate', rate(p.itemsPerSecond));
  set('eta', seconds(p.etaSeconds));
  set('succeeded', p.counts.succeeded);
  set('failed', p.counts.failed);
  set('running', p.counts.running);
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 150);
}

function listen(session) {
  const live = document.getElementById('live');
  const events = new EventSource('/api/v1/events');
  events.addEventListener('ready', () => { live.textContent = 'live'; });
  events.addEventListener('progress', (e) => progress(JSON.parse(e.data)));
  events.addEventListener('job', reloadSoon);
  events.onerror = () => { live.textContent = 'reconnecting…'; };
  // new submissions, and jobs run by the workers of a shared ledger, are not in the stream
  setInterval(load, session.sharedLedger ? 2000 : 5000);
}

function navigate() {
  const query = new URLSearchParams();
  if (statusSelect.value) query.set('status', statusSelect.value);
  if (offset) query.set('offset', String(offset));
  history.replaceState(null, '', query.size ? '?' + query : '/');
  load();
}

statusSelect.addEventListener('change', () => { offset = 0; navigate(); });
document.getElementById('prev').addEventListener('click', () => { offset = Math.max(0, offset - LIMIT); navigate(); });
document.getElementById('next').addEventListener('click', () => { offset += LIMIT; navigate(); });

const session = await nav();
await load();
listen(session);
