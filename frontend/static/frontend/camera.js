// Where the stage looks: an integer scale (screen pixels per ground pixel, so every ground pixel is the same size)
// and the chip coordinate at the stage's centre. Pure math, no DOM: the stage applies it, tests can check it.

const STEPS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 128];

export class Camera {
  // n: task size, chip: chip size, origin: the task's {row, col} in the chip.
  constructor(n, chip) { this.n = n; this.chip = chip; this.origin = { row: 0, col: 0 }; this.scale = 1; this.cx = 0; this.cy = 0; this.w = 1; this.h = 1; }

  resize(w, h) { this.w = Math.max(1, w); this.h = Math.max(1, h); }

  get maxScale() { return Math.max(1, Math.floor(Math.min(this.w, this.h) / 4)); } // down to 4 ground pixels

  // The largest integer scale showing `extent` ground pixels across the stage.
  fit(extent) { return Math.max(1, Math.min(this.maxScale, Math.floor(Math.min(this.w, this.h) / extent))); }

  // A preset: the task with `margin` ground pixels around it (clipped to the chip), centred.
  frame(margin) {
    const { row, col } = this.origin;
    const r0 = Math.max(0, row - margin), c0 = Math.max(0, col - margin);
    const r1 = Math.min(this.chip, row + this.n + margin), c1 = Math.min(this.chip, col + this.n + margin);
    this.scale = this.fit(Math.max(r1 - r0, c1 - c0));
    this.cy = (r0 + r1) / 2; this.cx = (c0 + c1) / 2;
  }

  // One zoom step in (+1) or out (-1), keeping the chip point under (sx, sy) (stage pixels) where it is.
  step(dir, sx = this.w / 2, sy = this.h / 2) {
    const steps = STEPS.filter((s) => s <= this.maxScale);
    let i = steps.findIndex((s) => s >= this.scale);
    if (i < 0) i = steps.length - 1;
    const next = steps[Math.max(0, Math.min(steps.length - 1, steps[i] === this.scale ? i + dir : dir > 0 ? i : i - 1))];
    const p = this.toChip(sx, sy);
    this.scale = next;
    this.cx = p.col - (sx - this.w / 2) / next;
    this.cy = p.row - (sy - this.h / 2) / next;
    this.clamp();
  }

  pan(dx, dy) { this.cx -= dx / this.scale; this.cy -= dy / this.scale; this.clamp(); }

  clamp() { // the chip never leaves the stage entirely
    this.cx = Math.max(0, Math.min(this.chip, this.cx));
    this.cy = Math.max(0, Math.min(this.chip, this.cy));
  }

  // Screen offset of chip pixel (0, 0), rounded so every pixel edge falls on a screen pixel.
  get tx() { return Math.round(this.w / 2 - this.cx * this.scale); }
  get ty() { return Math.round(this.h / 2 - this.cy * this.scale); }

  toScreen(row, col) { return { x: this.tx + col * this.scale, y: this.ty + row * this.scale }; }

  toChip(sx, sy) { return { row: (sy - this.ty) / this.scale, col: (sx - this.tx) / this.scale }; }

  // The visible part of the chip: [row0, col0, row1, col1].
  visible() {
    const a = this.toChip(0, 0), b = this.toChip(this.w, this.h);
    return [Math.max(0, a.row), Math.max(0, a.col), Math.min(this.chip, b.row), Math.min(this.chip, b.col)];
  }

  // The smallest of `contexts` (pixels around the task, as the layer API takes them) whose window covers what is
  // visible, give or take one ground pixel.
  contextFor(contexts) {
    const [r0, c0, r1, c1] = this.visible();
    const { row, col } = this.origin;
    for (const k of contexts) {
      const w = [Math.max(0, row - k), Math.max(0, col - k), Math.min(this.chip, row + this.n + k), Math.min(this.chip, col + this.n + k)];
      if (w[0] <= r0 + 1 && w[1] <= c0 + 1 && w[2] >= r1 - 1 && w[3] >= c1 - 1) return k;
    }
    return contexts[contexts.length - 1];
  }
}
