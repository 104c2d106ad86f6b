// Flagging a task: a reason (the page config's flag reasons: all cloudy, mixed pixels, …) and a free comment,
// stored on the server (PUT /api/tasks/{id}/work/flag/, WorkOut back) and visible to admins.
import { api } from "./api.js";

export class FlagDialog {
  constructor(dialog, reasons, onSaved) {
    this.dialog = dialog; this.onSaved = onSaved; this.taskId = null;
    this.select = dialog.querySelector("#flag-reason");
    this.comment = dialog.querySelector("#flag-comment");
    this.error = dialog.querySelector("#flag-error");
    this.select.replaceChildren(new Option("— not flagged —", ""), ...reasons.map((r) => new Option(r.label, r.id)));
    dialog.querySelector("#flag-save").addEventListener("click", () => this.save());
    dialog.querySelector("#flag-cancel").addEventListener("click", () => dialog.close());
  }

  // `work` is the task's WorkOut: {task, flag, comment, active_seconds}.
  open(taskId, work) {
    this.taskId = taskId;
    this.select.value = work?.flag || "";
    this.comment.value = work?.comment || "";
    this.error.textContent = "";
    this.dialog.showModal();
  }

  async save() {
    try {
      const work = await api.flag(this.taskId, this.select.value || null, this.comment.value);
      this.dialog.close();
      this.onSaved(work);
    } catch (err) {
      this.error.textContent = err.message; // nothing was stored; the dialog stays open with the text
    }
  }
}
