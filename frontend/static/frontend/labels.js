// The 32×32 label grid and its edits. No DOM here: every function works on a Uint8Array (row-major, one class
// code a pixel), so the editing rules can be exercised alone.

export const SIZE = 32;

export function fromRows(rows) {
  const grid = new Uint8Array(SIZE * SIZE);
  rows.forEach((row, r) => row.forEach((v, c) => { grid[r * SIZE + c] = v; }));
  return grid;
}

export function toRows(grid) {
  return Array.from({ length: SIZE }, (_, r) => Array.from(grid.subarray(r * SIZE, (r + 1) * SIZE)));
}

export const inside = (r, c) => r >= 0 && r < SIZE && c >= 0 && c < SIZE;

// Square brush of odd size centred on (r, c), clipped to the task. Returns how many pixels changed.
export function paintBrush(grid, r, c, size, cls) {
  const h = (size - 1) >> 1;
  return fillRect(grid, r - h, c - h, r + h, c + h, cls);
}

// Brush along the segment between two pointer samples, so a fast stroke leaves no gaps.
export function paintLine(grid, r0, c0, r1, c1, size, cls) {
  const steps = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0), 1);
  let changed = 0;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    changed += paintBrush(grid, Math.round(r0 + (r1 - r0) * t), Math.round(c0 + (c1 - c0) * t), size, cls);
  }
  return changed;
}

// Fill the rectangle spanned by two corners (any order), clipped to the task.
export function fillRect(grid, r0, c0, r1, c1, cls) {
  const [ra, rb] = [Math.max(0, Math.min(r0, r1)), Math.min(SIZE - 1, Math.max(r0, r1))];
  const [ca, cb] = [Math.max(0, Math.min(c0, c1)), Math.min(SIZE - 1, Math.max(c0, c1))];
  let changed = 0;
  for (let r = ra; r <= rb; r++) {
    for (let c = ca; c <= cb; c++) {
      const i = r * SIZE + c;
      if (grid[i] !== cls) { grid[i] = cls; changed++; }
    }
  }
  return changed;
}

// 4-connected flood fill of the region holding (r, c)'s class.
export function floodFill(grid, r, c, cls) {
  const start = r * SIZE + c;
  const from = grid[start];
  if (!inside(r, c) || from === cls) return 0;
  const stack = [start];
  grid[start] = cls;
  let changed = 1;
  while (stack.length) {
    const i = stack.pop();
    const ir = (i / SIZE) | 0, ic = i % SIZE;
    for (const [nr, nc] of [[ir - 1, ic], [ir + 1, ic], [ir, ic - 1], [ir, ic + 1]]) {
      const j = nr * SIZE + nc;
      if (inside(nr, nc) && grid[j] === from) { grid[j] = cls; changed++; stack.push(j); }
    }
  }
  return changed;
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
