// Keeping chart labels legible: pure 1-D layout, in pixels, for labels pinned to a position on
// an axis (a price on a chart's price axis, a strike on a risk graph's x axis).
//
//   staggerLabels(items, { width, rows, gap })  labels along x, in up to `rows` rows: the most
//       important first, each in the first row where it overlaps no other; the rest hidden
//       (row −1). items: [{x (centre), w (width), priority (lower = more important), ...}].
//   mergeNearby(items, minGap)                  labels along y that would collide (centres
//       closer than `minGap`) merged into the strongest one among them.
//       items (strongest first): [{y, ...}] → [{y (the head's), members: [head, ...]}].
//
// No DOM here: the callers measure and place. Unit-tested in tests/web/test_options_js_units.py.

/**
 * Place labels along x in rows. Returns the items with `row` (0 = nearest the axis, −1 = hidden)
 * and `left` (the label's left edge, kept inside [0, width]); input order is kept.
 */
export function staggerLabels(items, { width, rows = 3, gap = 4 } = {}) {
  const placed = Array.from({ length: rows }, () => []);
  const out = items.map((it) => ({ ...it, row: -1, left: 0 }));
  const order = out
    .map((it, i) => i)
    .sort((a, b) => (out[a].priority ?? 0) - (out[b].priority ?? 0) || out[a].x - out[b].x);
  for (const i of order) {
    const it = out[i];
    if (!(it.x >= 0 && it.x <= width)) continue; // outside the plot: nothing to point at
    const w = Math.min(it.w, width);
    const left = Math.max(0, Math.min(width - w, it.x - w / 2));
    for (let r = 0; r < rows; r++) {
      const clash = placed[r].some(([a, b]) => left < b + gap && left + w + gap > a);
      if (!clash) {
        placed[r].push([left, left + w]);
        Object.assign(it, { row: r, left });
        break;
      }
    }
  }
  return out;
}

/**
 * Merge labels that would collide, strongest first: each item joins the placed label nearest it
 * when their y positions are closer than `minGap`, else it is placed itself. So placed labels are
 * at least `minGap` apart and every member is within `minGap` of its label. Pass the items
 * strongest first; clusters come back sorted by y, members in input order.
 */
export function mergeNearby(items, minGap) {
  const heads = [];
  for (const it of items) {
    if (!Number.isFinite(it.y)) continue;
    let near = null;
    for (const h of heads) {
      const d = Math.abs(h.y - it.y);
      if (d < minGap && (!near || d < Math.abs(near.y - it.y))) near = h;
    }
    if (near) near.members.push(it);
    else heads.push({ y: it.y, members: [it] });
  }
  return heads.sort((a, b) => a.y - b.y);
}
