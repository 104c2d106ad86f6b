// Layer images: fetched once, decoded to ImageBitmaps and kept, so stepping dates or switching layers only draws.
import { api, ApiError } from "./api.js";

const SIZE = 32;

// Where the task sits inside a context window: the server sends X-Task-Box as "x,y,width,height"
// (x = column offset, y = row offset); without it we compute it from the task's offset in the chip.
export function parseBox(header) {
  if (!header) return null;
  const v = header.split(",").map(Number);
  return v.length >= 2 && v.every(Number.isFinite) ? { col: v[0], row: v[1] } : null;
}

export function boxFor(rowOff, colOff, context) {
  return { row: Math.min(context, rowOff), col: Math.min(context, colOff) };
}

export class LayerCache {
  constructor(taskId, origin, cloud = "none") {
    this.taskId = taskId; this.origin = origin; this.cloud = cloud; this.items = new Map();
  }

  key(layer, scene, context) { return `${layer}|${scene}|${context}|${this.cloud}`; }

  has(layer, scene, context) { return this.items.has(this.key(layer, scene, context)); }

  // Resolves to {bitmap, box}; the promise itself is cached so concurrent asks share one request.
  // `pending` is a fetch already started for this image (the page's early first image).
  get(layer, scene, context, pending = null) {
    const k = this.key(layer, scene, context);
    if (!this.items.has(k)) {
      const p = this.fetch(layer, scene, context, pending);
      p.catch(() => this.items.delete(k)); // a failed image may be retried later
      this.items.set(k, p);
    }
    return this.items.get(k);
  }

  async fetch(layer, scene, context, pending) {
    const cloud = this.cloud === "none" ? "" : `&cloud=${this.cloud}`;
    const url = api.layerUrl(this.taskId, layer, scene, context) + cloud;
    const resp = await (pending || fetch(url, { credentials: "same-origin" }));
    if (!resp.ok) {
      let msg = `HTTP ${resp.status}`;
      try { const d = await resp.json(); msg = d.detail || JSON.stringify(d); } catch { /* not JSON */ }
      throw new ApiError(resp.status, `Layer ${layer} (scene ${scene}): ${msg}`, null);
    }
    const box = parseBox(resp.headers.get("X-Task-Box")) || boxFor(this.origin.row, this.origin.col, context);
    const bitmap = await createImageBitmap(await resp.blob());
    return { bitmap, box, size: SIZE };
  }

  prefetch(layer, scenes, context) {
    for (const s of scenes) this.get(layer, s, context).catch(() => {});
  }
}
