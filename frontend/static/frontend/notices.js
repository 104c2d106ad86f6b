// The words the page uses for a task session's state and failures, in one place. Every notice about unsaved
// labels offers a way out ("Discard my changes"), so nobody is ever stuck behind a message.

export const STATUS_TEXT = {
  saved: "All changes saved", unsaved: "Unsaved changes", saving: "Saving…", submitting: "Submitting…",
  submitted: "Submitted", "edited-submitted": "Submitted task edited: Enter resubmits, undo restores",
  conflict: "Conflict: not saved", offline: "Offline: not saved yet, retrying", error: "Not saved",
  frozen: "Read only (frozen chip)",
};

// actions: {overwrite, reload, retry, discard}; returns [kind, text, buttons, id].
export function sessionNotice(e, actions) {
  const discard = ["Discard my changes", actions.discard];
  if (e.kind === "conflict") {
    const rev = e.current == null ? "a newer revision" : `revision ${e.current}`;
    return ["error", `Conflict on ${e.what}: this task was saved elsewhere (the server has ${rev}, this page edited `
      + `revision ${e.mine}). Your labels are still on screen and were not saved.`,
    [["Keep mine (overwrite)", actions.overwrite], ["Load the saved version", actions.reload]], "conflict"];
  }
  if (e.kind === "frozen") {
    return ["error", `Not saved: ${e.message}. The task is read only now.`, [discard], "conflict"];
  }
  if (e.kind === "invalid") {
    return ["error", `The server did not accept these labels (${e.what}): ${e.message}. Nothing was stored; your `
      + "labels are still on screen.", [discard], "save-error"];
  }
  if (e.kind === "offline") {
    return ["error", `Could not ${e.what}: ${e.message}. Your labels are kept in this page and this browser`
      + (e.what === "save" ? " and are saved as soon as the connection is back." : "; submit again once you are online."),
    [["Retry now", actions.retry], discard], "save-error"];
  }
  return ["error", `Could not ${e.what}: ${e.message}. Your labels are still on screen.`,
    [["Retry", actions.retry], discard], "save-error"];
}
