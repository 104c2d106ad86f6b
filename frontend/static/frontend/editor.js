// Pointer input on the stage: the label tools (brush, fill, rectangle, reset-to-guess, pick, profile), pan
// (space or middle button + drag) and wheel zoom. Edits go through `page.canEdit()` first, which refuses on a
// frozen chip and asks once before a submitted task is changed.
import { fillRect, floodFill, inside, paintLine } from "./labels.js";

export class Editor {
  // page: {n, stage, state, canEdit(), changed(n), beginEdit(), dropEdit(), pick(code), profile(r, c), hover(p),
  //        moved(evt) (the camera moved), guess()}
  constructor(page) {
    this.p = page; this.drag = null; this.pan = null; this.space = false;
    const ov = page.stage.overlay;
    ov.addEventListener("pointerdown", (e) => this.down(e));
    ov.addEventListener("pointermove", (e) => this.move(e));
    ov.addEventListener("pointerup", (e) => this.up(e));
    ov.addEventListener("pointercancel", () => this.cancel());
    ov.addEventListener("pointerleave", () => { if (!this.drag && !this.pan) page.stage.setCursor(null); });
    ov.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    ov.addEventListener("auxclick", (e) => e.preventDefault());
    document.addEventListener("keydown", (e) => { if (e.key === " " && this.onStage(e)) { this.space = true; e.preventDefault(); } });
    document.addEventListener("keyup", (e) => { if (e.key === " ") this.space = false; });
  }

  // Space pans only when no control has the focus (a focused button keeps Space for itself).
  onStage(e) { return !(e.target instanceof Element) || !e.target.closest("button, input, select, textarea, a, dialog"); }

  clamp(v) { return Math.max(0, Math.min(this.p.n - 1, v)); }

  down(evt) {
    const { p } = this;
    if (evt.button === 1 || (evt.button === 0 && this.space)) { // pan
      evt.preventDefault();
      p.stage.overlay.setPointerCapture(evt.pointerId);
      this.pan = { x: evt.clientX, y: evt.clientY };
      return;
    }
    if (!p.state.session || evt.button !== 0) return;
    const at = p.stage.toTaskPixel(evt);
    if (!inside(p.n, at.r, at.c)) return;
    const tool = evt.altKey ? "pick" : evt.shiftKey ? "profile" : p.state.tool;
    const g = p.state.session.labels;
    if (tool === "pick") return p.pick(g[at.r * p.n + at.c]);
    if (tool === "profile") return p.profile(at.r, at.c);
    if (!p.canEdit()) return;
    if (tool === "fill") {
      p.beginEdit();
      const k = floodFill(g, p.n, at.r, at.c, p.state.cls);
      if (!k) p.dropEdit();
      return p.changed(k);
    }
    if (tool === "reset" && !p.guess()) return;
    p.stage.overlay.setPointerCapture(evt.pointerId);
    p.beginEdit();
    this.drag = { tool, start: at, last: at, n: 0 };
    if (tool === "brush") {
      this.drag.n += paintLine(g, p.n, at.r, at.c, at.r, at.c, p.state.brush, p.state.cls);
      p.changed(this.drag.n);
    }
  }

  move(evt) {
    const { p } = this;
    if (this.pan) {
      p.stage.camera.pan(evt.clientX - this.pan.x, evt.clientY - this.pan.y);
      this.pan = { x: evt.clientX, y: evt.clientY };
      return p.moved(evt);
    }
    if (!p.state.session) return;
    const at = p.stage.toTaskPixel(evt);
    p.hover(at);
    const d = this.drag;
    if (d?.tool === "brush") {
      const k = paintLine(p.state.session.labels, p.n, d.last.r, d.last.c, at.r, at.c, p.state.brush, p.state.cls);
      d.n += k; d.last = at; p.changed(k);
    }
    if (d?.tool === "rect" || d?.tool === "reset") {
      p.stage.setCursor({ rect: [d.start.r, d.start.c, this.clamp(at.r), this.clamp(at.c)] });
    } else {
      p.stage.setCursor(inside(p.n, at.r, at.c) && ["brush", "fill", "pick", "profile"].includes(p.state.tool)
        ? { r: at.r, c: at.c, size: p.state.tool === "brush" ? p.state.brush : 1 } : null);
    }
  }

  up(evt) {
    if (this.pan) { this.pan = null; this.p.moved(evt, { settled: true }); return; }
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    const { p } = this;
    if (d.tool === "rect" || d.tool === "reset") {
      const at = p.stage.toTaskPixel(evt);
      const what = d.tool === "reset" ? p.guess() : p.state.cls;
      d.n = fillRect(p.state.session.labels, p.n, d.start.r, d.start.c, this.clamp(at.r), this.clamp(at.c), what);
      p.changed(d.n);
      p.stage.setCursor(null);
    }
    if (!d.n) p.dropEdit(); // a click that changed nothing is no undo step
  }

  cancel() {
    if (this.drag && !this.drag.n) this.p.dropEdit();
    this.drag = null; this.pan = null; this.p.stage.setCursor(null);
  }

  wheel(evt) {
    evt.preventDefault();
    const rect = this.p.stage.overlay.getBoundingClientRect();
    this.p.stage.camera.step(evt.deltaY < 0 ? 1 : -1, evt.clientX - rect.left, evt.clientY - rect.top);
    this.p.moved(evt, { settled: true });
  }
}
