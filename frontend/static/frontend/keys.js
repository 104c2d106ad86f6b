// One table of keyboard shortcuts: the handler dispatches from it and the `?` help is generated from it, so the
// help can never drift from what the keys do.

export function keymap(config) {
  const layers = config.layers.map((l, i) => ({ keys: [String(i + 1)], label: `${l.name} layer`, action: ["layer", l.id] }));
  const classes = config.classes.filter((c) => c.key).map((c) => ({
    keys: [c.key], label: `class: ${c.name}`, action: ["class", c.code],
  }));
  return [
    ...layers,
    { keys: ["ArrowLeft"], label: "previous date", action: ["step", -1] },
    { keys: ["ArrowRight"], label: "next date", action: ["step", 1] },
    { keys: ["k"], label: "hatch cloudy pixels on/off", action: ["clouds"] },
    { keys: ["-"], label: "zoom out (more context)", action: ["zoom", 1] },
    { keys: ["=", "+"], label: "zoom in", action: ["zoom", -1] },
    ...classes,
    { keys: ["b"], label: "brush tool", action: ["tool", "brush"] },
    { keys: ["f"], label: "flood fill tool", action: ["tool", "fill"] },
    { keys: ["r"], label: "rectangle tool", action: ["tool", "rect"] },
    { keys: ["i"], label: "pick class (eyedropper); Alt+click picks with any tool", action: ["tool", "pick"] },
    { keys: ["p"], label: "pixel profile tool; Shift+click profiles with any tool", action: ["tool", "profile"] },
    { keys: ["["], label: "smaller brush (1/3/5)", action: ["brush", -1] },
    { keys: ["]"], label: "bigger brush (1/3/5)", action: ["brush", 1] },
    { keys: ["l"], label: "show/hide label layer", action: ["toggleLabels"] },
    { keys: ["Ctrl+z"], label: "undo", action: ["undo"] },
    { keys: ["Ctrl+Shift+z", "Ctrl+y"], label: "redo", action: ["redo"] },
    { keys: ["Enter"], label: "submit and open the next task", action: ["submit"] },
    { keys: ["?"], label: "this help", action: ["help"] },
    { keys: ["Escape"], label: "close help / cancel rectangle", action: ["escape"] },
  ];
}

export function keyName(evt) {
  const letter = evt.key.length === 1 && /[a-z]/i.test(evt.key);
  const mod = (evt.ctrlKey || evt.metaKey ? "Ctrl+" : "") + (evt.shiftKey && letter ? "Shift+" : "");
  const key = evt.key.length === 1 ? evt.key.toLowerCase() : evt.key;
  return mod + key;
}

export function renderHelp(table, root) {
  root.querySelector("tbody").replaceChildren(...table.map((k) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.innerHTML = k.keys.map((x) => `<kbd>${x.replace("Arrow", "").replace("Left", "←").replace("Right", "→")}</kbd>`).join(" ");
    const td = document.createElement("td");
    td.textContent = k.label;
    tr.append(th, td);
    return tr;
  }));
}
