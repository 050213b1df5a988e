import { el, fill } from './dom.js';
import { currentSession, can, signOut } from './api.js';

/** Draws the navigation bar; resolves to the session. */
export async function nav() {
  const s = await currentSession();
  const link = (href, label) => el('a', { href, 'aria-current': location.pathname === href ? 'page' : null }, label);
  fill('nav',
    el('a', { href: '/' }, 'Bulwark'),
    el('nav', { 'aria-label': 'Main', class: 'links' },
      link('/', 'Jobs'), link('/breakers', 'Breakers'),
      can('admin') ? link('/queues', 'Queues') : null,
      can('admin') ? link('/workers', 'Workers') : null),
    el('span', { class: 'who' }, 'tenant ' + s.tenant + ' · ' + s.tier + ' · ' + s.roles.join(', ')),
    s.anonymous ? null : el('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'));
  return s;
}
