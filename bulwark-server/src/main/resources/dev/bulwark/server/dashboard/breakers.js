// Open breakers across the tenant's jobs, with a countdown and a reset button.
import { el, fill, statusBadge, seconds, time, showError, countdown, tickCountdowns } from './dom.js';
import { get, post, can } from './api.js';
import { nav } from './nav.js';


async function load() {
  try {
    const { breakers } = await get('/api/v1/breakers');
    showError(null);
    fill('breakers', breakers.length === 0 ? el('p', {}, 'No open breaker.') : el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, ['Job', 'Scope', 'State', 'Since', 'Closes in', 'Re-opens', 'Reason', ''].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, breakers.map((b) => el('tr', {},
        el('td', { class: 'text' }, el('a', { href: '/jobs/' + encodeURIComponent(b.jobId) }, b.jobName || b.jobId)),
        el('td', { class: 'text' }, b.scope), el('td', {}, statusBadge(b.state)), el('td', {}, time(b.since)),
        el('td', { 'data-until': b.openUntil ?? '' }, countdown(b.openUntil)), el('td', { class: 'num' }, b.reopens),
        el('td', { class: 'text' }, b.reason),
        el('td', {}, el('button', { type: 'button', disabled: !can('submit'), 'aria-label': 'Reset the breaker of ' + b.scope,
          onclick: async () => {
            try {
              await post(b.resetUrl);
              document.getElementById('action-result').textContent = 'Reset breaker ' + b.scope + ': done';
            } catch (e) {
              document.getElementById('action-result').textContent = 'Reset breaker ' + b.scope + ': ' + e.message;
            }
            load();
          } }, 'Reset')))))));
  } catch (e) {
    showError('Cannot load the breakers: ' + e.message);
  }
}

tickCountdowns();
setInterval(load, 5000);
await nav();
await load();
