"""Periodic linear interpolation of per-pixel time series, block by block (pure numpy, no Django).

Arrays are "pixels last": values (T, B, N), validity (T, N). Pixels are processed in blocks of BLOCK so a block's
temporaries stay in cache; blocks are independent, so threads can share a chip (numpy releases the GIL inside its
loops). Only dates, bands and blocks are Python loops; nothing loops per pixel. The arithmetic (float32 weights
from float32 positions, v0 + (v1 - v0) * w) is kept as it was before the blocked rewrite: results are bit for bit
the same (tests/core/test_interpolation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Pixels per block: small enough that a block's data stays in cache (L2/L3), large enough that the ~150 numpy calls
# per block cost little (best of 1024..16384: bench/guesslabels.py --block N).
BLOCK = 4096


@dataclass(frozen=True)
class Plan:
    """What depends only on the dates, computed once per chip (not per block)."""

    order: np.ndarray  # (T,) observation index of each rank (observations sorted by position)
    sorted_already: bool  # order is 0..T-1
    targets: np.ndarray  # (K,) float32 target positions
    coincide: bool  # targets are the observations' own sorted positions: only invalid entries need work
    # Row of `last` / `first` (see _valid_neighbour_ranks) read for each target: the last rank at or before it and
    # the first rank after it; row T is a sentinel ("none in this year": wrap to the previous / next year).
    before_row: np.ndarray  # (K,) intp
    after_row: np.ndarray  # (K,) intp
    rows_are_ranks: bool  # coincide with distinct positions: target k reads row k of both (the common case)
    ext_pos: np.ndarray  # (3T,) float32 positions of extended ranks (previous year, this year, next year)
    # ext_pos indexed by extended rank + T + 1, with "none before" (-T - 1) at -2 and "none after" (2T + 1) at 2:
    # pixels without any valid observation get a finite weight (their values are zeroed anyway).
    pos_table: np.ndarray  # (3T + 3,) float32
    # Rank whose filled value row before_row / after_row stands for (_blend_filled): row T, the wrap, is the year's
    # last valid observation (forward fill of rank T - 1) before, its first (backward fill of rank 0) after.
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
    ext_pos = np.concatenate([pos - 1.0, pos, pos + 1.0]).astype(np.float32)
    return Plan(
        order=order,
        sorted_already=bool((order == np.arange(t_count)).all()),
        targets=targets.astype(np.float32),
        coincide=coincide,
        before_row=before_row,
        after_row=cut,
        # An invalid entry's next valid rank is the same from row k as from row k + 1 (= cut), the one target k reads.
        rows_are_ranks=coincide and bool((before_row == np.arange(t_count)).all()),
        ext_pos=ext_pos,
        pos_table=np.concatenate([[-2.0], ext_pos, [2.0, 2.0]]).astype(np.float32),
        before_value_row=np.where(before_row == t_count, t_count - 1, before_row),
        after_value_row=np.where(cut == t_count, 0, cut),
    )


class Scratch:
    """Buffers one thread reuses from block to block. Temporaries of a block are up to a few MB; fresh ones would
    come from mmap and be faulted in page by page on every block, which doubles the run time where glibc's
    MALLOC_MMAP_THRESHOLD_ is fixed (docker-compose sets it for the export streams)."""

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
) -> tuple[np.ndarray, np.ndarray]:
    """Fill pixels start..start+n of out (B, K, N) float32, C-contiguous, and has_obs (n,) for one block.

    values (T, B, n), valid (T, n). Pixels without a valid observation get zeros and has_obs False.
    Returns the block's (last, first) of _valid_neighbour_ranks (scratch buffers: valid until the next block), for
    the other per-pixel figures of the same observations (longest_gaps).
    """
    t_count, n_bands, n = values.shape
    n_pix = out.shape[-1]
    block = out[:, :, start : start + n]
    valid_ranked = valid if plan.sorted_already else valid[plan.order]
    last, first = _valid_neighbour_ranks(valid_ranked, scratch)
    np.greater_equal(last[t_count - 1], 0, out=has_obs)  # -T - 1 without any valid observation
    if plan.coincide:
        # The output in rank order is the scaled input: valid entries are already the answer. Interpolate only the
        # invalid ones, in place; their neighbours are valid entries, which this never overwrites.
        _scaled_in_rank_order(plan, values, scale, block)
        entries = np.flatnonzero(~valid_ranked & has_obs)  # k*n + pixel
        m = len(entries)
        k, pixel = scratch.get("k", (m,), np.intp), scratch.get("pixel", (m,), np.intp)
        np.divmod(entries, n, out=(k, pixel))
        if plan.rows_are_ranks:
            before_at = after_at = entries
        else:
            before_at, after_at = plan.before_row.take(k) * n + pixel, plan.after_row.take(k) * n + pixel
        rows = out.reshape(n_bands, -1)  # rank r of pixel p at column r*N + p
        base = np.add(pixel, start, out=pixel)
        target = plan.targets.take(k)
        values_at = _blend(plan, rows, n_pix, last.reshape(-1), before_at, first.reshape(-1), after_at, target,
                           base, scratch)
        k *= n_pix
        base += k
        for b in range(n_bands):  # one band at a time: 1-D fancy assignment is numpy's fast path
            rows[b][base] = values_at[b]
    else:
        filled = scratch.get("src", (n_bands, t_count, n), np.float32)
        _scaled_in_rank_order(plan, values, scale, filled)
        _blend_filled(plan, filled, valid_ranked, last, first, out, start, scratch)
    if not has_obs.all():
        block[:, :, ~has_obs] = 0.0
    return last, first


def longest_gaps(plan: Plan, last: np.ndarray, first: np.ndarray) -> np.ndarray:
    """(n,) float32 year fractions: each pixel's longest stretch between consecutive valid observations, periodic
    over the year (the last valid one of the year to the first of the next counts); 1.0 without any valid one.
    last, first: a block's neighbour ranks (interpolate_block's return).

    The candidates are pos[r] - pos[last valid rank <= r - 1] for every rank r, valid or not: an invalid rank's
    candidate is a part of the step to the next valid rank (or of the wrap), never more (float32 subtraction is
    monotonic), so the maximum is that of the valid ranks' steps without masking them."""
    t_count = plan.t_count
    pos = plan.ext_pos[t_count : 2 * t_count]  # this year's positions in rank order
    # Position of the last valid rank, indexed by extended rank + T + 1; none in this year (previous year's, or
    # none at all) -> 2, a candidate below 0 that never wins.
    this_year = np.concatenate([np.full(t_count + 1, 2.0, np.float32), pos])
    wrap = pos.take(first[0], mode="clip") + np.float32(1)  # garbage without any valid observation: set below
    wrap -= this_year.take(last[t_count - 1] + (t_count + 1))
    if t_count > 1:
        steps = this_year.take(last[: t_count - 1] + (t_count + 1))
        np.subtract(pos[1:, None], steps, out=steps)
        np.maximum(wrap, steps.max(axis=0), out=wrap)
    wrap[last[t_count - 1] < 0] = 1.0
    return wrap


def _blend_filled(plan: Plan, src, valid_ranked, last, first, out, start, scratch) -> None:
    """Targets off the observations' dates. src (B, T, n): scaled values in rank order, overwritten.

    Every entry (target k, pixel p) is v0 + (v1 - v0) * w between the pixel's last valid observation at or before
    the target and its first valid one after it. The validity mask is per pixel, not per band, so the fills are
    settled once: src becomes "the value of the last valid rank <= r" (forward fill) and a copy of it "the first
    valid rank >= r" (backward fill), each by one gather of the invalid entries from the ranks `last` / `first`
    already name (wrapping round the year), never a loop over ranks. Then each target is one dense multiply-add of
    two rows with a per-pixel weight, for all bands. Same float32 arithmetic as _blend: bit for bit."""
    n_bands, t_count, n = src.shape
    n_pix = out.shape[-1]
    forward = src
    backward = scratch.get("backward", src.shape, np.float32)
    np.copyto(backward, src)
    entries = np.flatnonzero(~valid_ranked)  # r*n + pixel
    if len(entries):
        pixel = np.remainder(entries, n, out=scratch.get("pixel", entries.shape, np.intp))
        rows_f, rows_b = forward.reshape(n_bands, -1), backward.reshape(n_bands, -1)
        for rows, ranks in ((rows_f, last), (rows_b, first)):
            # Extended rank (previous / next year for the wrap) -> the observation's rank; pixels without any valid
            # observation read some invalid entry (zeroed by the caller).
            col = np.remainder(ranks[:t_count].reshape(-1).take(entries), t_count,
                               out=scratch.get("col", entries.shape, np.intp), casting="unsafe")
            col *= n
            col += pixel
            filled = rows.take(col, axis=1)  # sources are valid entries, never written here
            for b in range(n_bands):  # one band at a time: 1-D fancy assignment is numpy's fast path
                rows[b][entries] = filled[b]
    offset = t_count + 1  # extended rank -> index in plan.pos_table
    shape = (len(plan.targets), n)
    p0 = plan.pos_table.take(np.add(last.take(plan.before_row, axis=0), offset,
                                    out=scratch.get("before", shape, np.int16)))
    span = plan.pos_table.take(np.add(first.take(plan.after_row, axis=0), offset,
                                      out=scratch.get("after", shape, np.int16)))
    span -= p0
    weight = np.subtract(plan.targets[:, None], p0, out=p0)
    weight /= span
    for k, (r0, r1) in enumerate(zip(plan.before_value_row, plan.after_value_row)):
        dest = out[:, k, start : start + n]
        v0 = forward[:, r0]
        np.subtract(backward[:, r1], v0, out=dest)
        dest *= weight[k]
        dest += v0  # v0 + (v1 - v0) * w


def _scaled_in_rank_order(plan: Plan, values: np.ndarray, scale: float, dest: np.ndarray) -> None:
    """dest (B, T, n) = values (T, B, n) x scale, ranks in order: cast, then scale in place (faster than a casting
    multiply)."""
    if plan.sorted_already:
        np.copyto(dest, values.transpose(1, 0, 2), casting="unsafe")
    else:
        for r, t in enumerate(plan.order):
            np.copyto(dest[:, r], values[t], casting="unsafe")
    if scale != 1.0:
        dest *= np.float32(scale)


def _blend(plan: Plan, src_rows, stride, last, before_at, first, after_at, target, base, scratch) -> np.ndarray:
    """(B, *S): values at `target` blended from each entry's valid neighbours: last[before_at] and first[after_at]
    (shape S; last and first of _valid_neighbour_ranks, flattened), read in src_rows (B, L) where rank r of a
    pixel sits at column r*stride + base. target and base broadcast to S. Pixels without observations get garbage
    (zeroed by the caller): their extended ranks -1 / 3T + 1 are clipped."""
    t_count = plan.t_count
    shape = np.shape(before_at)
    before, after = scratch.get("before", shape, np.intp), scratch.get("after", shape, np.intp)
    np.add(last.take(before_at), t_count, out=before)  # extended ranks 0..3T-1 (+T = this year)
    np.add(first.take(after_at), t_count, out=after)
    p0 = plan.ext_pos.take(before, mode="clip")
    span = plan.ext_pos.take(after, mode="clip")
    span -= p0
    weight = np.subtract(target, p0, out=p0)
    np.divide(weight, span, out=weight, where=span > 0)  # span is 0 only for pixels without observations
    ext_col = np.tile(np.arange(t_count) * stride, 3)  # extended rank -> column of its rank
    col = scratch.get("col", shape, np.intp)
    values = []
    for name, ext_rank in (("v0", before), ("v1", after)):
        np.take(ext_col, ext_rank, mode="clip", out=col)
        col += base
        values.append(np.take(src_rows, col, axis=1, mode="clip", out=scratch.get(name, (len(src_rows),) + shape,
                                                                                 np.float32)))
    v0, v1 = values
    v1 -= v0
    v1 *= weight
    v0 += v1
    return v0


def _valid_neighbour_ranks(valid_ranked: np.ndarray, scratch: Scratch) -> tuple[np.ndarray, np.ndarray]:
    """(last, first) int16 (T + 1, n), as extended ranks - T: the last valid rank <= r and the first valid rank
    >= r. Where none is left in the year, the previous year's last valid rank (rank - T) or the next year's first
    (rank + T): the periodic wrap, settled here once per pixel rather than per interpolated entry. Row T (read by
    targets before the first or after the last date) holds the wrapped values. Without any valid observation:
    -T - 1 and 2T + 1.

    How: running max / min down the ranks of "rank where valid" with markers below / above any wrapped rank, one
    contiguous row at a time (faster than ufunc.accumulate); then one max / min with the wrapped values.
    """
    t_count, n = valid_ranked.shape
    none_before, none_after = -t_count - 1, 2 * t_count + 1
    rank = np.arange(t_count, dtype=np.int16)[:, None]
    last = scratch.get("last", (t_count + 1, n), np.int16)
    first = scratch.get("first", (t_count + 1, n), np.int16)
    np.multiply(valid_ranked, rank - none_before, out=last[:t_count])  # rank - marker where valid, else 0
    last += none_before
    np.multiply(valid_ranked, rank - none_after, out=first[:t_count])
    first += none_after
    last[t_count] = none_before
    first[t_count] = none_after
    for r in range(1, t_count):
        np.maximum(last[r - 1], last[r], out=last[r])
        np.minimum(first[t_count - r], first[t_count - r - 1], out=first[t_count - r - 1])
    np.maximum(last, last[t_count - 1] - t_count, out=last)  # no valid rank before: the previous year's last
    np.minimum(first, first[0] + t_count, out=first)  # none after: the next year's first
    return last, first
