// Opening a task: its annotation, first image and scenes (the first draw does not wait for the scene list), the
// work that follows (guess, thumbnails, queue, overview), leaving it safely, and what the header and panel say.
import { api, readResponse } from "./api.js";
import { backupClear } from "./backup.js";
import { config, N } from "./config.js";
import { renderExpertPanel } from "./expert.js";
import { LayerCache } from "./imagery.js";
import { fromRows } from "./labels.js";
import { $, afterPaint, banner, clock, CONTEXTS, minimap, queue, stage, state, timeline } from "./page.js";
import { loadQueue } from "./progress.js";
import { setSaveStatus, showSessionError } from "./saving.js";
import { TaskSession } from "./session.js";
import { changed, discardChanges } from "./editing.js";
import { drawOverview, prefetchAround, setPreset, showScene } from "./view.js";


// The template starts the first task's calls before the modules load (window.LCNET_EARLY); they are used once.
export function takeEarly(id) {
  const early = window.LCNET_EARLY;
  window.LCNET_EARLY = null;
  return early && early.task === id ? early : null;
}

// Leave the open task: its labels saved (or the user told why not, with a way out), its active time sent.
export async function leaveTask() {
  const s = state.session;
  if (!s) return true;
  await s.save({ leaving: true });
  if (s.dirty) {
    banner.show("error", `Task ${state.task.id} has changes the server has not got yet; they stay here until it does.`,
      [["Retry", () => s.save({ leaving: true })], ["Discard my changes", () => discardChanges()]], { id: "leave" });
    return false;
  }
  clock.stop();
  s.close();
  return true;
}

// Opening a task draws its labels and first image as soon as those two arrive; the scene list (timeline) follows.
// "lcnet:open-task" ends when the canvas is drawn and takes input, "lcnet:timeline-ready" when the dates are in.
export async function openTask(id, { submittedAt = null } = {}) {
  const t0 = performance.now();
  if (!(await leaveTask())) return;
  banner.remove("task"); banner.remove("leave");
  let next = id;
  if (next == null) {
    try {
      next = (await api.nextTask())?.id ?? null; // MyTaskOut, or 204 (null) when nothing is left
    } catch (err) {
      document.body.dataset.ready = "error";
      setTitle("No task open", "");
      return banner.show("error", `Could not get your next task: ${err.message}`, [["Retry", () => openTask(id)]], { id: "task" });
    }
    if (next == null) return showDone();
  }
  const early = takeEarly(next);
  const annP = early ? readResponse(early.annotation) : api.annotation(next);
  const scenesP = early ? readResponse(early.scenes) : api.scenes(next);
  scenesP.catch(() => {}); // reported below, after the annotation's own error if any
  const cache = new LayerCache(next, state.cloudStyle);
  const imgP = cache.get(state.layer, state.scenes.length ? state.pos : 0, CONTEXTS[0], state.cloudStyle === "none" && early && early.image);
  imgP.catch(() => {});
  let ann;
  try {
    ann = await annP;
  } catch (err) {
    const text = err.status === 404 ? `Task ${next} does not exist or is not one of your tasks.` : err.message;
    Object.assign(state, { task: null, session: null, cache: null });
    stage.clearImage(text);
    setTitle(err.status === 404 ? `Task ${next} is not available` : `Task ${next} could not be opened`, "");
    document.body.dataset.ready = "error";
    return banner.show("error", text, [], { id: "task" });
  }
  const sameChip = state.task && state.task.chip === ann.chip;
  const task = { id: next, chip: ann.chip };
  const pos = sameChip ? state.pos : 0; // the same chip keeps the date the annotator was looking at
  Object.assign(state, { task, cache, pos, profileAt: null, guess: null, work: null, editConfirmed: false });
  if (!sameChip) state.scenes = [];
  state.history.clear();
  state.session = new TaskSession(next, ann, { user: config.user.name, n: N, onStatus: setSaveStatus, onError: showSessionError });
  history.replaceState(null, "", `?task=${next}`);
  queue.select(next);
  setTitle(`Task ${next}`, where(ann.chip));
  renderReadOnly();
  renderGuessNote();
  $("#hover").textContent = "hover a pixel";
  stage.drawLabels(state.session.labels);
  setSaveStatus(state.session.frozen ? "frozen" : state.session.status === "submitted" ? "submitted" : "saved");
  const interactive = async () => {
    await afterPaint();
    performance.measure("lcnet:open-task", { start: t0, end: performance.now(), detail: { task: next } });
    if (submittedAt != null) { // what the annotator feels: Enter → submit → the next task ready
      performance.measure("lcnet:submit-to-next", { start: submittedAt, end: performance.now() });
    }
    if (!document.body.dataset.ready) performance.measure("lcnet:page-interactive", { start: 0, end: performance.now() });
  };
  let drawn = false;
  try { stage.showImage(await imgP); drawn = true; } catch { /* retried below */ }
  if (drawn) await interactive();
  offerBackup(state.session);
  let scenesData;
  try {
    scenesData = await scenesP; // ScenesOut
  } catch (err) {
    document.body.dataset.ready = "error";
    return banner.show("error", `Could not list the task's scenes: ${err.message}`, [], { id: "task" });
  }
  if (state.task !== task) return; // the user moved on
  placeTask(scenesData);
  state.scenes = scenesData.scenes;
  timeline.render(state.scenes);
  if (!state.scenes.length) {
    stage.clearImage("This task's chip has no imagery yet.");
    banner.show("error", "This task's chip has no scenes: there is nothing to label from yet.", [], { id: "task" });
  } else {
    state.pos = Math.min(pos, state.scenes.length - 1);
    await showScene(state.pos, { measure: false });
    if (!drawn) await interactive();
  }
  performance.measure("lcnet:timeline-ready", { start: t0, end: performance.now(), detail: { task: next } });
  document.body.dataset.ready = String(next); // tests and the bench wait on this
  afterOpen(task, ann);
}

// The task's offset in the chip (ScenesOut.task_window: row_off, col_off, h, w); the camera keeps what it shows.
export function placeTask(scenesData) {
  const [row, col] = scenesData.task_window;
  const cam = stage.camera;
  const dr = row - cam.origin.row, dc = col - cam.origin.col;
  state.origin = { row, col };
  $("#task-where").textContent = where(state.task.chip, row / N, col / N);
  stage.setOrigin(state.origin);
  cam.cx += dc; cam.cy += dr;
  setPreset(state.preset, { load: false });
}

// Where the task's guess came from (TaskGuessOut names its source and run), under the image.
function showGuessSource(g) {
  const el = document.getElementById("guess-source");
  if (!el) return;
  el.textContent = g ? `guess: ${g.source_label}${g.run ? ` (run ${g.run})` : ""}` : "";
  el.dataset.source = g ? g.source : "";
}

// Work that need not block the first draw: guess, work record, thumbnails, prefetch, task list, overview.
export function afterOpen(task, ann) {
  showGuessSource(null);
  if (ann.has_guess) { // a chip without a guess label: asking would only log a 404
    api.guess(task.id).then((g) => { // TaskGuessOut
      if (state.task !== task) return;
      state.guess = fromRows(g.labels);
      stage.setMode({ guess: state.guess });
      showGuessSource(g);
    }).catch(() => {});
  }
  if (!state.session.frozen) clock.start(task.id);
  api.work(task.id).then((w) => { if (state.task === task) { state.work = w; renderFlag(); } }).catch(() => {});
  prefetchAround();
  const cache = state.cache;
  state.scenes.forEach((_, pos) => cache.get(config.layers[0].id, pos, CONTEXTS[0])
    .then((img) => { if (state.cache === cache) timeline.thumbnail(pos, img.bitmap); }).catch(() => {}));
  drawOverview();
  minimap.loadLabels(task.id);
  loadQueue(task);
  if (config.user.expert) renderExpertPanel($("#expert-panel"), { onOpen: (id) => openTask(id), currentId: task.id });
}

// Labels this browser kept but the server never got (the tab was killed, the network was down): offer them back.
export function offerBackup(session) {
  const b = session.backup;
  if (!b || session.frozen) return;
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

export function showDone() {
  Object.assign(state, { task: null, session: null });
  stage.clearImage("No tasks left for you. Thank you!");
  setTitle("All done", "");
  banner.show("info", "You have no pending tasks.", [], { id: "task", timeout: 0 });
  document.body.dataset.ready = "done";
}

// "chip X · task row r, col c", and for experts that it is a reference task (annotators never learn which are).
function where(chip, row = null, col = null) {
  return `chip ${chip}` + (row == null ? "" : ` · task row ${row}, col ${col}`)
    + (config.user.expert ? " · reference task" : "");
}

export function setTitle(title, where) {
  $("#task-title").textContent = title;
  $("#task-where").textContent = where;
}

// Frozen means read only: no tool paints, Submit is disabled and the header says why.
export function renderReadOnly() {
  const frozen = state.session.frozen;
  document.body.dataset.readonly = frozen ? "frozen" : "";
  $("#submit").disabled = frozen;
  $("#readonly").textContent = frozen ? "Read only: this chip's labels are final (frozen)." : "";
}

export function renderGuessNote() {
  const s = state.session;
  $("#guess-note").hidden = !s.hasGuess;
  $("#no-guess").hidden = s.hasGuess || s.frozen;
  $("#guess-reset").disabled = !s.hasGuess || s.frozen;
}

export function renderFlag() {
  const w = state.work;
  const reason = config.flagReasons.find((r) => r.id === w?.flag);
  $("#flag-state").textContent = reason ? `Flagged: ${reason.label}${w.comment ? ` — “${w.comment}”` : ""}` : "";
}

