// The main view: three stacked canvases. Imagery and labels are drawn at native resolution (1 canvas pixel =
// 1 ground pixel) and scaled by CSS with `image-rendering: pixelated`, so pixels stay crisp and drawing is cheap;
// the overlay is at screen resolution for the task box, the brush cursor and the rectangle preview.
import { SIZE } from "./labels.js";

export class Stage {
  constructor(root, palette) {
    this.root = root;
    this.image = root.querySelector("#image-layer");
    this.labels = root.querySelector("#label-layer");
    this.overlay = root.querySelector("#overlay-layer");
    this.labels.width = this.labels.height = SIZE;
    this.labelData = new ImageData(SIZE, SIZE);
    this.palette = palette; // code -> [r, g, b, a]
    this.view = { width: SIZE, height: SIZE, box: { row: 0, col: 0 }, scale: 1 };
    this.cursor = null; // {r, c, size} or {rect: [r0, c0, r1, c1]}
  }

  // Draw one layer image ({bitmap, box}) and lay the label canvas over the task box.
  showImage({ bitmap, box }) {
    const px = this.root.clientWidth;
    const { width, height } = bitmap;
    if (this.image.width !== width || this.image.height !== height) {
      this.image.width = width; this.image.height = height;
    }
    const ctx = this.image.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    const scale = px / Math.max(width, height);
    this.view = { width, height, box, scale };
    Object.assign(this.image.style, { width: `${width * scale}px`, height: `${height * scale}px` });
    Object.assign(this.labels.style, {
      left: `${box.col * scale}px`, top: `${box.row * scale}px`, width: `${SIZE * scale}px`, height: `${SIZE * scale}px`,
    });
    this.drawOverlay();
  }

  clearImage(message) {
    this.image.getContext("2d").clearRect(0, 0, this.image.width, this.image.height);
    this.root.dataset.message = message || "";
  }

  drawLabels(grid) {
    const d = this.labelData.data;
    for (let i = 0; i < grid.length; i++) {
      const c = this.palette[grid[i]] || [0, 0, 0, 0];
      d[4 * i] = c[0]; d[4 * i + 1] = c[1]; d[4 * i + 2] = c[2]; d[4 * i + 3] = c[3];
    }
    this.labels.getContext("2d").putImageData(this.labelData, 0, 0);
  }

  setLabelOpacity(alpha, visible) {
    this.labels.style.opacity = String(alpha);
    this.labels.style.visibility = visible ? "visible" : "hidden";
  }

  setCursor(cursor) { this.cursor = cursor; this.drawOverlay(); }

  drawOverlay() {
    const dpr = window.devicePixelRatio || 1;
    const px = this.root.clientWidth;
    if (this.overlay.width !== px * dpr) { this.overlay.width = this.overlay.height = px * dpr; }
    this.overlay.style.width = this.overlay.style.height = `${px}px`;
    const ctx = this.overlay.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, px, px);
    const { box, scale, width, height } = this.view;
    if (width > SIZE || height > SIZE) { // context view: outline the task
      ctx.strokeStyle = "#ffeb3b"; ctx.lineWidth = 2;
      ctx.strokeRect(box.col * scale + 1, box.row * scale + 1, SIZE * scale - 2, SIZE * scale - 2);
    }
    const cur = this.cursor;
    if (!cur) return;
    ctx.strokeStyle = "rgba(255,255,255,0.95)"; ctx.lineWidth = 1.5;
    ctx.setLineDash(cur.rect ? [4, 3] : []);
    const [r0, c0, r1, c1] = cur.rect || [cur.r - (cur.size - 1) / 2, cur.c - (cur.size - 1) / 2,
      cur.r + (cur.size - 1) / 2, cur.c + (cur.size - 1) / 2];
    const x = (box.col + Math.min(c0, c1)) * scale, y = (box.row + Math.min(r0, r1)) * scale;
    ctx.strokeRect(x, y, (Math.abs(c1 - c0) + 1) * scale, (Math.abs(r1 - r0) + 1) * scale);
    ctx.setLineDash([]);
  }

  // Screen point -> task pixel {r, c} (may lie outside 0..31 in a context view).
  toTaskPixel(evt) {
    const rect = this.overlay.getBoundingClientRect();
    const { box, scale } = this.view;
    return {
      r: Math.floor((evt.clientY - rect.top) / scale) - box.row,
      c: Math.floor((evt.clientX - rect.left) / scale) - box.col,
    };
  }
}
