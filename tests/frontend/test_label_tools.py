"""The label-grid module (frontend/static/frontend/labels.js) exercised alone in Chromium."""
import pytest

pytestmark = pytest.mark.browser

SCRIPT = """async () => {
  const L = await import('/static/frontend/labels.js');
  const n = 32;
  const g = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) g[r * n + 10] = 2;              // a wall of class 2 down column 10
  const filled = L.floodFill(g, n, 0, 0, 7);                  // left of the wall only
  const corner = L.paintBrush(g, n, 0, 31, 5, 1);             // a 5×5 brush clipped at the top-right corner
  const h = new L.History();
  const before = g.slice();
  h.record(g); g[500] = 4;
  const undone = h.undo(g); const redone = h.redo(undone);
  const line = new Uint8Array(n * n);
  const painted = L.paintLine(line, n, 0, 0, 0, 31, 1, 3);    // one fast drag across the row: no gaps
  const guess = new Uint8Array(n * n).fill(6);
  const reset = L.fillRect(line, n, 0, 0, 1, 3, guess);       // a 2×4 selection back to the guess
  const small = new Uint8Array(8 * 8);                        // the size comes from the caller, not a constant
  const smallFill = L.floodFill(small, 8, 3, 3, 5);
  return { filled, left: g[5 * n + 9], wall: g[5 * n + 10], right: g[5 * n + 11], corner,
           undoOk: undone.every((v, i) => v === before[i]), redoOk: redone[500] === 4, painted, reset,
           rowAfterReset: L.toRows(line, n)[0].slice(0, 6), smallFill,
           differ: L.countDiffer(line, guess), same: L.sameGrid(guess, guess.slice()),
           rows: L.toRows(L.fromRows(L.toRows(line, n)), n)[0].slice(4).every((v) => v === 3) };
}"""


def test_fill_brush_line_reset_and_history_follow_the_rules(page, live_server):
    page.goto(f"{live_server.url}/static/frontend/label.css")
    out = page.evaluate(SCRIPT)
    assert out["filled"] == 32 * 10 and (out["left"], out["wall"], out["right"]) == (7, 2, 0)
    assert out["corner"] == 3 * 3  # rows 0..2, cols 29..31
    assert out["undoOk"] and out["redoOk"]
    assert out["painted"] == 32 and out["rows"]
    assert out["reset"] == 8 and out["rowAfterReset"] == [6, 6, 6, 6, 3, 3]
    assert out["smallFill"] == 64
    assert out["differ"] == 32 * 32 - 8 and out["same"]
