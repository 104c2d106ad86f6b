// What the current layer shows, under the stage: the bands of a composite (red, green, blue), or an index's
// formula with its colour ramp over −1…1. Both come from the page config (imagery.lib.render's own definitions).

export function renderLegend(root, layer) {
  root.replaceChildren();
  const note = document.createElement("span");
  if (layer.ramp) {
    note.textContent = `${layer.name} = ${layer.formula}`;
    const bar = document.createElement("span");
    bar.className = "ramp";
    bar.style.background = `linear-gradient(to right, ${layer.ramp.map((h) => `#${h}`).join(", ")})`;
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", `colour ramp from −1 (${layer.rampLow}) to 1 (${layer.rampHigh})`);
    const ticks = document.createElement("span");
    ticks.className = "ticks";
    ticks.innerHTML = "<span>−1</span><span>0</span><span>1</span>";
    const wrap = document.createElement("span");
    wrap.className = "colorbar";
    wrap.append(bar, ticks);
    root.append(note, wrap);
  } else {
    note.textContent = `${layer.name}: R ${layer.bands[0]} · G ${layer.bands[1]} · B ${layer.bands[2]}`;
    root.append(note);
  }
}
