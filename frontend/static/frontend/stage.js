// The main view: three stacked canvases. Imagery and labels are drawn at native resolution (1 canvas pixel =
// 1 ground pixel) and placed by the camera at an integer scale with `image-rendering: pixelated`, so pixels stay
// crisp and a pan or zoom only moves two elements; the overlay is at screen resolution for the task box, outlines,
// changed-pixel marks, the pixel grid, the brush cursor and the rectangle preview.
import { Camera } from "./camera.js";
import { drawOverlay } from "./overlay.js";

export class Stage {
  constructor(root, { n, chip, palette }) {
    this.root = root;
    this.n = n;
    this.image = root.querySelector("#image-layer");
    this.labels = root.querySelector("#label-layer");
    this.overlay = root.querySelector("#overlay-layer");
    this.labels.width = this.labels.height = n;
    this.labelData = new ImageData(n, n);
    this.palette = palette; // code -> [r, g, b, a]
    this.camera = new Camera(n, chip);
    this.imageAt = null; // chip {row, col} of the image's top-left pixel
    this.grid = null; // the labels shown
    this.mode = { labels: true, outline: false, pixelGrid: false, diff: false, guess: null };
    this.cursor = null; // {r, c, size} or {rect: [r0, c0, r1, c1]}
    this.resize();
  }

  setOrigin(origin) { this.camera.origin = origin; }

  resize() {
    this.camera.resize(this.root.clientWidth, this.root.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    this.overlay.width = this.camera.w * dpr; this.overlay.height = this.camera.h * dpr;
    Object.assign(this.overlay.style, { width: `${this.camera.w}px`, height: `${this.camera.h}px` });
    this.apply();
  }

  // Draw one layer image ({bitmap, box}: the task's place inside the image) at its place in the chip.
  showImage({ bitmap, box }) {
    const { width, height } = bitmap;
    if (this.image.width !== width || this.image.height !== height) {
      this.image.width = width; this.image.height = height;
    }
    const ctx = this.image.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    const o = this.camera.origin;
    this.imageAt = { row: o.row - box.row, col: o.col - box.col };
    this.root.dataset.message = "";
    this.apply();
  }

  clearImage(message) {
    this.image.getContext("2d").clearRect(0, 0, this.image.width, this.image.height);
    this.root.dataset.message = message || "";
  }

  drawLabels(grid) {
    this.grid = grid;
    const d = this.labelData.data;
    for (let i = 0; i < grid.length; i++) {
      const c = this.palette[grid[i]] || [0, 0, 0, 0];
      d[4 * i] = c[0]; d[4 * i + 1] = c[1]; d[4 * i + 2] = c[2]; d[4 * i + 3] = c[3];
    }
    this.labels.getContext("2d").putImageData(this.labelData, 0, 0);
    this.drawOverlay();
  }

  setLabelOpacity(alpha) { this.labels.style.opacity = String(alpha); }

  setMode(changes) {
    Object.assign(this.mode, changes);
    this.labels.style.visibility = this.mode.labels && !this.mode.outline ? "visible" : "hidden";
    this.drawOverlay();
  }

  // Place the canvases where the camera says; cheap enough for every pointer move of a pan.
  apply() {
    const cam = this.camera, s = cam.scale;
    if (this.imageAt) {
      const p = cam.toScreen(this.imageAt.row, this.imageAt.col);
      Object.assign(this.image.style, { left: `${p.x}px`, top: `${p.y}px`,
        width: `${this.image.width * s}px`, height: `${this.image.height * s}px` });
    }
    const t = cam.toScreen(cam.origin.row, cam.origin.col);
    Object.assign(this.labels.style, { left: `${t.x}px`, top: `${t.y}px`, width: `${this.n * s}px`, height: `${this.n * s}px` });
    this.root.dataset.scale = String(s);
    this.drawOverlay();
  }

  setCursor(cursor) { this.cursor = cursor; this.drawOverlay(); }

  drawOverlay() {
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.overlay.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawOverlay(ctx, this.camera, { n: this.n, grid: this.grid, mode: this.mode, cursor: this.cursor, palette: this.palette });
  }

  // Screen point -> task pixel {r, c} (outside 0..n-1 when the pointer is off the task).
  toTaskPixel(evt) {
    const rect = this.overlay.getBoundingClientRect();
    const p = this.camera.toChip(evt.clientX - rect.left, evt.clientY - rect.top);
    return { r: Math.floor(p.row) - this.camera.origin.row, c: Math.floor(p.col) - this.camera.origin.col };
  }

  // Screen point -> chip pixel {row, col}.
  toChipPixel(evt) {
    const rect = this.overlay.getBoundingClientRect();
    const p = this.camera.toChip(evt.clientX - rect.left, evt.clientY - rect.top);
    return { row: Math.floor(p.row), col: Math.floor(p.col) };
  }
}
