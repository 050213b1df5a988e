// A bar chart of items finished per interval since the job started (succeeded above the axis,
// failed below), from GET /jobs/{id}/throughput, drawn as SVG elements: no library, no inline style.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws the throughput answer into the container. */
export function drawThroughput(container, data) {
  const width = 480, height = 160, axis = 100;
  const from = Date.parse(data.from);
  const span = Math.max(1, (Date.parse(data.to) - from) / 1000);
  const slots = Math.max(1, Math.ceil(span / data.intervalSeconds));
  const bar = width / slots;
  const top = Math.max(1, ...data.intervals.map((b) => b.succeeded));
  const bottom = Math.max(1, ...data.intervals.map((b) => b.failed));
  const succeeded = data.intervals.reduce((n, b) => n + b.succeeded, 0);
  const failed = data.intervals.reduce((n, b) => n + b.failed, 0);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Items finished per ${data.intervalSeconds} s since the start: ${succeeded} succeeded, ${failed} failed` });
  for (const b of data.intervals) {
    const x = ((Date.parse(b.start) - from) / 1000 / data.intervalSeconds) * bar;
    const up = (b.succeeded / top) * (axis - 18);
    const down = (b.failed / bottom) * (height - axis - 18);
    const w = Math.max(1, bar - 1);
    if (up > 0) root.append(svg('rect', { class: 'succeeded', x, y: axis - up, width: w, height: up }));
    if (down > 0) root.append(svg('rect', { class: 'failed', x, y: axis, width: w, height: down }));
  }
  root.append(svg('line', { class: 'axis', x1: 0, y1: axis, x2: width, y2: axis }));
  root.append(svg('text', { x: 4, y: 12 }, `succeeded per ${data.intervalSeconds} s (max ${top})`));
  root.append(svg('text', { x: 4, y: height - 4 }, `failed per ${data.intervalSeconds} s (max ${bottom})`));
  container.replaceChildren(root);
}
