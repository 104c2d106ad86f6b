// Plain messages above the canvas. Errors stay until dismissed or resolved; notices fade after a few seconds.

export class Banner {
  constructor(root) { this.root = root; }

  show(kind, text, actions = [], { id = null, timeout = kind === "info" ? 4000 : 0 } = {}) {
    if (id) this.remove(id);
    const el = document.createElement("div");
    el.className = `banner ${kind}`;
    el.setAttribute("role", kind === "info" ? "status" : "alert");
    if (id) el.dataset.id = id;
    const msg = document.createElement("span");
    msg.textContent = text;
    el.append(msg);
    for (const [label, fn] of [...actions, ["Dismiss", () => {}]]) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", () => { el.remove(); fn(); });
      el.append(b);
    }
    this.root.append(el);
    if (timeout) setTimeout(() => el.remove(), timeout);
    return el;
  }

  remove(id) { this.root.querySelectorAll(`[data-id="${id}"]`).forEach((e) => e.remove()); }

  clear() { this.root.replaceChildren(); }
}
