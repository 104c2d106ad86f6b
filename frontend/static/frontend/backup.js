// A copy of unsaved labels in this browser's localStorage, so a crash, a killed tab or a lost network cannot take
// them: written on every edit, removed once the server has them, offered back when the task is opened again.

const key = (user, taskId) => `lcnet:unsaved:${user}:${taskId}`;

export function backupWrite(user, taskId, revision, labels) {
  try {
    localStorage.setItem(key(user, taskId), JSON.stringify({ revision, labels: Array.from(labels), at: Date.now() }));
  } catch { /* storage full or disabled: the server copy is still the main one */ }
}

export function backupClear(user, taskId) {
  try { localStorage.removeItem(key(user, taskId)); } catch { /* as above */ }
}

// The stored copy when it differs from what the server sent ({revision, labels: Uint8Array, at}), else null.
export function backupRead(user, taskId, serverLabels) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(key(user, taskId)) || "null"); } catch { saved = null; }
  if (!saved || !Array.isArray(saved.labels) || saved.labels.length !== serverLabels.length) return null;
  const labels = Uint8Array.from(saved.labels);
  if (labels.every((v, i) => v === serverLabels[i])) { backupClear(user, taskId); return null; }
  return { ...saved, labels };
}
