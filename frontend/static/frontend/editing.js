// Changing the open task's labels: tool, brush and class, whether an edit is allowed now (frozen, submitted),
// recording undo steps, fill-all / reset-to-guess, discarding, and the hover read-out.
import { className, N } from "./config.js";
import { markActive } from "./controls.js";
import { $, banner, stage, state } from "./page.js";

export function setTool(tool) {
  state.tool = tool;
  markActive("button[data-tool]", (b) => b.dataset.tool === tool);
  stage.root.dataset.tool = tool;
}

export function setBrush(size) { state.brush = size; markActive("button[data-brush]", (b) => Number(b.dataset.brush) === size); }

export function setClass(code) {
  if (!(code in className) || code === 0) return;
  state.cls = code;
  markActive("button[data-cls]", (b) => Number(b.dataset.cls) === code);
  $("#current-class").textContent = className[code];
  $("#fill-all-class").textContent = className[code];
}

export function canEdit() {
  const s = state.session;
  if (!s) return false;
  if (s.frozen) {
    banner.show("warn", "This chip's labels are final (frozen): the task is read only.", [], { id: "frozen", timeout: 4000 });
    return false;
  }
  if (s.status === "submitted" && !state.editConfirmed) {
    $("#confirm-edit").showModal();
    return false;
  }
  return true;
}

export function changed(n) {
  if (!n) return;
  stage.drawLabels(state.session.labels);
  state.session.edited();
}

export function beginEdit() { state.history.record(state.session.labels); }

export function undoRedo(which) {
  const s = state.session;
  if (!s) return;
  const grid = which === "undo" ? state.history.undo(s.labels) : state.history.redo(s.labels);
  if (!grid) return;
  s.labels.set(grid);
  changed(1);
}

// The whole task back to the guess, or filled with one class (a task without a guess): one undo step each.
export function setAll(source) {
  if (!state.session || !canEdit()) return;
  beginEdit();
  const g = state.session.labels;
  let k = 0;
  for (let i = 0; i < g.length; i++) {
    const v = typeof source === "number" ? source : source[i];
    if (g[i] !== v) { g[i] = v; k++; }
  }
  if (!k) state.history.drop();
  changed(k);
}

export function discardChanges() {
  const s = state.session;
  if (!s) return;
  s.discard();
  state.history.clear();
  stage.drawLabels(s.labels);
  for (const id of ["conflict", "save-error", "leave", "backup"]) banner.remove(id);
}

export function showHover(p) {
  const el = $("#hover");
  if (p.r < 0 || p.c < 0 || p.r >= N || p.c >= N) { el.textContent = "outside the task"; return; }
  const i = p.r * N + p.c;
  const guess = state.guess ? className[state.guess[i]] : "none";
  el.textContent = `row ${p.r}, col ${p.c} · label: ${className[state.session.labels[i]]} · guess: ${guess}`;
}

