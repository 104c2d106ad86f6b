// Thin fetch wrappers for the lcnet REST API. Every failure becomes an ApiError with the server's own message,
// so the page can show it instead of swallowing it.

export class ApiError extends Error {
  constructor(status, message, data) { super(message); this.status = status; this.data = data; }
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : (window.LCNET_CSRF || "");
}

// DRF errors come as {"detail": "..."} or {"field": ["msg", ...], ...}: flatten them into one readable line.
export function errorMessage(data, status) {
  if (!data) return `HTTP ${status}`;
  if (typeof data === "string") return data;
  if (data.detail) return String(data.detail);
  const parts = [];
  for (const [key, val] of Object.entries(data)) {
    const text = Array.isArray(val) ? val.map((v) => (typeof v === "object" ? JSON.stringify(v) : v)).join(" ")
      : typeof val === "object" ? JSON.stringify(val) : String(val);
    parts.push(key === "non_field_errors" ? text : `${key}: ${text}`);
  }
  return parts.join("; ") || `HTTP ${status}`;
}

export async function request(method, url, body, { keepalive = false } = {}) {
  const init = { method, credentials: "same-origin", keepalive, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRFToken"] = csrfToken();
    init.body = JSON.stringify(body);
  }
  return readResponse(fetch(url, init));
}

// A fetch promise -> parsed JSON, or an ApiError carrying the server's message.
export async function readResponse(pending) {
  let resp;
  try {
    resp = await pending;
  } catch (err) {
    throw new ApiError(0, `the network is unreachable (${err.message})`, null);
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text.slice(0, 300); }
  if (!resp.ok) throw new ApiError(resp.status, errorMessage(data, resp.status), data);
  return data; // null for a 204 (e.g. no next task)
}

const q = (params) => new URLSearchParams(params).toString();

export const api = {
  nextTask: () => request("GET", "/api/me/tasks/next/"),
  myTasks: (params = {}) => request("GET", `/api/me/tasks/?${q(params)}`),
  annotation: (id) => request("GET", `/api/tasks/${id}/annotation/`),
  saveDraft: (id, labels, revision, opts) => request("PUT", `/api/tasks/${id}/annotation/`, { labels, revision }, opts),
  submit: (id, labels, revision) => request("POST", `/api/tasks/${id}/annotation/submit/`, { labels, revision }),
  scenes: (id) => request("GET", `/api/tasks/${id}/scenes/`),
  guess: (id) => request("GET", `/api/tasks/${id}/guess/`),
  series: (id, row, col) => request("GET", `/api/tasks/${id}/pixels/${row}/${col}/series/`),
  layerUrl: (id, layer, scene, context) => `/api/tasks/${id}/layers/${layer}.png?scene=${scene}&context=${context}`,
  work: (id) => request("GET", `/api/tasks/${id}/work/`),
  flag: (id, reason, comment) => request("PUT", `/api/tasks/${id}/work/flag/`, { reason, comment }),
  addTime: (id, seconds, opts) => request("POST", `/api/tasks/${id}/work/time/`, { seconds }, opts),
  chipLabelsUrl: (id) => `/api/tasks/${id}/chip-labels.png`,
  suggested: () => request("GET", "/api/expert/suggested-tasks/"),
};
