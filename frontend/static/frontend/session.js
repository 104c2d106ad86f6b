// One open task's labels and their life on the server: debounced draft saves (one request at a time), submit,
// save-on-leave, and stale-revision conflicts. Nothing here drops the user's labels: on any failure they stay in
// the page and the error is reported.
import { api, ApiError } from "./api.js";
import { backupClear, backupRead, backupWrite } from "./backup.js";
import { fromRows, toRows } from "./labels.js";

const AUTOSAVE_MS = 1200;

// The server's current revision from a 409 body, whatever the key is called.
export function conflictRevision(data) {
  if (!data || typeof data !== "object") return null;
  for (const k of ["revision", "current_revision", "current"]) if (Number.isInteger(data[k])) return data[k];
  return null;
}

export class TaskSession {
  constructor(taskId, annotation, { user, onStatus, onError }) {
    this.taskId = taskId;
    this.user = user;
    this.labels = fromRows(annotation.labels);
    this.backup = backupRead(user, taskId, this.labels); // unsaved labels this browser kept from an earlier visit
    this.revision = annotation.revision ?? 0;
    this.status = annotation.status || "pending";
    this.version = 0; // bumps on every edit
    this.savedVersion = 0; // version the server has
    this.inflight = Promise.resolve();
    this.timer = null;
    this.blocked = false; // true while a conflict waits for the user
    this.onStatus = onStatus; this.onError = onError;
  }

  get dirty() { return this.version !== this.savedVersion; }

  edited() {
    this.version++;
    backupWrite(this.user, this.taskId, this.revision, this.labels);
    this.onStatus("unsaved");
    clearTimeout(this.timer);
    if (!this.blocked) this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  // Serialise saves so revisions go up one by one.
  // keepalive lets the request outlive the page when the user leaves.
  save({ keepalive = false } = {}) {
    clearTimeout(this.timer);
    this.inflight = this.inflight.then(() => this.saveNow(keepalive));
    return this.inflight;
  }

  async saveNow(keepalive) {
    if (!this.dirty || this.blocked) return;
    const version = this.version;
    this.onStatus("saving");
    try {
      const resp = await api.saveDraft(this.taskId, toRows(this.labels), this.revision, { keepalive });
      this.accept(resp, version);
      this.onStatus(this.dirty ? "unsaved" : "saved");
    } catch (err) { this.fail(err, "save"); }
  }

  accept(resp, version) {
    this.revision = resp?.revision ?? this.revision + 1;
    this.status = resp?.status ?? this.status;
    this.savedVersion = version;
    if (!this.dirty) backupClear(this.user, this.taskId);
  }

  async submit() {
    clearTimeout(this.timer);
    await this.inflight;
    const version = this.version;
    this.onStatus("submitting");
    try {
      const resp = await api.submit(this.taskId, toRows(this.labels), this.revision);
      this.accept(resp, version);
      this.status = resp?.status ?? "submitted";
      this.onStatus("submitted");
      return true;
    } catch (err) { this.fail(err, "submit"); return false; }
  }

  fail(err, what) {
    if (err instanceof ApiError && err.status === 409 && err.data?.code === "frozen") {
      this.blocked = true;
      this.onStatus("error");
      this.onError({ kind: "frozen", what, message: err.message });
    } else if (err instanceof ApiError && err.status === 409) {
      this.blocked = true;
      this.onStatus("conflict");
      this.onError({ kind: "conflict", what, current: conflictRevision(err.data), mine: this.revision, message: err.message });
    } else {
      this.onStatus("error");
      this.onError({ kind: err.status === 400 ? "invalid" : "error", what, status: err.status, message: err.message });
    }
  }

  // The user chose to keep their labels: write them over the server's newer revision.
  overwrite(current) {
    this.revision = current ?? this.revision;
    this.blocked = false;
    this.version++;
    return this.save();
  }

  close() { clearTimeout(this.timer); }
}
