// A task's label grid and its edits. No DOM here: every function works on a Uint8Array of n×n class codes
// (row-major), n being the task size from the page config, so the editing rules can be exercised alone.

export function fromRows(rows) {
  const n = rows.length;
  const grid = new Uint8Array(n * n);
  rows.forEach((row, r) => row.forEach((v, c) => { grid[r * n + c] = v; }));
  return grid;
}

export function toRows(grid, n) {
  return Array.from({ length: n }, (_, r) => Array.from(grid.subarray(r * n, (r + 1) * n)));
}

export const inside = (n, r, c) => r >= 0 && r < n && c >= 0 && c < n;

export const sameGrid = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// Square brush of odd size centred on (r, c), clipped to the task. Returns how many pixels changed.
export function paintBrush(grid, n, r, c, size, cls) {
  const h = (size - 1) >> 1;
  return fillRect(grid, n, r - h, c - h, r + h, c + h, cls);
}

// Brush along the segment between two pointer samples, so a fast stroke leaves no gaps.
export function paintLine(grid, n, r0, c0, r1, c1, size, cls) {
  const steps = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0), 1);
  let changed = 0;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    changed += paintBrush(grid, n, Math.round(r0 + (r1 - r0) * t), Math.round(c0 + (c1 - c0) * t), size, cls);
  }
  return changed;
}

// Fill the rectangle spanned by two corners (any order), clipped to the task; `cls` is a code or, to copy
// another grid (reset to the guess), a Uint8Array of the same shape.
export function fillRect(grid, n, r0, c0, r1, c1, cls) {
  const [ra, rb] = [Math.max(0, Math.min(r0, r1)), Math.min(n - 1, Math.max(r0, r1))];
  const [ca, cb] = [Math.max(0, Math.min(c0, c1)), Math.min(n - 1, Math.max(c0, c1))];
  const from = typeof cls === "number" ? null : cls;
  let changed = 0;
  for (let r = ra; r <= rb; r++) {
    for (let c = ca; c <= cb; c++) {
      const i = r * n + c;
      const v = from ? from[i] : cls;
      if (grid[i] !== v) { grid[i] = v; changed++; }
    }
  }
  return changed;
}

// 4-connected flood fill of the region holding (r, c)'s class.
export function floodFill(grid, n, r, c, cls) {
  if (!inside(n, r, c)) return 0;
  const start = r * n + c;
  const from = grid[start];
  if (from === cls) return 0;
  const stack = [start];
  grid[start] = cls;
  let changed = 1;
  while (stack.length) {
    const i = stack.pop();
    const ir = (i / n) | 0, ic = i % n;
    for (const [nr, nc] of [[ir - 1, ic], [ir + 1, ic], [ir, ic - 1], [ir, ic + 1]]) {
      const j = nr * n + nc;
      if (inside(n, nr, nc) && grid[j] === from) { grid[j] = cls; changed++; stack.push(j); }
    }
  }
  return changed;
}

// How many pixels differ between two grids (the page's "changed from guess" count).
export function countDiffer(a, b) {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) k++;
  return k;
}

// Undo/redo over whole-grid snapshots: a task is 1 KiB, so a snapshot per stroke is cheap and simple.
export class History {
  constructor(limit = 200) { this.limit = limit; this.past = []; this.future = []; }
  record(before) {
    this.past.push(before.slice());
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }
  undo(current) {
    if (!this.past.length) return null;
    this.future.push(current.slice());
    return this.past.pop();
  }
  redo(current) {
    if (!this.future.length) return null;
    this.past.push(current.slice());
    return this.future.pop();
  }
  drop() { this.past.pop(); } // the last record led to no change
  clear() { this.past = []; this.future = []; }
}
