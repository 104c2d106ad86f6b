// The labeling page's entry point: keys and controls bound to their actions, save-on-leave, the first task.
// Timings go to the browser's performance timeline ("lcnet:open-task", "lcnet:page-interactive",
// "lcnet:date-step", "lcnet:frame", "lcnet:task-list") for bench/labeling_page.py.
import { config, N } from "./config.js";
import { buildControls } from "./controls.js";
import { beginEdit, canEdit, changed, discardChanges, setAll, setBrush, setClass, setTool, showHover, undoRedo } from "./editing.js";
import { Editor } from "./editor.js";
import { isShortcut, keyName, keymap, renderHelp } from "./keys.js";
import { openTask } from "./open.js";
import { $, clock, flagDialog, PRESETS, queue, stage, state } from "./page.js";
import { submit } from "./saving.js";
import { cameraMoved, drawProfileNow, loadProfile, setLayer, setPreset, setView, showScene, toggleClouds, zoomStep } from "./view.js";

performance.mark("lcnet:script-start");
const BRUSHES = [1, 3, 5];
const keys = keymap(config);

function moveTask(dir) { const id = queue.neighbour(dir); if (id != null) openTask(id); }

function openFlag() {
  if (!state.task) return;
  flagDialog.open(state.task.id, state.work);
}

const ACTIONS = {
  layer: setLayer, step: (d, evt) => showScene(state.pos + d, { start: evt?.timeStamp }),
  zoom: zoomStep, zoomTask: () => setPreset(0), class: setClass, tool: setTool, clouds: toggleClouds,
  brush: (d) => setBrush(BRUSHES[Math.max(0, Math.min(2, BRUSHES.indexOf(state.brush) + d))]),
  toggleLabels: () => setView({ showLabels: !state.showLabels }), outline: () => setView({ outline: !state.outline }),
  grid: () => setView({ pixelGrid: !state.pixelGrid }), diff: () => setView({ diff: !state.diff }),
  undo: () => undoRedo("undo"), redo: () => undoRedo("redo"), task: moveTask, skip: () => openTask(null),
  flag: openFlag, submit: (_, evt) => submit(evt ? evt.timeStamp : performance.now()),
  help: () => $("#help").showModal(), escape: () => editor.cancel(),
};

function onKey(evt) {
  if (!isShortcut(evt)) return;
  const name = keyName(evt);
  const entry = keys.find((k) => k.keys.includes(name));
  if (!entry) return;
  evt.preventDefault();
  const [action, arg] = entry.action;
  ACTIONS[action](arg, evt);
}

const editor = new Editor({
  n: N, stage, state, canEdit, changed, beginEdit, dropEdit: () => state.history.drop(), pick: setClass,
  profile: loadProfile, hover: showHover, moved: cameraMoved, guess: () => state.guess,
});

buildControls({ config, keys, actions: ACTIONS, presets: PRESETS, onPreset: setPreset, onView: setView, state,
  submit, setAll, moveTask, openFlag, drawProfileNow, discardChanges });
renderHelp(keys, $("#help tbody"));
$("#confirm-edit-yes").addEventListener("click", () => { state.editConfirmed = true; });
document.addEventListener("keydown", onKey);
// Never lose edits silently: save when the tab hides, and warn if the page closes with unsaved labels.
document.addEventListener("visibilitychange", () => {
  if (document.hidden) { state.session?.save({ keepalive: true, leaving: true }); clock.flush({ keepalive: true }); }
});
window.addEventListener("beforeunload", (e) => {
  clock.flush({ keepalive: true });
  if (!state.session?.dirty) return;
  state.session.save({ keepalive: true, leaving: true });
  e.preventDefault(); e.returnValue = "";
});
new ResizeObserver(() => { stage.resize(); setPreset(state.preset, { load: !!state.cache }); }).observe(stage.root);

setTool("brush"); setBrush(1); setClass(config.classes.find((c) => c.code !== 0).code);
setView({});
setLayer(state.layer);
setPreset(0, { load: false });
window.lcnet = { state, openTask, showScene, setLayer, setPreset, stage, config }; // for tests and the benchmark
openTask(config.initialTask);
