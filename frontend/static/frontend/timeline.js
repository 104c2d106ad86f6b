// The year's scenes as a strip: small RGB thumbnail, date, cloud bar. Thumbnails come from the same layer cache
// as the main view, so they double as a prefetch of the RGB task images. The strip scrolls itself only: the page
// never moves when the date changes.

export class Timeline {
  constructor(root, onSelect) { this.root = root; this.onSelect = onSelect; this.cells = []; this.current = -1; }

  // `scenes` is ScenesOut.scenes: [{index, id, date, cloud_fraction, valid_fraction}].
  render(scenes) {
    this.root.replaceChildren();
    this.cells = scenes.map((s, pos) => {
      const cell = document.createElement("button");
      cell.type = "button";
      cell.className = "scene";
      cell.dataset.pos = pos;
      const pct = Math.round(s.cloud_fraction * 100);
      const valid = Math.round(s.valid_fraction * 100);
      cell.title = `${s.date} · cloud ${pct}% of the chip · ${valid}% of the task usable`;
      cell.setAttribute("aria-label", `Date ${s.date}, cloud ${pct}%, ${valid}% of the task usable`);
      if (s.valid_fraction < 0.5) cell.classList.add("cloudy");
      const thumb = document.createElement("canvas");
      thumb.width = thumb.height = 32;
      const date = document.createElement("span");
      date.className = "date";
      date.textContent = s.date.slice(5);
      const bar = document.createElement("span");
      bar.className = "cloud";
      bar.innerHTML = `<i style="width:${pct}%"></i>`;
      cell.append(thumb, date, bar);
      cell.addEventListener("click", (e) => this.onSelect(pos, e));
      this.root.append(cell);
      return { cell, thumb };
    });
  }

  thumbnail(pos, bitmap) {
    const t = this.cells[pos]?.thumb;
    if (!t) return;
    const ctx = t.getContext("2d");
    ctx.clearRect(0, 0, t.width, t.height);
    ctx.drawImage(bitmap, 0, 0, t.width, t.height);
  }

  select(pos) {
    if (this.cells[this.current]) {
      this.cells[this.current].cell.classList.remove("current");
      this.cells[this.current].cell.removeAttribute("aria-current");
    }
    this.current = pos;
    const c = this.cells[pos]?.cell;
    if (!c) return;
    c.classList.add("current");
    c.setAttribute("aria-current", "date");
    // scrollIntoView would scroll the page too; move the strip alone.
    const left = c.offsetLeft, right = left + c.offsetWidth; // #timeline is the offsetParent (position: relative)
    if (left < this.root.scrollLeft) this.root.scrollLeft = left;
    else if (right > this.root.scrollLeft + this.root.clientWidth) this.root.scrollLeft = right - this.root.clientWidth;
  }
}
