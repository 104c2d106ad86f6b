// What the stage shows: the scene on the current layer at the camera's context, prefetching, the overview, zoom,
// layers, clouds, the label views, and the pixel profile.
import { api } from "./api.js";
import { renderLegend } from "./colorbar.js";
import { config } from "./config.js";
import { markActive } from "./controls.js";
import { $, afterPaint, banner, CONTEXTS, minimap, PRESETS, profile, stage, state, timeline } from "./page.js";

export async function showScene(pos, { measure = true, start = performance.now(), name = "lcnet:date-step" } = {}) {
  if (!state.cache || !state.scenes.length) return;
  pos = Math.max(0, Math.min(state.scenes.length - 1, pos));
  state.pos = pos;
  timeline.select(pos);
  showSceneInfo(pos);
  const token = ++state.drawToken;
  try {
    const img = await state.cache.get(state.layer, pos, stage.camera.contextFor(CONTEXTS));
    if (token !== state.drawToken) return; // a later step won
    stage.showImage(img);
  } catch (err) {
    if (token === state.drawToken) banner.show("error", `Could not draw ${err.message}`, [], { id: "layer" });
    return;
  }
  if (measure) {
    await afterPaint();
    performance.measure(name, { start, end: performance.now(), detail: { layer: state.layer, scene: pos } });
  }
  if (state.profileAt?.series) drawProfileNow();
  prefetchAround();
  drawOverview();
}

export function showSceneInfo(pos) {
  const s = state.scenes[pos];
  $("#scene-info").textContent = `${s.date} · cloud ${Math.round(s.cloud_fraction * 100)}% · ${pos + 1}/${state.scenes.length}`;
}

export function prefetchAround() {
  const n = state.scenes.length, p = state.pos, ctx = stage.camera.contextFor(CONTEXTS);
  const near = [p + 1, p - 1, p + 2, p - 2].filter((i) => i >= 0 && i < n);
  state.cache.prefetch(state.layer, near, ctx);
  const rest = [...Array(n).keys()].filter((i) => !near.includes(i) && i !== p); // then the rest, when idle
  (window.requestIdleCallback || setTimeout)(() => state.cache?.prefetch(state.layer, rest, ctx));
}

export async function drawOverview() {
  const cache = state.cache;
  try {
    const img = await cache.get(state.layer, state.pos, CONTEXTS[CONTEXTS.length - 1]);
    if (cache === state.cache) minimap.setImage(img, state.origin);
  } catch { /* the main view reports layer errors */ }
}

// The camera moved (pan, wheel, keys): place the canvases now, fetch a wider image if the view needs one.
// "lcnet:frame" is the work of one camera move: canvases placed, overlay drawn, style and layout done (read back).
export function cameraMoved(evt, { settled = false } = {}) {
  const start = performance.now();
  stage.apply();
  void stage.labels.offsetLeft; // forces the style and layout the move caused, so they are in the measure
  performance.measure("lcnet:frame", { start, end: performance.now() });
  const ctx = stage.camera.contextFor(CONTEXTS);
  if (settled || !state.cache?.has(state.layer, state.pos, ctx)) showScene(state.pos, { measure: false });
}

export function setPreset(i, { load = true } = {}) {
  state.preset = Math.max(0, Math.min(PRESETS.length - 1, i));
  stage.camera.frame(PRESETS[state.preset]);
  markActive("button[data-zoom]", (b) => Number(b.dataset.zoom) === state.preset);
  stage.apply();
  if (load) showScene(state.pos, { name: "lcnet:zoom" });
}

export function zoomStep(dir) { stage.camera.step(dir); cameraMoved(null, { settled: true }); }

export function setLayer(id) {
  const layer = config.layers.find((l) => l.id === id);
  if (!layer) return;
  state.layer = id;
  markActive("button[data-layer]", (b) => b.dataset.layer === id);
  renderLegend($("#legend"), layer);
  showScene(state.pos, { name: "lcnet:layer-switch" });
}

// Cloudy pixels (from SCL or the cloud mask) hatched in magenta, or not.
export function toggleClouds() {
  state.cloudStyle = state.cloudStyle === "none" ? "hatch" : "none";
  markActive("#clouds", () => state.cloudStyle !== "none");
  if (!state.cache) return;
  state.cache.cloudStyle = state.cloudStyle;
  showScene(state.pos, { name: "lcnet:layer-switch" });
}

export function setView(changes) {
  Object.assign(state, changes);
  stage.setLabelOpacity(state.opacity);
  stage.setMode({ labels: state.showLabels, outline: state.outline, pixelGrid: state.pixelGrid, diff: state.diff });
  $("#labels-visible").checked = state.showLabels;
  markActive("#outline", () => state.outline);
  markActive("#pixel-grid", () => state.pixelGrid);
  markActive("#diff", () => state.diff);
}

// May the page change the open task's labels now? Frozen: never. Submitted: once the annotator said so.
export async function loadProfile(r, c) {
  state.profileAt = { r, c, series: null };
  $("#profile-title").textContent = `Pixel row ${r}, col ${c}: loading…`;
  try {
    state.profileAt.series = await api.series(state.task.id, r, c); // SeriesOut
    profile.set(state.profileAt.series);
    drawProfileNow();
  } catch (err) {
    $("#profile-title").textContent = `Pixel row ${r}, col ${c}`;
    banner.show("error", `Pixel profile: ${err.message}`, [], { id: "profile" });
  }
}

export function drawProfileNow() {
  const p = state.profileAt;
  if (!p?.series) return;
  const bands = [...document.querySelectorAll("[data-band]:checked")].map((b) => b.dataset.band);
  $("#profile-title").textContent = `Pixel row ${p.r}, col ${p.c}: NDVI and NDWI (top), reflectance (bottom); grey = cloudy`;
  profile.draw({ bands, currentDate: state.scenes[state.pos]?.date });
}

