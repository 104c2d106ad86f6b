// Active time on a task, for the server's time-spent record: a second counts only while the tab is visible and
// the annotator did something (pointer, key, wheel) in the last IDLE_S seconds; the sum is sent every FLUSH_S
// seconds and when the task is left (POST /api/tasks/{id}/work/time/).
import { api } from "./api.js";

const IDLE_S = 30, FLUSH_S = 30;

export class ActivityClock {
  constructor() {
    this.taskId = null; this.seconds = 0; this.lastInput = 0; this.sinceFlush = 0;
    const touch = () => { this.lastInput = performance.now(); };
    for (const e of ["pointerdown", "pointermove", "keydown", "wheel"]) document.addEventListener(e, touch, { passive: true, capture: true });
    setInterval(() => this.tick(), 1000);
  }

  start(taskId) { this.taskId = taskId; this.seconds = 0; this.sinceFlush = 0; this.lastInput = performance.now(); }

  tick() {
    if (this.taskId == null || document.hidden || performance.now() - this.lastInput > IDLE_S * 1000) return;
    this.seconds++;
    if (++this.sinceFlush >= FLUSH_S) this.flush();
  }

  // Send what was counted; a failure keeps it for the next flush.
  flush({ keepalive = false } = {}) {
    const { taskId, seconds } = this;
    this.sinceFlush = 0;
    if (taskId == null || !seconds) return Promise.resolve();
    this.seconds = 0;
    return api.addTime(taskId, seconds, { keepalive }).catch(() => { if (this.taskId === taskId) this.seconds += seconds; });
  }

  stop(opts) { const p = this.flush(opts); this.taskId = null; return p; }
}
