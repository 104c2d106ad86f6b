// Layer images: fetched once, decoded to ImageBitmaps and kept, so stepping dates, switching layers or panning
// only draws. Each image carries the task's place inside it from the X-Task-Box header ("x,y,width,height":
// x = column offset, y = row offset), which the layer API always sends.
import { api, ApiError } from "./api.js";

export function parseBox(header) {
  const v = (header || "").split(",").map(Number);
  if (v.length !== 4 || !v.every(Number.isInteger)) throw new Error(`bad X-Task-Box header: ${header}`);
  return { col: v[0], row: v[1], width: v[2], height: v[3] };
}

export class LayerCache {
  constructor(taskId, cloudStyle = "none") { this.taskId = taskId; this.cloudStyle = cloudStyle; this.items = new Map(); }

  key(layer, scene, context) { return `${layer}|${scene}|${context}|${this.cloudStyle}`; }

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
    const style = this.cloudStyle === "none" ? "" : `&cloud_style=${this.cloudStyle}`;
    const url = api.layerUrl(this.taskId, layer, scene, context) + style;
    const resp = await (pending || fetch(url, { credentials: "same-origin" }));
    if (!resp.ok) {
      let msg = `HTTP ${resp.status}`;
      try { const d = await resp.json(); msg = d.detail || JSON.stringify(d); } catch { /* not JSON */ }
      throw new ApiError(resp.status, `layer ${layer} (scene ${scene}): ${msg}`, null);
    }
    const box = parseBox(resp.headers.get("X-Task-Box"));
    const bitmap = await createImageBitmap(await resp.blob());
    return { bitmap, box };
  }

  prefetch(layer, scenes, context) {
    for (const s of scenes) this.get(layer, s, context).catch(() => {});
  }
}
