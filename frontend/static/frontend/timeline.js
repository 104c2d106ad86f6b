// The year's scenes as a strip: small RGB thumbnail, date, cloud bar. Thumbnails come from the same layer cache
// as the main view, so they double as a prefetch of the RGB task images.

export function normalizeScenes(data) {
  const list = Array.isArray(data) ? data : data.scenes || data.results || [];
  return list.map((s, i) => ({
    index: s.index ?? s.scene ?? i,
    date: s.date || s.acquired || s.datetime,
    cloud: Number(s.cloud_fraction ?? s.cloud ?? 0),
    valid: s.valid_fraction ?? s.valid ?? null,
  }));
}

export class Timeline {
  constructor(root, onSelect) { this.root = root; this.onSelect = onSelect; this.cells = []; this.current = -1; }

  render(scenes) {
    this.root.replaceChildren();
    this.cells = scenes.map((s, pos) => {
      const cell = document.createElement("button");
      cell.type = "button";
      cell.className = "scene";
      cell.dataset.pos = pos;
      const pct = Math.round(s.cloud * 100);
      cell.title = `${s.date} · cloud ${pct}%` + (s.valid == null ? "" : ` · valid ${Math.round(s.valid * 100)}% of task`);
      const thumb = document.createElement("canvas");
      thumb.width = thumb.height = 32;
      const date = document.createElement("span");
      date.className = "date";
      date.textContent = (s.date || "").slice(5);
      const bar = document.createElement("span");
      bar.className = "cloud";
      bar.innerHTML = `<i style="width:${pct}%"></i>`;
      cell.append(thumb, date, bar);
      cell.addEventListener("click", () => this.onSelect(pos));
      this.root.append(cell);
      return { cell, thumb };
    });
  }

  thumbnail(pos, bitmap) {
    const t = this.cells[pos]?.thumb;
    if (!t) return;
    const ctx = t.getContext("2d");
    ctx.clearRect(0, 0, 32, 32);
    ctx.drawImage(bitmap, 0, 0, 32, 32);
  }

  select(pos) {
    if (this.cells[this.current]) this.cells[this.current].cell.classList.remove("current");
    this.current = pos;
    const c = this.cells[pos]?.cell;
    if (c) { c.classList.add("current"); c.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }
}
