"""The label-grid module (frontend/static/frontend/labels.js) exercised alone in Chromium."""
import pytest

pytestmark = pytest.mark.browser

SCRIPT = """async () => {
  const L = await import('/static/frontend/labels.js');
  const g = new Uint8Array(32 * 32);
  for (let r = 0; r < 32; r++) g[r * 32 + 10] = 2;            // a wall of class 2 down column 10
  const filled = L.floodFill(g, 0, 0, 7);                     // left of the wall only
  const corner = L.paintBrush(g, 0, 31, 5, 1);                // a 5×5 brush clipped at the top-right corner
  const h = new L.History();
  const before = g.slice();
  h.record(g); g[500] = 4;
  const undone = h.undo(g); const redone = h.redo(undone);
  const line = new Uint8Array(32 * 32);
  const painted = L.paintLine(line, 0, 0, 0, 31, 1, 3);       // one fast drag across the row: no gaps
  return { filled, left: g[5 * 32 + 9], wall: g[5 * 32 + 10], right: g[5 * 32 + 11], corner,
           undoOk: undone.every((v, i) => v === before[i]), redoOk: redone[500] === 4, painted,
           rows: L.toRows(L.fromRows(L.toRows(line)))[0].every((v) => v === 3) };
}"""


def test_fill_brush_line_and_history_follow_the_rules(page, live_server):
    page.goto(f"{live_server.url}/static/frontend/label.css")
    out = page.evaluate(SCRIPT)
    assert out["filled"] == 32 * 10 and (out["left"], out["wall"], out["right"]) == (7, 2, 0)
    assert out["corner"] == 3 * 3  # rows 0..2, cols 29..31
    assert out["undoOk"] and out["redoOk"]
    assert out["painted"] == 32 and out["rows"]
