// Workers of a shared ledger (operators): who holds leases and until when (heartbeats push it on), stalled items.
import { el, fill, statusBadge, time, showError } from './dom.js';
import { get } from './api.js';
import { nav } from './nav.js';

async function load() {
  try {
    const w = await get('/api/v1/workers');
    showError(null);
    fill('mode', w.sharedLedger ? 'Jobs run on the workers of the shared PostgreSQL ledger.'
      : 'This server runs its jobs itself on its embedded ledger: there are no shared workers (see serve --store).');
    fill(document.querySelector('#workers tbody'), w.workers.map((x) => el('tr', {}, el('td', { class: 'text' }, x.worker),
      el('td', { class: 'num' }, x.leases), el('td', {}, time(x.earliestEnd)), el('td', {}, time(x.latestEnd)))));
    fill(document.querySelector('#stalled tbody'), w.stalled.map((s) => el('tr', {},
      el('td', { class: 'text' }, el('a', { href: '/jobs/' + encodeURIComponent(s.jobId) }, s.jobId)), el('td', { class: 'num' }, s.seq),
      el('td', { class: 'text' }, el('code', {}, s.key)), el('td', {}, statusBadge(s.status)), el('td', { class: 'num' }, s.stalls),
      el('td', {}, s.leaseOwner ?? '—'))));
  } catch (e) {
    showError('Cannot load the workers: ' + e.message);
  }
}

setInterval(load, 3000);
await nav();
await load();
