// The API as the signed-in browser calls it: the session cookie goes along by itself; actions send
// the session's CSRF token in X-CSRF-Token. A lost session sends the browser back to /login.

let session = null;

/** The session: tenant, tier, roles, CSRF token. */
export async function currentSession() {
  if (!session) {
    const r = await fetch('/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (r.status === 401) { location.assign('/login'); throw new Error('signed out'); }
    session = await r.json();
  }
  return session;
}

export function can(role) {
  return session !== null && session.roles.includes(role);
}

async function problem(r) {
  if (r.status === 401) { location.assign('/login'); return new Error('signed out'); }
  let detail = r.status + ' ' + r.statusText;
  try { detail = (await r.json()).detail ?? detail; } catch (e) { /* not JSON */ }
  const error = new Error(detail);
  error.status = r.status;
  return error;
}

export async function get(path) {
  const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!r.ok) throw await problem(r);
  return r.json();
}

export async function text(path) {
  const r = await fetch(path, { credentials: 'same-origin' });
  if (!r.ok) throw await problem(r);
  return r.text();
}

export async function post(path) {
  const s = await currentSession();
  const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json', 'X-CSRF-Token': s.csrf } });
  if (!r.ok) throw await problem(r);
  return r.status === 204 ? null : r.json();
}

export async function signOut() {
  const s = await currentSession();
  await fetch('/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': s.csrf } });
  location.assign('/login');
}

/** The API path of a job. */
export function jobPath(id) {
  return '/api/v1/jobs/' + encodeURIComponent(id);
}
