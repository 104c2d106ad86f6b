// A pixel's year on a small canvas: NDVI (and chosen bands, as reflectance) against the date. Unusable observations
// (the server's `valid` flag, else the SCL invalid codes from imagery.lib.domain) are drawn hollow: an annual class is
// judged on the clear ones.

const BAND_COLORS = { B02: "#3b82f6", B03: "#22c55e", B04: "#ef4444", B08: "#a855f7", B11: "#f59e0b", B12: "#92400e",
  B05: "#f472b6", B06: "#fb7185", B07: "#e879f9", B8A: "#8b5cf6" };

export function normalizeSeries(data, bandNames) {
  const list = Array.isArray(data) ? data : data.series || data.observations || data.scenes || [];
  return list.map((o) => {
    let bands = o.reflectance || o.bands || {};
    if (Array.isArray(bands)) bands = Object.fromEntries(bandNames.map((b, i) => [b, bands[i]]));
    for (const b of bandNames) if (bands[b] === undefined && o[b] !== undefined) bands[b] = o[b];
    const refl = Object.fromEntries(Object.entries(bands).map(([k, v]) => [k, v == null ? null : (v > 2 ? v / 10000 : v)]));
    return { date: o.date, ndvi: o.ndvi ?? null, ndwi: o.ndwi ?? null, scl: o.scl ?? null, valid: o.valid, bands: refl };
  });
}

export function drawProfile(canvas, series, { bands = [], invalidScl = [], currentDate = null, title = "" } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth || 340, H = canvas.clientHeight || 170;
  canvas.width = W * dpr; canvas.height = H * dpr;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const pad = { l: 30, r: 8, t: 16, b: 18 };
  const t = series.map((o) => Date.parse(o.date));
  const year = new Date(t[0] || Date.now()).getUTCFullYear();
  const t0 = Date.UTC(year, 0, 1), t1 = Date.UTC(year + 1, 0, 1);
  const x = (ms) => pad.l + ((ms - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (v) => pad.t + ((1 - v) / 2) * (H - pad.t - pad.b);

  ctx.font = "10px system-ui, sans-serif"; ctx.fillStyle = "#9aa4b2"; ctx.strokeStyle = "#334155"; ctx.lineWidth = 1;
  for (const v of [-1, -0.5, 0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(pad.l, y(v)); ctx.lineTo(W - pad.r, y(v)); ctx.stroke();
    ctx.fillText(v.toFixed(1), 2, y(v) + 3);
  }
  "JFMAMJJASOND".split("").forEach((m, i) => ctx.fillText(m, x(Date.UTC(year, i, 15)) - 3, H - 5));
  if (currentDate) {
    ctx.strokeStyle = "#ffeb3b"; ctx.beginPath();
    ctx.moveTo(x(Date.parse(currentDate)), pad.t); ctx.lineTo(x(Date.parse(currentDate)), H - pad.b); ctx.stroke();
  }
  const clear = (o) => (o.valid === undefined ? !invalidScl.includes(o.scl) : o.valid);
  const line = (values, color) => {
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
    let started = false;
    values.forEach((v, i) => {
      if (v == null || Number.isNaN(v)) return;
      if (!clear(series[i])) return; // the line joins clear observations only
      if (started) ctx.lineTo(x(t[i]), y(v)); else { ctx.moveTo(x(t[i]), y(v)); started = true; }
    });
    ctx.stroke();
    values.forEach((v, i) => {
      if (v == null || Number.isNaN(v)) return;
      ctx.beginPath(); ctx.arc(x(t[i]), y(v), 2.5, 0, 2 * Math.PI);
      if (!clear(series[i])) { ctx.strokeStyle = "#64748b"; ctx.stroke(); ctx.strokeStyle = color; }
      else ctx.fill();
    });
  };
  for (const b of bands) line(series.map((o) => o.bands[b]), BAND_COLORS[b] || "#94a3b8");
  line(series.map((o) => o.ndvi), "#4ade80");
  ctx.fillStyle = "#e2e8f0"; ctx.fillText(title, pad.l, 11);
  let lx = W - pad.r;
  for (const [name, color] of [["NDVI", "#4ade80"], ...bands.map((b) => [b, BAND_COLORS[b] || "#94a3b8"])].reverse()) {
    lx -= ctx.measureText(name).width + 6;
    ctx.fillStyle = color; ctx.fillText(name, lx, 11);
  }
}
