"""Consensus numerics: annotator accuracy against experts, the paper's Bayesian consensus, Dawid–Skene.

Pure numpy/scipy (no Django anywhere in the import chain). Labels are uint8 class codes 1..7 with 0 meaning
"no label here" (imagery.lib.domain.NO_DATA). Arrays of several annotators put the annotator on axis 0.

Choices (documented in docs/consensus.md):
- An annotator's overall accuracy is the mean of their per-task accuracies (LandCoverNet §3.2).
- Bayesian consensus ties (two classes with the same P(j)) go to the class chosen by the most accurate annotator
  among the tied; if their accuracies are equal too, to the smaller class code. Both rules ignore annotator order.
- With one weight per annotator, every pixel's result depends only on its n labels, so the answer for all 8**n label
  combinations is computed once into a lookup table and pixels are a table look-up (memory-bound, no float temporaries
  per pixel). Per-pixel weights take the general path, block by block.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import sparse

from imagery.lib.domain import N_CLASSES, NO_DATA

N_LABELED = N_CLASSES - 1  # labeled classes 1..7
_CODE_BITS = 3  # 8 codes fit in 3 bits
BLOCK_SIZE = 1 << 17  # pixels per block: keeps the 1 MB index buffer in cache
_LUT_MAX_ANNOTATORS = 5  # 8**5 = 32768 entries per table
_LUT_MAX_ENTRIES = 1 << 16  # table entries built at once (groups are taken in chunks of this)
_TIE_EPS = 1e-9  # relative: float sums that are equal in exact arithmetic count as ties


# ---------------------------------------------------------------------------------------------- accuracy


def task_accuracy(labels: np.ndarray, reference: np.ndarray) -> float:
    """Fraction of the reference's labeled pixels (reference != 0) where `labels` equals the reference."""
    labels, reference = np.asarray(labels), np.asarray(reference)
    if labels.shape != reference.shape:
        raise ValueError(f"labels {labels.shape} and reference {reference.shape} differ in shape")
    labeled = reference != NO_DATA
    n = int(np.count_nonzero(labeled))
    if n == 0:
        raise ValueError("reference has no labeled pixel")
    return float(np.count_nonzero(labels[labeled] == reference[labeled]) / n)


def annotator_accuracy(task_accuracies) -> float:
    """Overall accuracy P(w) from per-task accuracies: their mean, as in LandCoverNet §3.2 (every task counts once)."""
    scores = np.asarray(task_accuracies, dtype=np.float64)
    if scores.size == 0:
        raise ValueError("no task accuracy: use the prior accuracy for annotators without reference tasks")
    if not np.all((scores >= 0) & (scores <= 1)):
        raise ValueError("task accuracies must lie in [0, 1]")
    return float(scores.mean())


def class_confusion(labels: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(8, 8) int64 pixel counts: rows the expert's code, columns the annotator's code (0 = annotator gave none)."""
    labels, reference = _as_codes(labels), _as_codes(reference)
    if labels.shape != reference.shape:
        raise ValueError(f"labels {labels.shape} and reference {reference.shape} differ in shape")
    pair = reference.astype(np.intp).ravel() * N_CLASSES + labels.ravel()
    return np.bincount(pair, minlength=N_CLASSES * N_CLASSES).reshape(N_CLASSES, N_CLASSES)


# ---------------------------------------------------------------------------------------------- Bayesian consensus


def bayesian_consensus(
    labels: np.ndarray, weights, *, out: tuple[np.ndarray, np.ndarray] | None = None, block_size: int = BLOCK_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """The paper's accuracy-weighted vote.

    P(j) = sum_i w_i [label_i = j] / sum_i w_i [label_i != 0]; label = argmax_j P(j); score = max_j P(j).
    `labels` (n, ...) uint8 codes 0..7. `weights` finite and > 0, of shape (n,), or the labels' shape (per pixel), or
    the labels' shape with trailing 1s: one weight per annotator per group, e.g. (n, chips, 1, 1) for a batch of chips
    each with its own three annotators.
    Returns label uint8 (...) and score float32 (...); a pixel nobody labeled gets label 0 and score 0.
    `out`: optional (label, score) C-contiguous arrays to write into (no allocation per call when streaming blocks).
    """
    labels = _as_codes(labels, check_range=False)  # the table path's kernel checks the codes as it reads them
    if labels.ndim < 1 or labels.shape[0] == 0:
        raise ValueError("labels need an annotator axis with at least one annotator")
    out_label, out_score = _outputs(out, labels.shape[1:])
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise ValueError("weights must be finite and > 0")
    n, shape = labels.shape[0], labels.shape[1:]
    if weights.shape == (n,):
        weights = weights.reshape((n,) + (1,) * len(shape))
    groups = _group_count(weights.shape, labels.shape)
    if groups is None:
        raise ValueError(f"weights of shape {weights.shape} fit neither ({n},) nor the labels' {labels.shape}")
    grouped = labels.reshape(n, groups, -1)
    out_label, out_score = out_label.reshape(grouped.shape[1:]), out_score.reshape(grouped.shape[1:])
    group_weights = weights.reshape(n, groups).T  # (groups, n)
    # Tables pay off unless there are nearly as many weight groups as pixels (per-pixel weights).
    if n <= _LUT_MAX_ANNOTATORS and (groups == 1 or groups * N_CLASSES**n <= 4 * labels[0].size):
        chunk = max(1, _LUT_MAX_ENTRIES // N_CLASSES**n)
        for g0 in range(0, groups, chunk):
            g1 = min(groups, g0 + chunk)
            distinct, which = np.unique(group_weights[g0:g1], axis=0, return_inverse=True)
            tables = _consensus_tables(distinct)
            _lookup_blocks(grouped[:, g0:g1], which.ravel(), tables, out_label[g0:g1], out_score[g0:g1])
    else:  # one weight per pixel (or many annotators): the general path, block by block
        _check_range(labels)
        flat, w = labels.reshape(n, -1), np.broadcast_to(weights, labels.shape).reshape(n, -1)
        step = max(1, block_size // 16)  # (n, n, block) float temporaries: keep them small
        for start in range(0, flat.shape[1], step):
            sl = slice(start, start + step)
            out_label.reshape(-1)[sl], out_score.reshape(-1)[sl] = _vote(flat[:, sl], w[:, sl])
    return out_label.reshape(shape), out_score.reshape(shape)


def disagreement(labels: np.ndarray) -> np.ndarray:
    """(...) bool: True where two annotators gave different labels (annotators without a label there don't count)."""
    labels = _as_codes(labels)
    lowest = np.where(labels == NO_DATA, np.uint8(255), labels).min(axis=0)
    return (labels.max(axis=0) != lowest) & (lowest != 255)


def _outputs(out, shape) -> tuple[np.ndarray, np.ndarray]:
    if out is None:
        return np.empty(shape, np.uint8), np.empty(shape, np.float32)
    label, score = out
    for arr, dtype in ((label, np.uint8), (score, np.float32)):
        if arr.shape != shape or arr.dtype != dtype or not arr.flags.c_contiguous:
            raise ValueError(f"out arrays must be C-contiguous {shape} uint8 and float32")
    return label, score


def _group_count(weights_shape, labels_shape) -> int | None:
    """Number of weight groups when weights are the labels' shape cut short by trailing 1s, else None."""
    if len(weights_shape) != len(labels_shape) or weights_shape[0] != labels_shape[0]:
        return None
    k = len(weights_shape)
    while k > 1 and weights_shape[k - 1] == 1:
        k -= 1
    if tuple(weights_shape[1:k]) != tuple(labels_shape[1:k]):
        return None
    return int(np.prod(labels_shape[1:k], dtype=np.int64))


def _vote(labels: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """General path on one block: labels (n, B) uint8, weights (n, B) float. O(n^2) over annotators, vectorized."""
    present = labels != NO_DATA
    same = labels[:, None, :] == labels[None, :, :]  # (n, n, B): annotator k chose what annotator i chose
    support = np.where(present, (same * weights[None, :, :]).sum(axis=1), -1.0)  # P(label_i) * total
    best_w = np.where(same, weights[None, :, :], 0.0).max(axis=1)  # accuracy of the best annotator on label_i
    total = (weights * present).sum(axis=0)
    top = support.max(axis=0)
    tol = _TIE_EPS * np.maximum(total, 1.0)
    cand = present & (support >= top - tol)
    top_w = np.where(cand, best_w, -np.inf).max(axis=0)
    cand &= best_w >= top_w - tol
    label = np.where(cand, labels, np.uint8(255)).min(axis=0)
    label[~present.any(axis=0)] = NO_DATA
    score = np.divide(top, total, out=np.zeros_like(total), where=total > 0)
    return label.astype(np.uint8), score.astype(np.float32)


def _consensus_tables(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label and score for every combination of n codes and every weight vector: weights (t, n) -> two (t * 8**n,)
    arrays indexed by table * 8**n + the codes packed 3 bits each (first annotator highest)."""
    t, n = weights.shape
    combos = np.indices((N_CLASSES,) * n, dtype=np.uint8).reshape(n, -1)
    size = combos.shape[1]
    return _vote(np.tile(combos, t), np.repeat(weights.T, size, axis=1))


def _lookup_blocks(rows, which, tables, out_label, out_score) -> None:
    """rows: n code arrays (G, P); group g reads table which[g] at its offset plus the pixel's codes packed 3 bits each
    (first highest): label and score, one compiled pass over the codes (no packed-index arrays in memory)."""
    lut_label, lut_score = tables
    if rows[0].size == 0:
        return
    which = np.ascontiguousarray(which, np.intp)
    if _lookup_kernel(tuple(rows), which, N_CLASSES ** len(rows), lut_label, lut_score, out_label, out_score):
        raise ValueError(f"label codes must lie in 0..{N_CLASSES - 1}")


@numba.njit(nogil=True, cache=True, boundscheck=False)
def _lookup_kernel(rows, which, size, lut_label, lut_score, out_label, out_score) -> bool:
    """True (and stops) on a code outside 0..7, before reading a table with it."""
    n_groups, per_group = rows[0].shape
    for g in range(n_groups):
        base = which[g] * size
        for p in range(per_group):
            index = 0
            for row in rows:
                code = row[g, p]
                if code >= N_CLASSES:
                    return True
                index = (index << _CODE_BITS) | code
            out_label[g, p] = lut_label[base + index]
            out_score[g, p] = lut_score[base + index]
    return False


def _pack(parts, buffers) -> np.ndarray:
    """Codes of n same-shape uint8 blocks packed 3 bits each (first highest) into uint16; buffers (2, >= size)."""
    shape, n = parts[0].shape, len(parts)
    packed, part = (buf[: parts[0].size].reshape(shape) for buf in buffers)
    np.left_shift(parts[0], _CODE_BITS * (n - 1), out=packed, dtype=np.uint16)
    for i in range(1, n - 1):
        np.left_shift(parts[i], _CODE_BITS * (n - 1 - i), out=part, dtype=np.uint16)
        np.bitwise_or(packed, part, out=packed)
    if n > 1:
        np.bitwise_or(packed, parts[n - 1], out=packed)
    return packed


def _as_codes(labels, *, check_range: bool = True) -> np.ndarray:
    """Labels as uint8 codes 0..7, or ValueError naming the problem. check_range=False: uint8 labels are left for
    the caller's kernel to check (a pass over the labels saved); other integer types are checked here, since
    narrowing them could wrap a bad code into range."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "ui":
        raise ValueError(f"labels must be integers, got {labels.dtype}")
    if check_range or labels.dtype != np.uint8:
        _check_range(labels)
    return labels.astype(np.uint8, copy=False)


def _check_range(labels: np.ndarray) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(f"label codes must lie in 0..{N_CLASSES - 1}")


# ---------------------------------------------------------------------------------------------- Dawid–Skene


def dawid_skene(
    labels: np.ndarray,
    reference: np.ndarray | None = None,
    *,
    tol: float = 1e-6,
    max_iter: int = 100,
    smoothing: float = 0.01,
    unclamped: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class-aware consensus by EM over per-annotator confusion matrices (Dawid & Skene 1979).

    `labels` (n, ...) uint8 codes 0..7 (0 = none); `reference` (...) expert codes, 0 where there is none. Pixels with a
    reference are known truth (held fixed) and seed the confusion matrices; the rest start from a soft majority vote.
    EM stops when no posterior moves by more than `tol`, or after `max_iter` iterations.
    `unclamped`: the reference still teaches the model, but every pixel's label and score are what the fitted model
    says from the annotators' labels alone (what it says on a task with no expert; used to calibrate).
    Returns label uint8 (...), score float32 (...) = posterior of the chosen class (0 where nobody labeled), and
    confusion (n, 7, 7) float64: row = true class 1..7, column = the annotator's class 1..7, rows sum to 1.
    Pixels sharing the same labels share the same posterior, so EM runs on the distinct label patterns only.
    """
    labels = _as_codes(labels)
    if labels.ndim < 1 or labels.shape[0] == 0:
        raise ValueError("labels need an annotator axis with at least one annotator")
    n, shape = labels.shape[0], labels.shape[1:]
    ref = None if reference is None else _as_codes(reference)
    if ref is not None and ref.shape != shape:
        raise ValueError(f"reference {ref.shape} does not match the labels' pixels {shape}")
    rows = [*labels.reshape(n, 1, -1)] + ([] if ref is None else [ref.reshape(1, -1)])  # each (1, N)
    if len(rows) <= _LUT_MAX_ANNOTATORS:  # stream: count packed patterns block by block, then a table look-up
        counts = _pattern_counts(rows)
        used = np.flatnonzero(counts)
        label_of, score_of, confusion = _ds_patterns(_unpack(used, len(rows)), counts[used], n, tol, max_iter, smoothing,
                                                     unclamped)
        tables = np.zeros(counts.size, np.uint8), np.zeros(counts.size, np.float32)
        tables[0][used], tables[1][used] = label_of, score_of
        out_label, out_score = np.empty((1, rows[0].size), np.uint8), np.empty((1, rows[0].size), np.float32)
        _lookup_blocks(rows, [0], tables, out_label, out_score)
        return out_label.reshape(shape), out_score.reshape(shape), confusion
    stacked = np.concatenate([r.reshape(1, -1) for r in rows])
    patterns, inverse, counts = unique_columns(stacked)
    label_of, score_of, confusion = _ds_patterns(patterns, counts, n, tol, max_iter, smoothing, unclamped)
    return label_of[inverse].reshape(shape), score_of[inverse].reshape(shape), confusion


_WORD_ROWS = 64 // _CODE_BITS  # codes packed into one uint64 key


def unique_columns(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(codes, axis=1, return_inverse=True, return_counts=True) for (r, N) codes 0..7: the same patterns in
    the same order, inverse (N,) and counts. Each column is packed into 64-bit keys (first rows in the highest bits,
    so their numeric order is the columns' byte order) and sorted as numbers: np.unique sorts the columns as
    byte strings, seconds on the hundreds of thousands of pixels × 30 annotators of a calibration."""
    r, total = codes.shape
    if total == 0:
        return codes[:, :0], np.zeros(0, np.intp), np.zeros(0, np.int64)
    keys = []
    for first in range(0, r, _WORD_ROWS):
        key = np.zeros(total, np.uint64)
        for row in codes[first : first + _WORD_ROWS]:
            key <<= np.uint64(_CODE_BITS)
            key |= row.astype(np.uint64)
        keys.append(key)
    order = np.lexsort(keys[::-1])  # the last key given is the primary one
    starts = np.zeros(total, bool)
    starts[0] = True
    for key in keys:
        ordered = key[order]
        starts[1:] |= ordered[1:] != ordered[:-1]
    first_of = np.flatnonzero(starts)
    inverse = np.empty(total, np.intp)
    inverse[order] = np.cumsum(starts) - 1
    return codes[:, order[first_of]], inverse, np.diff(np.append(first_of, total))


def _pattern_counts(rows) -> np.ndarray:
    """How often each packed combination of the rows' codes occurs: (8**r,) int64, counted block by block."""
    size, total = N_CLASSES ** len(rows), rows[0].size
    counts = np.zeros(size, np.int64)
    buffers = np.empty((2, min(BLOCK_SIZE, total)), np.uint16)
    for start in range(0, total, BLOCK_SIZE):
        block = [row[0, start : start + BLOCK_SIZE] for row in rows]
        counts += np.bincount(_pack(block, buffers), minlength=size)
    return counts


def _unpack(codes: np.ndarray, r: int) -> np.ndarray:
    """(r, m) uint8 codes from packed indices (first row in the highest bits)."""
    shifts = _CODE_BITS * np.arange(r - 1, -1, -1)
    return ((codes[None, :] >> shifts[:, None]) & (N_CLASSES - 1)).astype(np.uint8)


def _ds_patterns(patterns, counts, n, tol, max_iter, smoothing, unclamped=False):
    """EM on distinct patterns (n annotator rows, then the reference row if any): label, score, confusion."""
    ref = patterns[n] if patterns.shape[0] > n else np.zeros(patterns.shape[1], np.uint8)
    post, confusion, prior = _ds_em(patterns[:n], ref, counts, tol, max_iter, smoothing)
    if unclamped:  # the reference taught the model; each pixel gets what the annotators' labels alone say
        post = _ds_posterior(patterns[:n], confusion, prior)
    voted = (patterns != NO_DATA).any(axis=0)
    label = np.where(voted, post.argmax(axis=1) + 1, NO_DATA).astype(np.uint8)
    score = np.where(voted, post.max(axis=1), 0.0).astype(np.float32)
    return label, score, confusion


def _ds_em(patterns, ref, counts, tol, max_iter, smoothing):
    """EM on distinct patterns. patterns (n, m) codes, ref (m,) codes, counts (m,). Returns posterior (m, 7) and
    confusion (n, 7, 7). Both E and M steps are products with one sparse (m, n*7) one-hot matrix of observed labels."""
    n, m = patterns.shape
    k = N_LABELED
    obs_pat, obs_ann = np.nonzero(patterns.T != NO_DATA)
    onehot = sparse.csr_matrix(
        (np.ones(obs_pat.size), (obs_pat, obs_ann * k + patterns.T[obs_pat, obs_ann] - 1)), shape=(m, n * k)
    )
    known = ref != NO_DATA
    truth = np.zeros((m, k))
    truth[known, ref[known] - 1] = 1.0
    votes = np.asarray(onehot @ np.tile(np.eye(k), (n, 1)))  # (m, k) vote counts
    post = np.where(known[:, None], truth, votes / np.maximum(votes.sum(axis=1, keepdims=True), 1))
    weight = counts[:, None].astype(np.float64)
    for _ in range(max_iter):
        # M-step: class priors and confusion rows from the soft truth.
        mass = post * weight
        prior = mass.sum(axis=0) + smoothing
        prior /= prior.sum()
        seen = np.asarray(onehot.T @ mass).reshape(n, k, k)  # [annotator, given, true]
        confusion = seen.transpose(0, 2, 1) + smoothing
        confusion /= confusion.sum(axis=2, keepdims=True)
        # E-step: log posterior = log prior + sum of log P(given | true) over the pattern's annotators.
        logp = np.log(confusion).transpose(0, 2, 1).reshape(n * k, k)
        loglik = np.asarray(onehot @ logp) + np.log(prior)
        loglik -= loglik.max(axis=1, keepdims=True)
        new = np.exp(loglik)
        new /= new.sum(axis=1, keepdims=True)
        new[known] = truth[known]
        change = np.abs(new - post).max() if m else 0.0
        post = new
        if change < tol:
            break
    return post, confusion, prior


def _ds_posterior(patterns, confusion, prior):
    """Posterior (m, 7) of each pattern from its annotators' labels alone, under fitted confusion and prior."""
    n, m = patterns.shape
    loglik = np.tile(np.log(prior), (m, 1))
    logc = np.log(confusion)  # [annotator, true, given]
    for i in range(n):
        given = patterns[i]
        seen = given != NO_DATA
        loglik[seen] += logc[i][:, given[seen].astype(np.intp) - 1].T
    loglik -= loglik.max(axis=1, keepdims=True)
    post = np.exp(loglik)
    return post / post.sum(axis=1, keepdims=True)


def dawid_skene_sparse(
    annotators: np.ndarray,
    labels: np.ndarray,
    reference: np.ndarray | None = None,
    *,
    n_annotators: int,
    tol: float = 1e-6,
    max_iter: int = 100,
    smoothing: float = 0.01,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dawid_skene() for pixels each labeled by a few of many annotators (a tile: dozens of annotators, three a chip).

    `annotators` (k, N) int: which annotator (0..n_annotators-1) gave each of a pixel's k labels; `labels` (k, N)
    codes 0..7 (0 = none); `reference` (N,) expert codes, 0 where there is none. Instead of an (annotators × pixels)
    matrix that is mostly "no label", each pixel's k (annotator, code) pairs and its reference are packed into one
    int64, so memory is O(k·N) plus the distinct patterns, whatever the number of annotators; EM then runs on the
    distinct patterns exactly as dawid_skene() does. Returns label uint8 (N,), score float32 (N,), confusion
    (n_annotators, 7, 7).
    """
    annotators = np.asarray(annotators)
    labels = _as_codes(labels)
    if annotators.shape != labels.shape or labels.ndim != 2:
        raise ValueError(f"annotators {annotators.shape} and labels {labels.shape} must be the same (k, N)")
    k, n_px = labels.shape
    if n_annotators < 1 or (annotators.size and (annotators.min() < 0 or annotators.max() >= n_annotators)):
        raise ValueError(f"annotator indices must lie in 0..{n_annotators - 1}")
    ref = np.zeros(n_px, np.uint8) if reference is None else _as_codes(reference).ravel()
    if ref.size != n_px:
        raise ValueError(f"reference has {ref.size} pixels, labels {n_px}")
    who_bits = max(1, int(n_annotators - 1).bit_length())
    slot_bits = who_bits + _CODE_BITS
    if k * slot_bits + _CODE_BITS > 63:
        raise ValueError(f"{k} labels of {n_annotators} annotators do not pack into 63 bits")
    key = np.zeros(n_px, np.int64)
    for j in range(k):
        slot = (annotators[j].astype(np.int64) << _CODE_BITS) | labels[j]
        key = (key << slot_bits) | np.where(labels[j] != NO_DATA, slot, 0)  # no label: annotator does not matter
    key = (key << _CODE_BITS) | ref
    distinct, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    m = distinct.size
    patterns = np.zeros((n_annotators + 1, m), np.uint8)
    patterns[n_annotators] = distinct & (N_CLASSES - 1)
    rest, cols = distinct >> _CODE_BITS, np.arange(m)
    for _ in range(k):
        code = (rest & (N_CLASSES - 1)).astype(np.uint8)
        who = (rest >> _CODE_BITS) & ((1 << who_bits) - 1)
        has = code != NO_DATA
        patterns[who[has], cols[has]] = code[has]
        rest = rest >> slot_bits
    label_of, score_of, confusion = _ds_patterns(patterns, counts, n_annotators, tol, max_iter, smoothing)
    inverse = inverse.ravel()
    return label_of[inverse], score_of[inverse], confusion
