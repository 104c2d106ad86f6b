// The work queue of the current chip: its tasks as an 8×8 map of buttons (pending / draft / submitted, flagged,
// the one open), from GET /api/me/tasks/?chip= (MyTaskOut rows), with previous / next in the chip's order.
// Tasks that are not the caller's (no imagery, or not a reference task for an expert) are not buttons.

export class TaskQueue {
  constructor(root, { perSide, onOpen, expert }) {
    this.root = root; this.perSide = perSide; this.onOpen = onOpen; this.expert = expert;
    this.tasks = []; this.current = null;
  }

  // `rows`: the MyTaskOut list of the chip, in chip order (row, then col).
  set(rows, currentId) {
    this.tasks = rows; this.current = currentId;
    const byCell = new Map(rows.map((t) => [t.row * this.perSide + t.col, t]));
    const cells = [];
    for (let i = 0; i < this.perSide * this.perSide; i++) {
      const t = byCell.get(i);
      if (!t) {
        const gap = document.createElement("span");
        gap.className = "cell none";
        gap.setAttribute("aria-hidden", "true");
        cells.push(gap);
        continue;
      }
      const b = document.createElement("button");
      b.type = "button";
      b.className = `cell ${t.status}${t.flag ? " flagged" : ""}${t.id === currentId ? " current" : ""}`;
      b.dataset.task = t.id;
      const what = `${t.status}${this.expert ? ", reference" : ""}${t.flag ? `, flagged (${t.flag})` : ""}`;
      b.setAttribute("aria-label", `Task ${t.id}, row ${t.row} col ${t.col}: ${what}`);
      b.title = `Task ${t.id} (row ${t.row}, col ${t.col}): ${what}`;
      if (t.id === currentId) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => this.onOpen(t.id));
      cells.push(b);
    }
    this.root.replaceChildren(...cells);
  }

  // The open task changed: mark it now (the chip's fresh list follows).
  select(taskId) { this.set(this.tasks, taskId); }

  position() { return this.tasks.findIndex((t) => t.id === this.current); }

  // The task `dir` places away in the chip's order, or null at either end.
  neighbour(dir) {
    const i = this.position();
    const t = i < 0 ? null : this.tasks[i + dir];
    return t ? t.id : null;
  }

  update(taskId, changes) {
    const t = this.tasks.find((x) => x.id === taskId);
    if (t) { Object.assign(t, changes); this.set(this.tasks, this.current); }
  }
}
