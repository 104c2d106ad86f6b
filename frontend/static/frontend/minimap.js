// The chip overview: the whole chip's image, the caller's labels so far (GET /api/tasks/{id}/chip-labels.png,
// transparent where nothing is saved), the task grid and the open task's box. A click opens the task under it
// when it is one of the caller's (the task list offers the same from the keyboard).
import { api } from "./api.js";

export class Minimap {
  constructor(canvas, { n, chip, onPick }) {
    this.canvas = canvas; this.n = n; this.chip = chip; this.onPick = onPick;
    this.image = null; this.labels = null; this.origin = null; this.tasks = [];
    canvas.addEventListener("click", (e) => {
      const rect = canvas.getBoundingClientRect();
      const row = Math.floor(((e.clientY - rect.top) / rect.height) * (this.chip / this.n));
      const col = Math.floor(((e.clientX - rect.left) / rect.width) * (this.chip / this.n));
      const t = this.tasks.find((x) => x.row === row && x.col === col);
      if (t) this.onPick(t.id);
    });
  }

  setTasks(tasks) { this.tasks = tasks; this.canvas.style.cursor = tasks.length ? "pointer" : ""; }

  // {bitmap, box} of the whole-chip context image; `origin` the open task's chip offset.
  setImage(img, origin) { this.image = img; this.origin = origin; this.draw(); }

  async loadLabels(taskId) {
    try {
      const resp = await fetch(api.chipLabelsUrl(taskId), { credentials: "same-origin" });
      if (!resp.ok) return;
      this.labels = await createImageBitmap(await resp.blob());
      this.draw();
    } catch { /* the overview works without them */ }
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    const k = this.canvas.width / this.chip;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.image && this.origin) {
      const { bitmap, box } = this.image;
      ctx.drawImage(bitmap, (this.origin.col - box.col) * k, (this.origin.row - box.row) * k, bitmap.width * k, bitmap.height * k);
    }
    if (this.labels) { ctx.globalAlpha = 0.55; ctx.drawImage(this.labels, 0, 0, this.chip * k, this.chip * k); ctx.globalAlpha = 1; }
    ctx.strokeStyle = "rgba(255,255,255,.25)"; ctx.lineWidth = 1; ctx.beginPath();
    for (let i = 1; i < this.chip / this.n; i++) {
      const p = Math.round(i * this.n * k) + 0.5;
      ctx.moveTo(p, 0); ctx.lineTo(p, this.canvas.height); ctx.moveTo(0, p); ctx.lineTo(this.canvas.width, p);
    }
    ctx.stroke();
    if (this.origin) {
      ctx.strokeStyle = "#ffeb3b"; ctx.lineWidth = 3;
      ctx.strokeRect(this.origin.col * k + 1.5, this.origin.row * k + 1.5, this.n * k - 3, this.n * k - 3);
    }
  }
}
