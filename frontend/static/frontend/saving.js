// The save status in the header, the notices of a failed save or submit, and submitting.
import { backupClear } from "./backup.js";
import { config } from "./config.js";
import { discardChanges } from "./editing.js";
import { sessionNotice, STATUS_TEXT } from "./notices.js";
import { openTask, renderReadOnly } from "./open.js";
import { $, banner, state } from "./page.js";

export function setSaveStatus(status) {
  const el = $("#save-status");
  el.textContent = STATUS_TEXT[status] || status;
  el.dataset.status = status;
  if (status === "saved" || status === "submitted") { banner.remove("save-error"); banner.remove("leave"); }
}

export function showSessionError(e) {
  const s = state.session;
  const [kind, text, actions, id] = sessionNotice(e, {
    overwrite: async () => { await s.overwrite(e.current); if (e.what === "submit") submit(); },
    reload: () => { s.close(); backupClear(config.user.name, s.taskId); state.session = null; openTask(state.task.id); },
    retry: () => (e.what === "submit" ? submit() : s.save({ leaving: true })),
    discard: () => discardChanges(),
  });
  banner.show(kind, text, actions, { id });
  if (e.kind === "frozen") renderReadOnly();
}

export async function submit(start = performance.now()) {
  const s = state.session;
  if (!s || state.busy || s.blocked || s.frozen) return;
  if (!s.hasGuess && s.revision === 0 && !s.dirty) {
    return banner.show("warn", "This task has no guess label and nothing is labeled yet: paint it, or use "
      + "“Fill all with” on the right.", [], { id: "no-guess", timeout: 6000 });
  }
  state.busy = true;
  try {
    banner.remove("save-error");
    if (await s.submit()) {
      banner.show("info", `Task ${state.task.id} submitted.`, [], { id: "submitted" });
      await openTask(null, { submittedAt: start });
    }
  } finally { state.busy = false; }
}

