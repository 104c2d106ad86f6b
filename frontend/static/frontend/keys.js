// One table of keyboard shortcuts: the handler dispatches from it and the `?` help and the legend are generated
// from it, so neither can drift from what the keys do. Classes are the LandCoverNet codes 1–7 on the number keys.

const LAYER_KEYS = ["q", "w", "e", "a", "s", "z", "c"]; // the left hand's block; the right hand holds the mouse

export function keymap(config) {
  const layers = config.layers.map((l, i) => ({ keys: [LAYER_KEYS[i]], label: `${l.name} layer`, action: ["layer", l.id] }))
    .filter((k) => k.keys[0]);
  const classes = config.classes.filter((c) => c.code !== 0).map((c) => ({
    keys: [String(c.code)], label: `class ${c.code}: ${c.name}`, action: ["class", c.code],
  }));
  return [
    ...classes,
    ...layers,
    { keys: ["ArrowLeft"], label: "previous date", action: ["step", -1] },
    { keys: ["ArrowRight"], label: "next date", action: ["step", 1] },
    { keys: ["k"], label: "hatch cloudy pixels on/off", action: ["clouds"] },
    { keys: ["-"], label: "zoom out (more context)", action: ["zoom", -1] },
    { keys: ["=", "+"], label: "zoom in", action: ["zoom", 1] },
    { keys: ["0"], label: "zoom to the task", action: ["zoomTask"] },
    { keys: ["b"], label: "brush tool", action: ["tool", "brush"] },
    { keys: ["f"], label: "flood fill tool", action: ["tool", "fill"] },
    { keys: ["r"], label: "rectangle tool", action: ["tool", "rect"] },
    { keys: ["x"], label: "reset-to-guess tool (drag a rectangle)", action: ["tool", "reset"] },
    { keys: ["i"], label: "pick class (eyedropper); Alt+click picks with any tool", action: ["tool", "pick"] },
    { keys: ["p"], label: "pixel profile tool; Shift+click profiles with any tool", action: ["tool", "profile"] },
    { keys: ["["], label: "smaller brush (1/3/5)", action: ["brush", -1] },
    { keys: ["]"], label: "bigger brush (1/3/5)", action: ["brush", 1] },
    { keys: ["l"], label: "show/hide the label layer", action: ["toggleLabels"] },
    { keys: ["o"], label: "labels as outlines (class borders) / filled", action: ["outline"] },
    { keys: ["g"], label: "pixel grid on/off (at high zoom)", action: ["grid"] },
    { keys: ["d"], label: "mark pixels that differ from the guess", action: ["diff"] },
    { keys: ["Ctrl+z"], label: "undo", action: ["undo"] },
    { keys: ["Ctrl+Shift+z", "Ctrl+y"], label: "redo", action: ["redo"] },
    { keys: ["Shift+ArrowLeft"], label: "previous task of the chip", action: ["task", -1] },
    { keys: ["Shift+ArrowRight"], label: "next task of the chip", action: ["task", 1] },
    { keys: ["n"], label: "skip: open your next unfinished task", action: ["skip"] },
    { keys: ["m"], label: "flag this task (reason and comment)", action: ["flag"] },
    { keys: ["Enter"], label: "submit and open the next task", action: ["submit"] },
    { keys: ["?"], label: "this help", action: ["help"] },
    { keys: ["Escape"], label: "cancel a rectangle or drag", action: ["escape"] },
  ];
}

export function keyName(evt) {
  const letter = evt.key.length === 1 && /[a-z]/i.test(evt.key);
  const named = evt.key.length > 1 && evt.key !== "Shift";
  const mod = (evt.ctrlKey || evt.metaKey ? "Ctrl+" : "") + (evt.shiftKey && (letter || named) ? "Shift+" : "");
  const key = evt.key.length === 1 ? evt.key.toLowerCase() : evt.key;
  return mod + key;
}

// Does this key belong to the page's shortcuts, or to what has the focus? A key meant for a focused text field,
// list, slider, dialog or button (Enter, Space) never reaches the task shortcuts.
export function isShortcut(evt) {
  if (evt.defaultPrevented || evt.altKey) return false;
  if (document.querySelector("dialog[open]")) return false;
  const t = evt.target;
  if (!(t instanceof Element)) return true;
  if (t.closest("textarea, select, [contenteditable=true]")) return false;
  if (t.matches("input") && !["checkbox", "radio", "range"].includes(t.type)) return false;
  const activates = evt.key === "Enter" || evt.key === " ";
  if (activates && t.closest("button, a, input, summary")) return false;
  if (t.matches("input[type=range]") && evt.key.startsWith("Arrow")) return false;
  return true;
}

const SHOWN = { ArrowLeft: "←", ArrowRight: "→", "Shift+ArrowLeft": "Shift+←", "Shift+ArrowRight": "Shift+→" };

export const keyLabel = (k) => SHOWN[k] || (k.length === 1 ? k.toUpperCase() : k);

export function renderHelp(table, tbody) {
  tbody.replaceChildren(...table.map((k) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    for (const x of k.keys) {
      const kbd = document.createElement("kbd");
      kbd.textContent = keyLabel(x);
      th.append(kbd, " ");
    }
    const td = document.createElement("td");
    td.textContent = k.label;
    tr.append(th, td);
    return tr;
  }));
}
