// The labeling page: wires the task session, the layer cache, the stage, the timeline and the keyboard together.
// Timings go to the browser's performance timeline (measures "lcnet:open-task", "lcnet:page-interactive",
// "lcnet:date-step") for bench/labeling_page.py.
import { api, readResponse, request } from "./api.js";
import { backupClear } from "./backup.js";
import { Banner } from "./banner.js";
import { LayerCache } from "./imagery.js";
import { keymap, keyName, renderHelp } from "./keys.js";
import { History, fillRect, floodFill, fromRows, inside, paintLine, SIZE } from "./labels.js";
import { drawProfile, normalizeSeries } from "./profile.js";
import { TaskSession } from "./session.js";
import { Stage } from "./stage.js";
import { Timeline, normalizeScenes } from "./timeline.js";

performance.mark("lcnet:script-start");
const config = JSON.parse(document.getElementById("lcnet-config").textContent);
const palette = Object.fromEntries(config.classes.map((c) => [c.code, c.color]));
const className = Object.fromEntries(config.classes.map((c) => [c.code, c.name]));
const CONTEXTS = [0, 8, 32, 96, config.chipSize - config.taskSize]; // the last one always shows the whole chip
const CHIP_CONTEXT = CONTEXTS[CONTEXTS.length - 1];
const BRUSHES = [1, 3, 5];

const $ = (sel) => document.querySelector(sel);
const stage = new Stage($("#stage"), palette);
const banner = new Banner($("#banners"));
const timeline = new Timeline($("#timeline"), (pos) => showScene(pos));
const keys = keymap(config);

const state = {
  task: null, session: null, cache: null, scenes: [], pos: 0, guess: null, history: new History(),
  layer: config.layers[0].id, cloud: "none", zoom: 0, tool: "brush", brush: 1, cls: 1, showLabels: true, opacity: 0.55,
  drag: null, busy: false, drawToken: 0, profileAt: null,
};

const afterPaint = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));

// ---------------------------------------------------------------- opening a task

// The task's offset in the chip: from the scenes payload's task_window (row_off, col_off, h, w).
function taskOrigin(task, scenesData) {
  const w = scenesData?.task_window;
  if (w) return { row: w[0], col: w[1] };
  return { row: (task.row ?? 0) * config.taskSize, col: (task.col ?? 0) * config.taskSize };
}

// The template starts the first task's calls before the modules load (window.LCNET_EARLY); they are used once.
function takeEarly(id) {
  const early = window.LCNET_EARLY;
  window.LCNET_EARLY = null;
  return early && early.task === id ? early : null;
}

// Opening a task draws its labels and first image as soon as those two arrive; the scene list (timeline) follows.
// "lcnet:open-task" ends when the canvas is drawn and takes input, "lcnet:timeline-ready" when the dates are in.
async function openTask(id, { submittedAt = null } = {}) {
  const t0 = performance.now();
  if (state.session) {
    await state.session.save();
    if (state.session.dirty) { // never drop unsaved labels by moving on
      return banner.show("error", `Task ${state.task.id} has unsaved labels; resolve the message above first.`,
        [], { id: "leave" });
    }
    state.session.close();
  }
  banner.remove("task");
  let task;
  try {
    task = id ? { id } : await api.nextTask();
  } catch (err) {
    if (err.status === 404 || err.status === 204) return showDone();
    document.body.dataset.ready = "error";
    setTitle("No task open", "");
    return banner.show("error", `Could not get your next task: ${err.message}`, [["Retry", () => openTask(id)]], { id: "task" });
  }
  task = task?.task || task;
  if (!task || task.id == null) return showDone();
  const early = takeEarly(task.id);
  const annP = early ? readResponse(early.annotation) : api.annotation(task.id);
  const scenesP = early ? readResponse(early.scenes) : api.scenes(task.id);
  scenesP.catch(() => {}); // reported below, after the annotation's own error if any
  // Same chip as the last task: stay on the date the annotator was looking at; a new chip starts at its first.
  const pos = state.task && task.chip != null && state.task.chip === task.chip ? state.pos : 0;
  const cache = new LayerCache(task.id, taskOrigin(task, null), state.cloud);
  const imgP = cache.get(state.layer, pos, CONTEXTS[state.zoom], state.cloud === "none" && early && early.image);
  imgP.catch(() => {});
  let ann;
  try {
    ann = await annP;
  } catch (err) {
    const text = err.status === 404 ? `Task ${task.id} does not exist or is not one of your tasks.` : err.message;
    state.task = null; state.session = null; state.cache = null;
    stage.clearImage(text);
    setTitle(err.status === 404 ? `Task ${task.id} is not available` : `Task ${task.id} could not be opened`, "");
    document.body.dataset.ready = "error";
    return banner.show("error", text, [], { id: "task" });
  }
  Object.assign(state, { task, cache, pos, scenes: [], profileAt: null });
  state.history.clear();
  state.session = new TaskSession(task.id, ann, { user: config.user.name, onStatus: setSaveStatus, onError: showSessionError });
  history.replaceState(null, "", `?task=${task.id}`);
  renderTaskInfo(ann);
  $("#hover").textContent = "hover a pixel";
  timeline.render([]);
  stage.drawLabels(state.session.labels);
  setSaveStatus(state.session.status === "submitted" ? "submitted" : "saved");
  const interactive = async () => {
    await afterPaint();
    performance.measure("lcnet:open-task", { start: t0, end: performance.now(), detail: { task: task.id } });
    if (submittedAt != null) { // what the annotator feels: Enter → submit → the next task ready
      performance.measure("lcnet:submit-to-next", { start: submittedAt, end: performance.now() });
    }
    if (!document.body.dataset.ready) performance.measure("lcnet:page-interactive", { start: 0, end: performance.now() });
  };
  let drawn = false;
  try { stage.showImage(await imgP); stage.root.dataset.message = ""; drawn = true; } catch { /* retried below */ }
  if (drawn) await interactive();
  offerBackup(state.session);
  let scenesData;
  try {
    scenesData = await scenesP;
  } catch (err) {
    document.body.dataset.ready = "error";
    return banner.show("error", `Could not list the task's scenes: ${err.message}`, [], { id: "task" });
  }
  if (state.task !== task) return; // the user moved on
  const origin = taskOrigin(task, scenesData);
  cache.origin = origin;
  task.chip = scenesData.chip ?? task.chip;
  task.row = origin.row / config.taskSize; task.col = origin.col / config.taskSize;
  renderTaskInfo(ann);
  state.scenes = normalizeScenes(scenesData);
  timeline.render(state.scenes);
  if (!state.scenes.length) {
    stage.clearImage("This task's chip has no imagery yet.");
    banner.show("error", "This task's chip has no scenes: there is nothing to label from yet.", [], { id: "task" });
  } else if (drawn && pos < state.scenes.length) {
    timeline.select(pos);
    showSceneInfo(pos);
  } else {
    await showScene(Math.min(pos, state.scenes.length - 1), { measure: false });
    await interactive();
  }
  performance.measure("lcnet:timeline-ready", { start: t0, end: performance.now(), detail: { task: task.id } });
  document.body.dataset.ready = String(task.id); // tests and the bench wait on this
  afterOpen(task, ann);
}

// Work that need not block the first draw: guess (hover info), thumbnails, prefetch, minimap, progress.
function afterOpen(task, ann) {
  state.guess = null;
  if (ann.has_guess !== false) { // a chip without a guess label: asking would only log a 404
    api.guess(task.id).then((g) => { if (state.task === task) state.guess = fromRows(g.labels || g.guess || g); })
      .catch(() => { state.guess = null; });
  }
  prefetchAround();
  const cache = state.cache;
  state.scenes.forEach((_, pos) => cache.get(config.layers[0].id, pos, 0)
    .then((img) => { if (state.cache === cache) timeline.thumbnail(pos, img.bitmap); }).catch(() => {}));
  drawMinimap();
  loadProgress(task);
}

// Labels this browser kept but the server never got (the tab was killed, the network was down): offer them back.
function offerBackup(session) {
  const b = session.backup;
  if (!b) return;
  const when = new Date(b.at).toLocaleString();
  banner.show("warn", `This browser kept unsaved labels for this task from ${when}. Restore them?`, [
    ["Restore", () => {
      if (state.session !== session) return;
      state.history.record(session.labels);
      session.labels.set(b.labels);
      changed(1);
    }],
    ["Discard", () => backupClear(config.user.name, session.taskId)],
  ], { id: "backup" });
}

function showDone() {
  state.task = null;
  const elsewhere = $("#elsewhere"); // links for admins and exporters, rendered by the server
  if (elsewhere) elsewhere.hidden = false;
  if (config.user.labeler) {
    stage.clearImage("No tasks left for you. Thank you!");
    setTitle("All done", "");
    banner.show("info", "You have no pending tasks.", [], { id: "task", timeout: 0 });
  } else {
    stage.clearImage("Nothing to label with this account.");
    setTitle("No labeling work", "labeling is for annotators and experts");
  }
  document.body.dataset.ready = "done";
}

function setTitle(title, where) {
  $("#task-title").textContent = title;
  $("#task-where").textContent = where;
}

function renderTaskInfo(ann) {
  const t = state.task;
  setTitle(`Task ${t.id}`, `chip ${t.chip} · task row ${t.row}, col ${t.col}`
    + (config.user.expert ? " · reference task" : "") + (ann.frozen ? " · frozen (read only)" : ""));
}

// "Task k of 64 in this chip" from the chip's task list; "chips left" (frozen chips have none) walks all pages of
// the caller's tasks, so it is refreshed only when the chip changes.
async function loadProgress(task) {
  const el = $("#progress");
  try {
    const mine = await api.myTasks(`?chip=${encodeURIComponent(task.chip)}`);
    const inChip = mine.results || mine;
    const done = inChip.filter((x) => x.status === "submitted" && x.id !== task.id).length;
    if (state.progressChip !== task.chip) {
      state.progressChip = task.chip;
      state.chipsLeft = await chipsLeft();
    }
    const left = state.chipsLeft;
    el.textContent = `Task ${done + 1} of ${inChip.length} in this chip · ${left} chip${left === 1 ? "" : "s"} with work left`;
  } catch (err) {
    el.textContent = `progress unavailable (${err.message})`;
  }
}

async function chipsLeft() {
  const open = new Set();
  let url = "/api/me/tasks/?page_size=1000";
  while (url) {
    const page = await request("GET", url);
    (page.results || page).forEach((x) => { if (x.status !== "submitted" && !x.frozen) open.add(x.chip); });
    url = page.next || null;
  }
  return open.size;
}

// ---------------------------------------------------------------- imagery

async function showScene(pos, { measure = true, start = performance.now(), name = "lcnet:date-step" } = {}) {
  if (!state.cache || !state.scenes.length) return;
  pos = Math.max(0, Math.min(state.scenes.length - 1, pos));
  state.pos = pos;
  timeline.select(pos);
  showSceneInfo(pos);
  const token = ++state.drawToken;
  try {
    const img = await state.cache.get(state.layer, pos, CONTEXTS[state.zoom]);
    if (token !== state.drawToken) return; // a later step won
    stage.showImage(img);
    stage.root.dataset.message = "";
  } catch (err) {
    if (token === state.drawToken) banner.show("error", err.message, [], { id: "layer" });
    return;
  }
  if (measure) {
    await afterPaint();
    performance.measure(name, { start, end: performance.now(), detail: { layer: state.layer, scene: pos } });
  }
  if (state.profileAt) drawProfileNow();
  prefetchAround();
  drawMinimap();
}

function showSceneInfo(pos) {
  const s = state.scenes[pos];
  $("#scene-info").textContent = `${s.date} · cloud ${Math.round(s.cloud * 100)}% · ${pos + 1}/${state.scenes.length}`;
}

function prefetchAround() {
  const n = state.scenes.length, p = state.pos, ctx = CONTEXTS[state.zoom];
  const near = [p + 1, p - 1, p + 2, p - 2].filter((i) => i >= 0 && i < n);
  state.cache.prefetch(state.layer, near, ctx);
  // then the rest of the year on this layer, when the browser is idle
  const rest = [...Array(n).keys()].filter((i) => !near.includes(i) && i !== p);
  (window.requestIdleCallback || setTimeout)(() => state.cache?.prefetch(state.layer, rest, ctx));
}

async function drawMinimap() {
  const canvas = $("#minimap");
  const cache = state.cache;
  try {
    const { bitmap, box } = await cache.get(state.layer, state.pos, CHIP_CONTEXT);
    if (cache !== state.cache) return;
    const k = canvas.width / Math.max(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(bitmap, 0, 0, bitmap.width * k, bitmap.height * k);
    ctx.strokeStyle = "#ffeb3b"; ctx.lineWidth = 2;
    ctx.strokeRect(box.col * k, box.row * k, config.taskSize * k, config.taskSize * k);
  } catch { /* the main view reports layer errors */ }
}

function setLayer(id) {
  if (!config.layers.some((l) => l.id === id)) return;
  state.layer = id;
  document.querySelectorAll("[data-layer]").forEach((b) => b.classList.toggle("active", b.dataset.layer === id));
  showScene(state.pos, { name: "lcnet:layer-switch" });
}

// Cloudy pixels (from SCL or the cloud mask) hatched in magenta, or not.
function toggleClouds() {
  state.cloud = state.cloud === "none" ? "hatch" : "none";
  $("#clouds").classList.toggle("active", state.cloud !== "none");
  if (!state.cache) return;
  state.cache.cloud = state.cloud;
  showScene(state.pos, { name: "lcnet:layer-switch" });
}

function setZoom(idx) {
  state.zoom = Math.max(0, Math.min(CONTEXTS.length - 1, idx));
  document.querySelectorAll("[data-zoom]").forEach((b) => b.classList.toggle("active", Number(b.dataset.zoom) === state.zoom));
  showScene(state.pos, { name: "lcnet:zoom" });
}

// ---------------------------------------------------------------- editing

function setTool(tool) {
  state.tool = tool;
  document.querySelectorAll("[data-tool]").forEach((b) => b.classList.toggle("active", b.dataset.tool === tool));
  stage.root.dataset.tool = tool;
}

function setBrush(size) {
  state.brush = size;
  document.querySelectorAll("[data-brush]").forEach((b) => b.classList.toggle("active", Number(b.dataset.brush) === size));
}

function setClass(code) {
  if (!(code in className)) return;
  state.cls = code;
  document.querySelectorAll("[data-cls]").forEach((b) => b.classList.toggle("active", Number(b.dataset.cls) === code));
  $("#current-class").textContent = className[code];
}

function setLabels(visible, opacity = state.opacity) {
  state.showLabels = visible; state.opacity = opacity;
  stage.setLabelOpacity(opacity, visible);
  $("#labels-visible").checked = visible;
}

function changed(n) {
  if (!n) return;
  stage.drawLabels(state.session.labels);
  state.session.edited();
}

function beginEdit() { state.history.record(state.session.labels); }

function undoRedo(which) {
  const s = state.session;
  if (!s) return;
  const grid = which === "undo" ? state.history.undo(s.labels) : state.history.redo(s.labels);
  if (!grid) return;
  s.labels.set(grid);
  changed(1);
}

function onPointerDown(evt) {
  if (!state.session || evt.button !== 0) return;
  const p = stage.toTaskPixel(evt);
  if (!inside(p.r, p.c)) return;
  const tool = evt.altKey ? "pick" : evt.shiftKey ? "profile" : state.tool;
  const g = state.session.labels;
  if (tool === "pick") return setClass(g[p.r * SIZE + p.c]);
  if (tool === "profile") return loadProfile(p.r, p.c);
  if (state.task.frozen) {
    return banner.show("warn", "This chip's labels are final (frozen): the task is read only.", [], { id: "frozen" });
  }
  if (tool === "fill") {
    beginEdit();
    const n = floodFill(g, p.r, p.c, state.cls);
    if (!n) state.history.drop();
    return changed(n);
  }
  stage.overlay.setPointerCapture(evt.pointerId);
  beginEdit();
  state.drag = { tool, start: p, last: p, n: 0 };
  if (tool === "brush") { state.drag.n += paintLine(g, p.r, p.c, p.r, p.c, state.brush, state.cls); changed(state.drag.n); }
}

function onPointerMove(evt) {
  if (!state.session) return;
  const p = stage.toTaskPixel(evt);
  showHover(p);
  const d = state.drag;
  if (d?.tool === "brush") {
    const n = paintLine(state.session.labels, d.last.r, d.last.c, p.r, p.c, state.brush, state.cls);
    d.n += n; d.last = p; changed(n);
  }
  if (d?.tool === "rect") stage.setCursor({ rect: [d.start.r, d.start.c, clampPx(p.r), clampPx(p.c)] });
  else stage.setCursor(inside(p.r, p.c) && ["brush", "fill", "pick", "profile"].includes(state.tool)
    ? { r: p.r, c: p.c, size: state.tool === "brush" ? state.brush : 1 } : null);
}

const clampPx = (v) => Math.max(0, Math.min(SIZE - 1, v));

function onPointerUp(evt) {
  const d = state.drag;
  if (!d) return;
  state.drag = null;
  if (d.tool === "rect") {
    const p = stage.toTaskPixel(evt);
    d.n = fillRect(state.session.labels, d.start.r, d.start.c, clampPx(p.r), clampPx(p.c), state.cls);
    changed(d.n);
    stage.setCursor(null);
  }
  if (!d.n) state.history.drop(); // a click that changed nothing is no undo step
}

function showHover(p) {
  const el = $("#hover");
  if (!inside(p.r, p.c)) { el.textContent = "outside the task"; return; }
  const i = p.r * SIZE + p.c;
  const guess = state.guess ? className[state.guess[i]] : "—";
  el.textContent = `row ${p.r}, col ${p.c} · label: ${className[state.session.labels[i]]} · guess: ${guess}`;
}

// ---------------------------------------------------------------- profile

async function loadProfile(r, c) {
  state.profileAt = { r, c, series: null };
  $("#profile-title").textContent = `Pixel row ${r}, col ${c}: loading…`;
  try {
    const data = await api.series(state.task.id, r, c);
    state.profileAt.series = normalizeSeries(data, config.bands);
    drawProfileNow();
  } catch (err) {
    $("#profile-title").textContent = `Pixel row ${r}, col ${c}`;
    banner.show("error", `Pixel profile: ${err.message}`, [], { id: "profile" });
  }
}

function drawProfileNow() {
  const p = state.profileAt;
  if (!p?.series) return;
  const bands = [...document.querySelectorAll("[data-band]:checked")].map((b) => b.dataset.band);
  $("#profile-title").textContent = `Pixel row ${p.r}, col ${p.c}: NDVI over the year (hollow = cloudy)`;
  drawProfile($("#profile"), p.series, { bands, invalidScl: config.invalidScl, currentDate: state.scenes[state.pos]?.date });
}

// ---------------------------------------------------------------- saving and submitting

function setSaveStatus(status) {
  const text = { saved: "All changes saved", unsaved: "Unsaved changes", saving: "Saving…", submitting: "Submitting…",
    submitted: "Submitted", conflict: "Conflict — not saved", error: "Not saved" }[status] || status;
  const el = $("#save-status");
  el.textContent = text;
  el.dataset.status = status;
}

function showSessionError(e) {
  const s = state.session;
  if (e.kind === "conflict") {
    const rev = e.current == null ? "a newer revision" : `revision ${e.current}`;
    banner.show("error", `Conflict on ${e.what}: this task was saved elsewhere (the server has ${rev}, `
      + `this page edited revision ${e.mine}). Your labels are still on screen and were not saved.`, [
      ["Keep mine (overwrite)", async () => { await s.overwrite(e.current); if (e.what === "submit") submit(); }],
      ["Load the saved version", () => {
        s.close(); backupClear(config.user.name, s.taskId); state.session = null; openTask(state.task.id);
      }],
    ], { id: "conflict" });
  } else if (e.kind === "frozen") {
    banner.show("error", `Not saved: ${e.message}.`, [], { id: "conflict" });
  } else if (e.kind === "invalid") {
    banner.show("error", `The server did not accept these labels (${e.what}): ${e.message}. `
      + "Nothing was stored; your labels are still on screen.", [], { id: "invalid" });
  } else {
    banner.show("error", `Could not ${e.what}: ${e.message}. Your labels are still on screen.`,
      [["Retry", () => (e.what === "submit" ? submit() : s.save())]], { id: "save-error" });
  }
}

async function submit(start = performance.now()) {
  const s = state.session;
  if (!s || state.busy || s.blocked) return;
  state.busy = true;
  try {
    banner.remove("invalid"); banner.remove("save-error");
    if (await s.submit()) {
      banner.show("info", `Task ${state.task.id} submitted.`);
      await openTask(null, { submittedAt: start });
    }
  } finally { state.busy = false; }
}

// ---------------------------------------------------------------- keyboard and controls

function runAction([name, arg], evt = null) {
  const help = $("#help");
  if (help.open && name !== "help" && name !== "escape") return;
  switch (name) {
    case "layer": return setLayer(arg);
    case "step": return null; // handled in onKey to keep the event time
    case "zoom": return setZoom(state.zoom + arg);
    case "class": return setClass(arg);
    case "tool": return setTool(arg);
    case "brush": return setBrush(BRUSHES[Math.max(0, Math.min(2, BRUSHES.indexOf(state.brush) + arg))]);
    case "toggleLabels": return setLabels(!state.showLabels);
    case "clouds": return toggleClouds();
    case "undo": case "redo": return undoRedo(name);
    case "submit": return submit(evt ? evt.timeStamp : performance.now());
    case "help": return help.open ? help.close() : help.showModal();
    case "escape": state.drag = null; stage.setCursor(null); return help.open && help.close();
  }
}

function onKey(evt) {
  if (evt.target.matches?.("input[type=text], textarea, select")) return;
  const name = keyName(evt);
  const entry = keys.find((k) => k.keys.includes(name));
  if (!entry) return;
  evt.preventDefault();
  if (entry.action[0] === "step") {
    if (!$("#help").open) showScene(state.pos + entry.action[1], { start: evt.timeStamp });
    return;
  }
  runAction(entry.action, evt);
}

function buildControls() {
  $("#classes").replaceChildren(...config.classes.filter((c) => c.code !== 0).map((c) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.cls = c.code; b.className = "class";
    const [r, g, bl] = c.color;
    b.innerHTML = `<i style="background:rgb(${r},${g},${bl})"></i><span></span><kbd>${c.key}</kbd>`;
    b.querySelector("span").textContent = c.name;
    b.addEventListener("click", () => setClass(c.code));
    return b;
  }));
  $("#layers").replaceChildren(...config.layers.map((l, i) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.layer = l.id; b.innerHTML = `<kbd>${i + 1}</kbd> `;
    b.append(l.name);
    b.addEventListener("click", () => setLayer(l.id));
    return b;
  }));
  document.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => setTool(b.dataset.tool)));
  document.querySelectorAll("[data-brush]").forEach((b) => b.addEventListener("click", () => setBrush(Number(b.dataset.brush))));
  document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => setZoom(Number(b.dataset.zoom))));
  document.querySelectorAll("[data-band]").forEach((b) => b.addEventListener("change", drawProfileNow));
  $("#opacity").addEventListener("input", (e) => setLabels(state.showLabels, Number(e.target.value) / 100));
  $("#labels-visible").addEventListener("change", (e) => setLabels(e.target.checked));
  $("#clouds").addEventListener("click", toggleClouds);
  $("#undo").addEventListener("click", () => undoRedo("undo"));
  $("#redo").addEventListener("click", () => undoRedo("redo"));
  $("#submit").addEventListener("click", (e) => submit(e.timeStamp));
  $("#help-button").addEventListener("click", () => runAction(["help"]));
  $("#prev").addEventListener("click", (e) => showScene(state.pos - 1, { start: e.timeStamp }));
  $("#next").addEventListener("click", (e) => showScene(state.pos + 1, { start: e.timeStamp }));
  renderHelp(keys, $("#help"));
  const ov = stage.overlay;
  ov.addEventListener("pointerdown", onPointerDown);
  ov.addEventListener("pointermove", onPointerMove);
  ov.addEventListener("pointerup", onPointerUp);
  ov.addEventListener("pointerleave", () => { if (!state.drag) stage.setCursor(null); });
  document.addEventListener("keydown", onKey);
  // Never lose edits silently: save when the tab hides, and warn if the page closes with unsaved labels.
  document.addEventListener("visibilitychange", () => { if (document.hidden) state.session?.save({ keepalive: true }); });
  window.addEventListener("beforeunload", (e) => {
    if (!state.session?.dirty) return;
    state.session.save({ keepalive: true });
    e.preventDefault(); e.returnValue = "";
  });
  window.addEventListener("resize", () => state.cache && showScene(state.pos, { measure: false }));
}

buildControls();
setTool("brush"); setBrush(1); setClass(config.classes.find((c) => c.code !== 0).code); setLabels(true, state.opacity);
document.querySelector(`[data-layer="${state.layer}"]`)?.classList.add("active");
document.querySelector('[data-zoom="0"]')?.classList.add("active");
window.lcnet = { state, openTask, showScene, setLayer, config }; // for tests and the benchmark
openTask(config.initialTask);
