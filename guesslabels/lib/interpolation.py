"""Periodic linear interpolation of per-pixel time series, block by block (pure: numpy and a numba kernel, no
Django).

Arrays are "pixels last": values (T, B, N), validity (T, N). A chip's pixels go to threads in blocks of BLOCK
(validity, SCL class and the kernel's call for one block); blocks are independent and the kernel releases the GIL,
so threads share a chip.

Why compiled: every (target, pixel) entry blends the pixel's own nearest valid observations, so the work is
irregular per pixel. In numpy that costs gathers and scatters, or masked fills, on top of ~5 full passes over the
(B, K, N) output (cast, scale, subtract, multiply, add); the best numpy version (fills once per pixel for all bands,
then one dense multiply-add per target) ran at ~0.8 M px/s per CPU-second on the campaign grid, against a target of
2. The kernel does it in one pass over each sub-block with the same float32 operations, vectorised over pixels.

The arithmetic is the one the numpy versions had (float32 weights (t - p0) / (p1 - p0) from float32 positions,
v0 + (v1 - v0) * w, values cast then scaled in float32; no fused multiply-add: numba's default floating point
model): results are bit for bit those of the per-pixel reference in tests/core/test_interpolation.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

# Pixels per block handed to a thread: the numpy validity rule and the kernel's call per block cost little next to
# the block's work (bench/guesslabels.py --block N).
BLOCK = 4096
# Pixels the kernel fills and blends at a time: its forward / backward rows (2 x B x T x SUB_BLOCK float32, ~1 MB
# for 10 bands x 24 dates) stay in L2. Measured: 512 and 1024 alike, 256 ~10 % and 128 ~50 % slower.
SUB_BLOCK = 512


@dataclass(frozen=True)
class Plan:
    """What depends only on the dates, computed once per chip (not per block)."""

    order: np.ndarray  # (T,) observation index of each rank (observations sorted by position)
    targets: np.ndarray  # (K,) float32 target positions
    coincide: bool  # targets are the observations' own sorted positions: a valid observation is its own target
    # Row of the kernel's `last` / `first` read for each target: the last rank at or before it and the first rank
    # after it; row T is a sentinel ("none in this year": wrap to the previous / next year).
    before_row: np.ndarray  # (K,) intp
    after_row: np.ndarray  # (K,) intp
    # Float32 positions of extended ranks (previous year -T..-1, this year 0..T-1, next year T..2T-1) indexed by
    # extended rank + T + 1, with "none before" (-T - 1) at -2 and "none after" (2T + 1) at 2: pixels without any
    # valid observation get a finite weight (their values are zeroed anyway).
    pos_table: np.ndarray  # (3T + 3,) float32
    # Rank whose filled value stands for before_row / after_row: row T, the wrap, is the year's last valid
    # observation (forward fill of rank T - 1) before, its first (backward fill of rank 0) after.
    before_value_row: np.ndarray  # (K,) intp
    after_value_row: np.ndarray  # (K,) intp

    @property
    def t_count(self) -> int:
        return len(self.order)


def make_plan(positions: np.ndarray, targets: np.ndarray) -> Plan:
    """positions (T,) of the observations and targets (K,), both in [0, 1) of a year."""
    order = np.argsort(positions, kind="stable")
    pos = np.asarray(positions, dtype=np.float64)[order]
    targets = np.asarray(targets, dtype=np.float64)
    t_count = len(pos)
    cut = np.searchsorted(pos, targets, side="right")  # ranks at or before each target
    before_row = np.where(cut > 0, cut - 1, t_count)
    coincide = bool(np.array_equal(targets, pos))
    # pos - 1 and pos + 1 in float64, then rounded: the positions the weights of every earlier version used
    ext_pos = np.concatenate([pos - 1.0, pos, pos + 1.0]).astype(np.float32)
    return Plan(
        order=order,
        targets=targets.astype(np.float32),
        coincide=coincide,
        before_row=before_row,
        after_row=cut,
        pos_table=np.concatenate([[-2.0], ext_pos, [2.0, 2.0]]).astype(np.float32),
        before_value_row=np.where(before_row == t_count, t_count - 1, before_row),
        after_value_row=np.where(cut == t_count, 0, cut),
    )


class Scratch:
    """Buffers one thread reuses from block to block (the kernel's rows, the validity rule's temporaries): fresh
    ones of a MB would come from mmap and be faulted in page by page on every block, which doubles the run time
    where glibc's MALLOC_MMAP_THRESHOLD_ is fixed (docker-compose sets it for the export streams)."""

    def __init__(self):
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        size = int(np.prod(shape)) * dtype.itemsize
        buf = self._buffers.get(name)
        if buf is None or buf.nbytes < size:
            buf = self._buffers[name] = np.empty(max(size, 64), np.uint8)
        return buf[:size].view(dtype).reshape(shape)


def interpolate_block(
    plan: Plan,
    values: np.ndarray,
    valid: np.ndarray,
    scale: float,
    out: np.ndarray,
    start: int,
    has_obs: np.ndarray,
    scratch: Scratch,
    gaps: np.ndarray | None = None,
) -> None:
    """Fill pixels start..start+n of out (B, K, N) float32, C-contiguous, has_obs (n,) and gaps (n,) for one block.

    values (T, >= B, N): the whole chip (its first B bands are read; not copied when C-contiguous), valid (T, n)
    the block's validity. Pixels without a valid observation get zeros and has_obs False. gaps (optional, float32):
    each pixel's longest stretch between consecutive valid observations as a fraction of the year, periodic (the
    last valid one of the year to the first of the next counts); 1.0 without any valid observation.
    """
    t_count, n = valid.shape
    n_bands, k_count = out.shape[0], out.shape[1]
    if gaps is None:
        gaps = scratch.get("gaps", (n,), np.float32)
    # The kernel runs without bounds checks: every shape it relies on is checked here.
    if out.dtype != np.float32 or not out.flags.c_contiguous or out.ndim != 3 or k_count != len(plan.targets):
        raise ValueError(f"out must be a C-contiguous float32 (bands, {len(plan.targets)}, pixels) array")
    if not values.flags.c_contiguous:  # copying here would copy the whole chip for every block
        raise ValueError("values must be C-contiguous (np.ascontiguousarray once per chip)")
    if (values.ndim != 3 or values.shape[0] != t_count or t_count != plan.t_count or values.shape[1] < n_bands
            or min(values.shape[2], out.shape[2]) < start + n or start < 0 or valid.dtype != bool):
        raise ValueError(f"values {values.shape}, valid {valid.shape} {valid.dtype} and out {out.shape} do not match "
                         f"{plan.t_count} dates and pixels {start}..{start + n}")
    if has_obs.shape != (n,) or has_obs.dtype != bool or gaps.shape != (n,) or gaps.dtype != np.float32:
        raise ValueError(f"has_obs and gaps must be ({n},) bool and float32 arrays")
    sub = SUB_BLOCK
    _kernel(
        values, n_bands, np.ascontiguousarray(valid), plan.order, plan.pos_table, plan.targets,
        plan.before_row, plan.after_row, plan.before_value_row, plan.after_value_row, plan.coincide,
        np.float32(scale), out, start, has_obs, gaps,
        scratch.get("last", (t_count + 1, sub), np.int32), scratch.get("first", (t_count + 1, sub), np.int32),
        scratch.get("forward", (n_bands, t_count, sub), np.float32),
        scratch.get("backward", (n_bands, t_count, sub), np.float32),
        scratch.get("weight", (k_count, sub), np.float32),
    )


# The kernel. Loops run over contiguous rows sliced for each sub-block, so that LLVM vectorises the inner loops
# (an index like `s + p` into a whole row keeps numba's negative-index wrap-around and stays scalar).
_JIT = dict(nogil=True, cache=True, boundscheck=False)


@numba.njit(**_JIT)
def _neighbour_ranks(valid, order, s, m, last, first):
    """last / first (T + 1, m) int32 for pixels s..s+m, as extended ranks: the last valid rank <= r and the first
    valid rank >= r; where none is left in the year, the previous year's last valid rank (rank - T) or the next
    year's first (rank + T): the periodic wrap, settled once per pixel. Row T holds the wrapped values. Without any
    valid observation: -T - 1 and 2T + 1."""
    t_count = order.shape[0]
    none_before, none_after = -t_count - 1, 2 * t_count + 1
    valid_r, last_r = valid[order[0], s : s + m], last[0, :m]
    for p in range(m):
        last_r[p] = 0 if valid_r[p] else none_before
    for r in range(1, t_count):
        valid_r, last_r, last_prev = valid[order[r], s : s + m], last[r, :m], last[r - 1, :m]
        for p in range(m):
            last_r[p] = r if valid_r[p] else last_prev[p]
    valid_r, first_r = valid[order[t_count - 1], s : s + m], first[t_count - 1, :m]
    for p in range(m):
        first_r[p] = t_count - 1 if valid_r[p] else none_after
    for r in range(t_count - 2, -1, -1):
        valid_r, first_r, first_next = valid[order[r], s : s + m], first[r, :m], first[r + 1, :m]
        for p in range(m):
            first_r[p] = r if valid_r[p] else first_next[p]
    wrap_last, wrap_first = last[t_count, :m], first[t_count, :m]
    year_last, year_first = last[t_count - 1, :m], first[0, :m]
    for p in range(m):
        seen = year_last[p] >= 0
        wrap_last[p] = year_last[p] - t_count if seen else none_before
        wrap_first[p] = year_first[p] + t_count if seen else none_after
    for r in range(t_count):
        last_r, first_r = last[r, :m], first[r, :m]
        for p in range(m):
            last_r[p] = max(last_r[p], wrap_last[p])
            first_r[p] = min(first_r[p], wrap_first[p])


@numba.njit(**_JIT)
def _kernel(values, n_bands, valid, order, pos_table, targets, before_row, after_row, before_value_row,
            after_value_row, own_dates, scale, out, start, has_obs, gaps, last, first, forward, backward, weight):
    t_count, n = valid.shape
    k_count = targets.shape[0]
    offset = t_count + 1  # extended rank -> index in pos_table
    zero, one = np.float32(0.0), np.float32(1.0)
    sub = last.shape[1]
    for s in range(0, n, sub):
        m = min(sub, n - s)
        _neighbour_ranks(valid, order, s, m, last, first)
        year_last, year_first = last[t_count - 1, :m], first[0, :m]
        seen, gap = has_obs[s : s + m], gaps[s : s + m]
        # Longest gap: the wrap (first valid one + 1 - last valid one), then each step between a valid rank and the
        # last valid one before it in the same year.
        # (Table reads are unconditional, every extended rank has an entry: a conditional read keeps a loop scalar.)
        for p in range(m):
            seen[p] = year_last[p] >= 0
            wrap = (pos_table[year_first[p] + offset] + one) - pos_table[year_last[p] + offset]
            gap[p] = wrap if seen[p] else one
        for r in range(1, t_count):
            valid_r, last_prev, pos_r = valid[order[r], s : s + m], last[r - 1, :m], pos_table[r + offset]
            for p in range(m):
                step, so_far = pos_r - pos_table[last_prev[p] + offset], gap[p]
                gap[p] = max(so_far, step) if valid_r[p] and last_prev[p] >= 0 else so_far
        # Weight of each (target, pixel) between its two valid neighbours, for all bands alike.
        for k in range(k_count):
            before, after = last[before_row[k], :m], first[after_row[k], :m]
            weight_k, target = weight[k, :m], targets[k]
            for p in range(m):
                p0 = pos_table[before[p] + offset]
                weight_k[p] = (target - p0) / (pos_table[after[p] + offset] - p0)
        all_seen = True
        for p in range(m):
            all_seen &= seen[p]
        # Filled rows, band by band: forward[r] = value of the last valid rank <= r, backward[r] = of the first
        # valid rank >= r. Ranks before a pixel's first valid observation take the year's last one (the wrap):
        # forward[T - 1] once the pass is done; ranks after its last valid one take backward[0]. Both sides of each
        # choice are loaded before it: a conditional load (`a[p] if c else b[p]`) keeps the loop scalar.
        head, tail = 0, t_count  # ranks to wrap over the sub-block's pixels: r < head (forward), r >= tail (backward)
        for p in range(m):
            if seen[p]:
                head = max(head, year_first[p])
                tail = min(tail, year_last[p] + 1)
        for b in range(n_bands):
            fw, bw = forward[b], backward[b]
            for r in range(t_count):
                t = order[r]
                src, valid_r, row = values[t, b, start + s : start + s + m], valid[t, s : s + m], fw[r, :m]
                prev = fw[max(r - 1, 0), :m]
                for p in range(m):
                    v = np.float32(src[p]) * scale
                    before = prev[p]
                    row[p] = v if valid_r[p] else before
            year_end = fw[t_count - 1, :m]
            for r in range(head):
                row = fw[r, :m]
                for p in range(m):
                    wrapped, own = year_end[p], row[p]
                    row[p] = wrapped if r < year_first[p] else own
            bw[t_count - 1, :m] = fw[t_count - 1, :m]
            for r in range(t_count - 2, -1, -1):
                valid_r, row, fw_r, nxt = valid[order[r], s : s + m], bw[r, :m], fw[r, :m], bw[r + 1, :m]
                for p in range(m):
                    own, after = fw_r[p], nxt[p]
                    row[p] = own if valid_r[p] else after
            year_start = bw[0, :m]
            for r in range(tail, t_count):
                row = bw[r, :m]
                for p in range(m):
                    wrapped, own = year_start[p], row[p]
                    row[p] = wrapped if r > year_last[p] else own
            for k in range(k_count):
                v0s, v1s, weight_k = forward[b, before_value_row[k], :m], backward[b, after_value_row[k], :m], weight[k, :m]
                dest = out[b, k, start + s : start + s + m]
                for p in range(m):
                    v0 = v0s[p]
                    dest[p] = v0 + (v1s[p] - v0) * weight_k[p]
                if own_dates:  # a valid observation is its own target (even beside a scene of the same day)
                    valid_k, own = valid[order[k], s : s + m], forward[b, k, :m]
                    for p in range(m):
                        if valid_k[p]:
                            dest[p] = own[p]
                if not all_seen:  # pixels without any valid observation: zeros
                    for p in range(m):
                        if not seen[p]:
                            dest[p] = zero
