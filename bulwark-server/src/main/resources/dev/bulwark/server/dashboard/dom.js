// Building the page from data. Every value goes in as text (textContent, attribute values set one
// by one): nothing from the server is ever parsed as HTML, so a key like <img src=x onerror=…>
// shows as those characters.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of the element with this id. */
export function fill(id, ...children) {
  const node = typeof id === 'string' ? document.getElementById(id) : id;
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A definition list's terms and values. */
export function facts(id, pairs) {
  fill(id, pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '—')]));
}

export function statusBadge(status) {
  return el('span', { class: 'status status-' + status }, status);
}

export function seconds(s) {
  if (s === null || s === undefined) return '—';
  s = Math.round(s);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

export function rate(perSecond) {
  return perSecond ? perSecond.toFixed(2) + '/s' : '—';
}

/** Shows (or, with null, hides) the page's error line. */
export function showError(message) {
  const node = document.getElementById('error');
  if (!node) return;
  node.textContent = message ?? '';
  node.hidden = !message;
}

/** The time left until a breaker's trial call. */
export function countdown(until) {
  if (!until) return '—';
  const left = (new Date(until) - Date.now()) / 1000;
  return left <= 0 ? 'trial call due' : seconds(left);
}

/** Updates every cell with a data-until time once a second. */
export function tickCountdowns() {
  setInterval(() => document.querySelectorAll('[data-until]').forEach((td) => { td.textContent = countdown(td.dataset.until); }), 1000);
}
