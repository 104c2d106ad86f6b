// What the overlay canvas shows over imagery and labels, at screen resolution: the task box, class borders
// (outline mode), pixels that differ from the guess, the pixel grid at high zoom, and the tool cursor.

const GRID_MIN_SCALE = 8; // below this the grid would hide the imagery

export function drawOverlay(ctx, cam, { n, grid, mode, cursor, palette }) {
  ctx.clearRect(0, 0, cam.w, cam.h);
  const s = cam.scale;
  const o = cam.toScreen(cam.origin.row, cam.origin.col);
  if (grid && mode.labels && mode.outline) drawOutlines(ctx, o, s, n, grid, palette);
  if (grid && mode.diff && mode.guess) drawDiff(ctx, o, s, n, grid, mode.guess);
  if (mode.pixelGrid && s >= GRID_MIN_SCALE) drawGrid(ctx, cam);
  ctx.strokeStyle = "#ffeb3b"; ctx.lineWidth = 2; ctx.setLineDash([]);
  ctx.strokeRect(o.x - 1, o.y - 1, n * s + 2, n * s + 2); // the task box
  if (cursor) drawCursor(ctx, o, s, cursor);
}

// Class borders only: each pixel draws, in its class colour, the edges it shares with another class (inside
// itself), so both classes of a border are visible and the imagery shows through.
function drawOutlines(ctx, o, s, n, grid, palette) {
  const w = Math.max(1, Math.min(3, Math.floor(s / 6)));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = grid[r * n + c];
      const col = palette[v];
      if (!col || !col[3]) continue;
      ctx.fillStyle = `rgb(${col[0]},${col[1]},${col[2]})`;
      const x = o.x + c * s, y = o.y + r * s;
      if (r === 0 || grid[(r - 1) * n + c] !== v) ctx.fillRect(x, y, s, w);
      if (r === n - 1 || grid[(r + 1) * n + c] !== v) ctx.fillRect(x, y + s - w, s, w);
      if (c === 0 || grid[r * n + c - 1] !== v) ctx.fillRect(x, y, w, s);
      if (c === n - 1 || grid[r * n + c + 1] !== v) ctx.fillRect(x + s - w, y, w, s);
    }
  }
}

// A pixel changed from the guess gets a white diagonal cross with a dark edge (visible on any class colour).
function drawDiff(ctx, o, s, n, grid, guess) {
  const m = Math.max(1, s * 0.2);
  ctx.lineCap = "round";
  for (const [color, width] of [["rgba(0,0,0,.8)", Math.max(2, s / 6)], ["#fff", Math.max(1, s / 12)]]) {
    ctx.strokeStyle = color; ctx.lineWidth = width; ctx.beginPath();
    for (let i = 0; i < grid.length; i++) {
      if (grid[i] === guess[i]) continue;
      const x = o.x + (i % n) * s, y = o.y + ((i / n) | 0) * s;
      ctx.moveTo(x + m, y + m); ctx.lineTo(x + s - m, y + s - m);
      ctx.moveTo(x + s - m, y + m); ctx.lineTo(x + m, y + s - m);
    }
    ctx.stroke();
  }
}

function drawGrid(ctx, cam) {
  const [r0, c0, r1, c1] = cam.visible();
  ctx.strokeStyle = "rgba(255,255,255,.22)"; ctx.lineWidth = 1; ctx.beginPath();
  for (let c = Math.ceil(c0); c <= c1; c++) { const x = cam.tx + c * cam.scale + 0.5; ctx.moveTo(x, 0); ctx.lineTo(x, cam.h); }
  for (let r = Math.ceil(r0); r <= r1; r++) { const y = cam.ty + r * cam.scale + 0.5; ctx.moveTo(0, y); ctx.lineTo(cam.w, y); }
  ctx.stroke();
}

function drawCursor(ctx, o, s, cur) {
  ctx.strokeStyle = "rgba(255,255,255,0.95)"; ctx.lineWidth = 1.5;
  ctx.setLineDash(cur.rect ? [4, 3] : []);
  const [r0, c0, r1, c1] = cur.rect || [cur.r - (cur.size - 1) / 2, cur.c - (cur.size - 1) / 2,
    cur.r + (cur.size - 1) / 2, cur.c + (cur.size - 1) / 2];
  const x = o.x + Math.min(c0, c1) * s, y = o.y + Math.min(r0, r1) * s;
  ctx.strokeRect(x, y, (Math.abs(c1 - c0) + 1) * s, (Math.abs(r1 - r0) + 1) * s);
  ctx.setLineDash([]);
}
