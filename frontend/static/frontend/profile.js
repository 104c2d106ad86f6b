// A pixel's year on a small canvas, from SeriesOut (GET /api/tasks/{id}/pixels/{r}/{c}/series/): indices (NDVI,
// NDWI, −1…1) on the upper axis, the chosen bands' reflectance (0…1, as the API sends it) on the lower one, the
// current date marked, unusable observations (the server's `valid` flag) drawn hollow on grey-shaded dates, and the
// values of the date under the pointer in a read-out of fixed size.

const BAND_COLORS = { B02: "#3b82f6", B03: "#22c55e", B04: "#ef4444", B08: "#a855f7", B11: "#f59e0b", B12: "#b45309",
  B05: "#f472b6", B06: "#fb7185", B07: "#e879f9", B8A: "#8b5cf6" };
const INDEX_COLORS = { NDVI: "#4ade80", NDWI: "#38bdf8" };
const PAD = { l: 34, r: 8, t: 8, b: 16, gap: 12 };

export class Profile {
  constructor(canvas, readout) {
    this.canvas = canvas; this.readout = readout; this.data = null; this.opts = {}; this.hover = null;
    canvas.addEventListener("pointermove", (e) => { this.hover = this.nearest(e); this.draw(); });
    canvas.addEventListener("pointerleave", () => { this.hover = null; this.draw(); });
  }

  set(data) { this.data = data; this.hover = null; }

  // Index of the observation nearest the pointer's date.
  nearest(evt) {
    if (!this.data?.series.length) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = evt.clientX - rect.left;
    let best = 0, dist = Infinity;
    this.data.series.forEach((o, i) => { const d = Math.abs(this.x(Date.parse(o.date)) - x); if (d < dist) { dist = d; best = i; } });
    return best;
  }

  draw(opts = this.opts) {
    this.opts = opts;
    const { bands = [], currentDate = null } = opts;
    const canvas = this.canvas, dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth || 340, H = canvas.clientHeight || 200;
    canvas.width = W * dpr; canvas.height = H * dpr;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    if (!this.data) return;
    const series = this.data.series;
    const t = series.map((o) => Date.parse(o.date));
    const year = new Date(t[0] || Date.now()).getUTCFullYear();
    const t0 = Date.UTC(year, 0, 1), t1 = Date.UTC(year + 1, 0, 1);
    this.x = (ms) => PAD.l + ((ms - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
    const split = PAD.t + (H - PAD.t - PAD.b - PAD.gap) * 0.5;
    const top = { y0: PAD.t, y1: split, lo: -1, hi: 1, ticks: [-1, 0, 1] };
    const bottom = { y0: split + PAD.gap, y1: H - PAD.b, lo: 0, hi: this.maxReflectance(bands), ticks: [] };
    bottom.ticks = [0, bottom.hi / 2, bottom.hi];
    const y = (ax, v) => ax.y1 - ((v - ax.lo) / (ax.hi - ax.lo)) * (ax.y1 - ax.y0);

    ctx.font = "10px system-ui, sans-serif";
    series.forEach((o, i) => { // cloudy / unusable dates: a grey band across both axes
      if (o.valid) return;
      ctx.fillStyle = "rgba(148,163,184,.16)";
      ctx.fillRect(this.x(t[i]) - 3, PAD.t, 6, H - PAD.t - PAD.b);
    });
    for (const ax of [top, bottom]) {
      ctx.strokeStyle = "#334155"; ctx.lineWidth = 1; ctx.fillStyle = "#a3adbb";
      for (const v of ax.ticks) {
        ctx.beginPath(); ctx.moveTo(PAD.l, y(ax, v)); ctx.lineTo(W - PAD.r, y(ax, v)); ctx.stroke();
        ctx.fillText(ax === top ? v.toFixed(0) : v.toFixed(2), 2, y(ax, v) + 3);
      }
    }
    ctx.fillStyle = "#a3adbb";
    "JFMAMJJASOND".split("").forEach((m, i) => ctx.fillText(m, this.x(Date.UTC(year, i, 15)) - 3, H - 4));
    const mark = (ms, color) => {
      ctx.strokeStyle = color; ctx.lineWidth = 1; ctx.beginPath();
      ctx.moveTo(this.x(ms), PAD.t); ctx.lineTo(this.x(ms), H - PAD.b); ctx.stroke();
    };
    if (currentDate) mark(Date.parse(currentDate), "#ffeb3b");
    if (this.hover != null) mark(t[this.hover], "#e2e8f0");

    const line = (ax, values, color) => {
      ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
      let started = false;
      values.forEach((v, i) => {
        if (v == null || !series[i].valid) return; // the line joins usable observations only
        if (started) ctx.lineTo(this.x(t[i]), y(ax, v)); else { ctx.moveTo(this.x(t[i]), y(ax, v)); started = true; }
      });
      ctx.stroke();
      values.forEach((v, i) => {
        if (v == null) return;
        ctx.beginPath(); ctx.arc(this.x(t[i]), y(ax, v), 2.5, 0, 2 * Math.PI);
        if (series[i].valid) ctx.fill(); else { ctx.strokeStyle = "#94a3b8"; ctx.stroke(); ctx.strokeStyle = color; }
      });
    };
    line(top, series.map((o) => o.ndvi), INDEX_COLORS.NDVI);
    line(top, series.map((o) => o.ndwi), INDEX_COLORS.NDWI);
    for (const b of bands) line(bottom, this.band(b), BAND_COLORS[b] || "#94a3b8");
    this.legend(ctx, W, [["NDVI", INDEX_COLORS.NDVI], ["NDWI", INDEX_COLORS.NDWI]], top.y0 + 9);
    this.legend(ctx, W, bands.map((b) => [b, BAND_COLORS[b] || "#94a3b8"]), bottom.y0 + 9);
    this.showReadout(bands);
  }

  band(name) {
    const i = this.data.bands.indexOf(name);
    return this.data.series.map((o) => (i < 0 ? null : o.reflectance[i]));
  }

  maxReflectance(bands) {
    const values = bands.flatMap((b) => this.band(b)).filter((v) => v != null);
    return Math.max(0.1, Math.ceil(Math.max(0, ...values) * 10) / 10);
  }

  legend(ctx, W, items, yPos) {
    let lx = W - PAD.r;
    for (const [name, color] of [...items].reverse()) {
      lx -= ctx.measureText(name).width + 6;
      ctx.fillStyle = color; ctx.fillText(name, lx, yPos);
    }
  }

  showReadout(bands) {
    if (!this.readout) return;
    const i = this.hover;
    if (i == null) { this.readout.textContent = "Hover the plot for a date's values."; return; }
    const o = this.data.series[i];
    const f = (v, d = 2) => (v == null ? "—" : v.toFixed(d));
    const refl = bands.map((b) => `${b} ${f(this.band(b)[i], 3)}`).join(" · ");
    this.readout.textContent = `${o.date}${o.valid ? "" : " (cloudy / unusable)"} · NDVI ${f(o.ndvi)} · NDWI ${f(o.ndwi)}`
      + (refl ? ` · ${refl}` : "");
  }
}
