// One open task's labels and their life on the server: debounced draft saves (one request at a time), submit,
// save-on-leave, retries while offline, stale-revision conflicts, and a submitted task's edits. Nothing here drops
// the user's labels: on any failure they stay in the page (and the browser's backup) and the error is reported.
import { api, ApiError } from "./api.js";
import { backupClear, backupRead, backupWrite } from "./backup.js";
import { fromRows, sameGrid, toRows } from "./labels.js";

const AUTOSAVE_MS = 1200;
const RETRY_MS = [2000, 4000, 8000, 15000, 30000]; // after a network failure, then every 30 s

export class TaskSession {
  // `annotation` is the LabelsOut body of GET /api/tasks/{id}/annotation/.
  constructor(taskId, annotation, { user, n, onStatus, onError }) {
    this.taskId = taskId;
    this.user = user;
    this.n = n;
    this.labels = fromRows(annotation.labels);
    this.server = this.labels.slice(); // what the server has
    this.backup = backupRead(user, taskId, this.labels); // unsaved labels this browser kept from an earlier visit
    this.revision = annotation.revision;
    this.status = annotation.status;
    this.frozen = annotation.frozen;
    this.hasGuess = annotation.has_guess;
    this.version = 0; // bumps on every edit
    this.savedVersion = 0; // version the server has
    this.inflight = Promise.resolve();
    this.timer = null;
    this.retries = 0;
    this.blocked = false; // true while a conflict waits for the user
    this.onStatus = onStatus; this.onError = onError;
    this.onOnline = () => { if (this.dirty && !this.blocked) this.save(); };
    window.addEventListener("online", this.onOnline);
  }

  get dirty() { return this.version !== this.savedVersion; }

  // A submitted task being changed: its edits wait for a submit (or leaving the page) instead of turning it
  // back into a draft after a pause, so undoing back to the submitted labels leaves it as it was.
  get editingSubmitted() { return this.status === "submitted" && this.dirty; }

  edited() {
    this.version++;
    clearTimeout(this.timer);
    if (this.status === "submitted" && sameGrid(this.labels, this.server)) {
      this.savedVersion = this.version; // back to exactly what was submitted: nothing to save
      backupClear(this.user, this.taskId);
      this.onStatus("submitted");
      return;
    }
    backupWrite(this.user, this.taskId, this.revision, this.labels);
    if (this.status === "submitted") return this.onStatus("edited-submitted");
    this.onStatus("unsaved");
    if (!this.blocked) this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  // Serialise saves so revisions go up one by one. `leaving`: the page or task is being left, so a submitted
  // task's pending edits are saved too (as a draft); keepalive lets the request outlive the page.
  save({ keepalive = false, leaving = false } = {}) {
    clearTimeout(this.timer);
    if (this.status === "submitted" && !leaving) return this.inflight;
    this.inflight = this.inflight.then(() => this.saveNow(keepalive));
    return this.inflight;
  }

  async saveNow(keepalive) {
    if (!this.dirty || this.blocked || this.frozen) return;
    const version = this.version;
    const sent = this.labels.slice();
    this.onStatus("saving");
    try {
      const resp = await api.saveDraft(this.taskId, toRows(sent, this.n), this.revision, { keepalive });
      this.accept(resp, version, sent);
      this.onStatus(this.dirty ? "unsaved" : "saved");
    } catch (err) { this.fail(err, "save"); }
  }

  // `resp` is the SavedOut body.
  accept(resp, version, sent) {
    this.revision = resp.revision;
    this.status = resp.status;
    this.savedVersion = version;
    this.server = sent;
    this.retries = 0;
    if (!this.dirty) backupClear(this.user, this.taskId);
  }

  async submit() {
    clearTimeout(this.timer);
    await this.inflight;
    const version = this.version;
    const sent = this.labels.slice();
    this.onStatus("submitting");
    try {
      this.accept(await api.submit(this.taskId, toRows(sent, this.n), this.revision), version, sent);
      this.onStatus("submitted");
      return true;
    } catch (err) { this.fail(err, "submit"); return false; }
  }

  // The server's 409 body is ConflictOut: {detail, code: "stale_revision" | "frozen", revision?}.
  fail(err, what) {
    const code = err instanceof ApiError ? err.data?.code : null;
    if (code === "frozen") {
      this.frozen = true;
      this.onStatus("frozen");
      this.onError({ kind: "frozen", what, message: err.message });
    } else if (code === "stale_revision") {
      this.blocked = true;
      this.onStatus("conflict");
      this.onError({ kind: "conflict", what, current: err.data.revision, mine: this.revision, message: err.message });
    } else if (err instanceof ApiError && err.status === 0) {
      this.onStatus("offline");
      this.onError({ kind: "offline", what, message: err.message });
      if (what === "save") this.retryLater();
    } else {
      this.onStatus("error");
      this.onError({ kind: err.status === 400 ? "invalid" : "error", what, status: err.status, message: err.message });
    }
  }

  retryLater() {
    clearTimeout(this.timer);
    const wait = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)];
    this.timer = setTimeout(() => this.save({ leaving: true }), wait);
  }

  // The user chose to keep their labels: write them over the server's newer revision.
  overwrite(current) {
    this.revision = current ?? this.revision;
    this.blocked = false;
    this.version++;
    return this.save({ leaving: true });
  }

  // Drop every unsaved change: back to what the server has.
  discard() {
    clearTimeout(this.timer);
    this.labels.set(this.server);
    this.savedVersion = this.version;
    this.blocked = false;
    backupClear(this.user, this.taskId);
    this.onStatus(this.frozen ? "frozen" : this.status === "submitted" ? "submitted" : "saved");
  }

  close() { clearTimeout(this.timer); window.removeEventListener("online", this.onOnline); }
}
