// The page's buttons, built from the config and the key table (so each shows its real key) and bound to the same
// actions the keys run.
import { keyLabel } from "./keys.js";

const $ = (sel) => document.querySelector(sel);

export function markActive(selector, isActive) {
  document.querySelectorAll(selector).forEach((b) => {
    const on = Boolean(isActive(b));
    b.classList.toggle("active", on);
    b.setAttribute("aria-pressed", String(on));
  });
}

const keyOf = (keys, action, arg) => keys.find((k) => k.action[0] === action && k.action[1] === arg)?.keys[0];

function button(label, key, onClick, data = {}) {
  const b = document.createElement("button");
  b.type = "button";
  Object.assign(b.dataset, data);
  b.append(label);
  if (key) { const k = document.createElement("kbd"); k.textContent = keyLabel(key); b.append(" ", k); }
  b.addEventListener("click", onClick);
  return b;
}

export function buildControls({ config, keys, actions, presets, onPreset, onView, state, submit, setAll, moveTask,
  openFlag, drawProfileNow, discardChanges }) {
  $("#classes").replaceChildren(...config.classes.filter((c) => c.code !== 0).map((c) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.cls = c.code; b.className = "class";
    const [r, g, bl] = c.color;
    b.innerHTML = `<i style="background:rgb(${r},${g},${bl})"></i><span></span><kbd>${c.code}</kbd>`;
    b.querySelector("span").textContent = c.name;
    b.addEventListener("click", () => actions.class(c.code));
    return b;
  }));
  $("#layers").replaceChildren(...config.layers.map((l) => button(l.name, keyOf(keys, "layer", l.id),
    () => actions.layer(l.id), { layer: l.id })));
  $("#zoom-presets").replaceChildren(...presets.map((m, i) => button(
    i === 0 ? "task" : i === presets.length - 1 ? "chip" : `+${m}`, i === 0 ? "0" : null, () => onPreset(i), { zoom: i })));
  document.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => actions.tool(b.dataset.tool)));
  document.querySelectorAll("[data-brush]").forEach((b) => b.addEventListener("click", () => { state.brush = Number(b.dataset.brush); actions.brush(0); }));
  document.querySelectorAll("[data-band]").forEach((b) => b.addEventListener("change", drawProfileNow));
  $("#opacity").addEventListener("input", (e) => onView({ opacity: Number(e.target.value) / 100 }));
  $("#labels-visible").addEventListener("change", (e) => onView({ showLabels: e.target.checked }));
  $("#outline").addEventListener("click", () => actions.outline());
  $("#pixel-grid").addEventListener("click", () => actions.grid());
  $("#diff").addEventListener("click", () => actions.diff());
  $("#clouds").addEventListener("click", () => actions.clouds());
  $("#zoom-in").addEventListener("click", () => actions.zoom(1));
  $("#zoom-out").addEventListener("click", () => actions.zoom(-1));
  $("#undo").addEventListener("click", () => actions.undo());
  $("#redo").addEventListener("click", () => actions.redo());
  $("#submit").addEventListener("click", (e) => submit(e.timeStamp));
  $("#help-button").addEventListener("click", () => actions.help());
  $("#prev").addEventListener("click", (e) => actions.step(-1, e));
  $("#next").addEventListener("click", (e) => actions.step(1, e));
  $("#task-prev").addEventListener("click", () => moveTask(-1));
  $("#task-next").addEventListener("click", () => moveTask(1));
  $("#task-skip").addEventListener("click", () => actions.skip());
  $("#flag-button").addEventListener("click", openFlag);
  $("#guess-reset").addEventListener("click", () => state.guess && setAll(state.guess));
  $("#fill-all").addEventListener("click", () => setAll(state.cls));
  $("#discard").addEventListener("click", discardChanges);
}
