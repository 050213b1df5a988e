// A small bar chart of items finished per interval (succeeded above, failed below the axis),
// drawn as SVG elements: no library, no inline style.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Keeps samples of a job's counts and draws the throughput between them. */
export class Throughput {
  constructor(container, { interval = 2000, bars = 60 } = {}) {
    this.container = container;
    this.interval = interval;
    this.bars = bars;
    this.buckets = [];
    this.last = null;
  }

  /** Records the counts seen now; the difference from the previous counts goes into the current interval. */
  sample(counts, at = Date.now()) {
    if (this.last) {
      const succeeded = Math.max(0, counts.succeeded - this.last.succeeded);
      const failed = Math.max(0, counts.failed - this.last.failed);
      const slot = Math.floor(at / this.interval);
      let bucket = this.buckets[this.buckets.length - 1];
      if (!bucket || bucket.slot !== slot) {
        bucket = { slot, succeeded: 0, failed: 0 };
        this.buckets.push(bucket);
        if (this.buckets.length > this.bars) this.buckets.shift();
      }
      bucket.succeeded += succeeded;
      bucket.failed += failed;
    }
    this.last = { succeeded: counts.succeeded, failed: counts.failed };
    this.draw();
  }

  draw() {
    const width = 480, height = 160, axis = 110, bar = width / this.bars;
    const top = Math.max(1, ...this.buckets.map((b) => b.succeeded));
    const bottom = Math.max(1, ...this.buckets.map((b) => b.failed));
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': 'Items finished per ' + this.interval / 1000 + ' s: ' + this.buckets.reduce((n, b) => n + b.succeeded, 0)
        + ' succeeded, ' + this.buckets.reduce((n, b) => n + b.failed, 0) + ' failed' });
    this.buckets.forEach((b, i) => {
      const x = (this.bars - this.buckets.length + i) * bar;
      const up = (b.succeeded / top) * (axis - 14);
      const down = (b.failed / bottom) * (height - axis - 14);
      if (up > 0) root.append(svg('rect', { class: 'succeeded', x: x + 1, y: axis - up, width: Math.max(1, bar - 2), height: up }));
      if (down > 0) root.append(svg('rect', { class: 'failed', x: x + 1, y: axis, width: Math.max(1, bar - 2), height: down }));
    });
    root.append(svg('line', { class: 'axis', x1: 0, y1: axis, x2: width, y2: axis }));
    root.append(svg('text', { x: 4, y: 12 }, 'succeeded (max ' + top + ')'));
    root.append(svg('text', { x: 4, y: height - 4 }, 'failed (max ' + bottom + ')'));
    this.container.replaceChildren(root);
  }
}
