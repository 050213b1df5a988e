// Queue statistics per tier (operators): jobs waiting, active, completed, failed; the worker pool.
import { el, fill, facts, showError } from './dom.js';
import { get } from './api.js';
import { nav } from './nav.js';

async function load() {
  try {
    const s = await get('/api/v1/stats');
    showError(null);
    fill('scope', 'Counting the jobs of ' + s.scope + '.');
    const rows = Object.entries(s.tiers).map(([tier, r]) => [tier, r]).concat([['all tiers', s.total]]);
    fill(document.querySelector('#tiers tbody'), rows.map(([tier, r]) => el('tr', {}, el('td', {}, tier),
      ['waiting', 'active', 'paused', 'completed', 'failed', 'cancelled'].map((k) => el('td', { class: 'num' }, r[k])))));
    facts('pool', [['Workers', s.workerPool.workers], ['Jobs waiting for a worker', s.workerPool.waiting], ['Jobs running', s.workerPool.running]]);
  } catch (e) {
    showError('Cannot load the statistics: ' + e.message);
  }
}

setInterval(load, 3000);
await nav();
await load();
