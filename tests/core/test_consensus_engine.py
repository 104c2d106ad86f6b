"""consensus.lib.engine: hand-computed cases, properties (hypothesis), Dawid–Skene on synthetic annotators."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from consensus.lib.engine import (
    annotator_accuracy,
    bayesian_consensus,
    class_confusion,
    dawid_skene,
    dawid_skene_sparse,
    disagreement,
    task_accuracy,
)


def labels_of(*columns):
    """Annotator-major uint8 array from per-pixel tuples: labels_of((5, 6, 6)) -> shape (3, 1)."""
    return np.array(columns, dtype=np.uint8).T


# ---------------------------------------------------------------------------------------------- accuracy


def test_task_accuracy_counts_only_pixels_the_expert_labeled():
    reference = np.array([[1, 1, 0], [2, 2, 0]], np.uint8)
    labels = np.array([[1, 5, 7], [2, 2, 7]], np.uint8)
    assert task_accuracy(labels, reference) == pytest.approx(3 / 4)


def test_task_accuracy_rejects_a_reference_without_labeled_pixels():
    with pytest.raises(ValueError, match="no labeled pixel"):
        task_accuracy(np.ones((2, 2), np.uint8), np.zeros((2, 2), np.uint8))


def test_annotator_accuracy_is_the_mean_of_task_accuracies():
    assert annotator_accuracy([1.0, 0.5, 0.75]) == pytest.approx(0.75)


def test_annotator_accuracy_refuses_no_scores_so_callers_use_the_prior():
    with pytest.raises(ValueError, match="prior"):
        annotator_accuracy([])


def test_class_confusion_counts_expert_rows_against_annotator_columns():
    reference = np.array([1, 1, 2, 0], np.uint8)
    labels = np.array([1, 3, 2, 5], np.uint8)
    confusion = class_confusion(labels, reference)
    assert confusion.shape == (8, 8)
    assert confusion[1, 1] == 1 and confusion[1, 3] == 1 and confusion[2, 2] == 1 and confusion[0, 5] == 1
    assert confusion.sum() == 4


# ---------------------------------------------------------------------------------------------- Bayesian, by hand


def test_paper_example_weighted_majority_wins_with_its_share_of_the_weight():
    label, score = bayesian_consensus(labels_of((5, 6, 6)), [0.9, 0.8, 0.6])
    assert label.tolist() == [6]
    assert score[0] == pytest.approx((0.8 + 0.6) / 2.3, rel=1e-6)


def test_unanimous_pixels_score_one():
    label, score = bayesian_consensus(labels_of((3, 3, 3), (7, 7, 7)), [0.9, 0.5, 0.6])
    assert label.tolist() == [3, 7]
    assert score.tolist() == [1.0, 1.0]


def test_three_different_answers_follow_the_most_accurate_annotator():
    label, score = bayesian_consensus(labels_of((1, 2, 3)), [0.7, 0.9, 0.8])
    assert label.tolist() == [2]
    assert score[0] == pytest.approx(0.9 / 2.4, rel=1e-6)


def test_partial_coverage_normalises_over_the_annotators_present():
    label, score = bayesian_consensus(labels_of((5, 0, 6), (0, 0, 4)), [0.9, 0.8, 0.6])
    assert label.tolist() == [5, 4]
    assert score[0] == pytest.approx(0.9 / 1.5, rel=1e-6)
    assert score[1] == 1.0


def test_tie_goes_to_the_class_of_the_most_accurate_tied_annotator():
    # P(5) = (0.5 + 0.3) / 1.6 = P(6) = 0.8 / 1.6; annotator with 0.8 chose 6.
    label, score = bayesian_consensus(labels_of((5, 5, 6)), [0.5, 0.3, 0.8])
    assert label.tolist() == [6]
    assert score[0] == pytest.approx(0.5, rel=1e-6)


def test_tie_between_equally_accurate_annotators_goes_to_the_smaller_class_code():
    label, _ = bayesian_consensus(labels_of((3, 2, 0), (2, 3, 0)), [0.7, 0.7, 0.9])
    assert label.tolist() == [2, 2]


def test_a_pixel_nobody_labeled_gets_no_data_and_score_zero():
    label, score = bayesian_consensus(labels_of((0, 0, 0), (0, 4, 0)), [0.9, 0.8, 0.6])
    assert label.tolist() == [0, 4]
    assert score.tolist() == [0.0, 1.0]


def test_output_keeps_the_pixel_shape_and_dtypes():
    labels = np.full((3, 32, 32), 6, np.uint8)
    label, score = bayesian_consensus(labels, np.array([0.9, 0.8, 0.6]))
    assert label.shape == score.shape == (32, 32)
    assert label.dtype == np.uint8 and score.dtype == np.float32


def test_per_pixel_weights_change_the_winner_where_they_differ():
    labels = labels_of((5, 6, 6), (5, 6, 6))
    weights = np.array([[0.9, 0.9], [0.3, 0.8], [0.3, 0.6]])
    label, score = bayesian_consensus(labels, weights)
    assert label.tolist() == [5, 6]
    assert score[0] == pytest.approx(0.9 / 1.5, rel=1e-6)


@pytest.mark.parametrize(
    "labels, weights, message",
    [
        (labels_of((8, 1, 1)), [0.9, 0.8, 0.6], "0..7"),
        (labels_of((1, 1, 1)).astype(np.float32), [0.9, 0.8, 0.6], "integers"),
        (labels_of((1, 1, 1)), [0.9, 0.0, 0.6], "> 0"),
        (labels_of((1, 1, 1)), [0.9, np.nan, 0.6], "finite"),
        (labels_of((1, 1, 1)), [0.9, 0.8], "fit neither"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(labels, weights, message):
    with pytest.raises(ValueError, match=message):
        bayesian_consensus(labels, weights)


def _one_bad_code(dtype, code):
    labels = np.full((3, 4, 256, 256), 6, dtype)
    labels[1, 2, 100, 7] = code
    return labels


@pytest.mark.parametrize("labels, weights", [
    (_one_bad_code(np.uint8, 9), [0.9, 0.8, 0.6]),  # the table kernel meets it mid-stream
    (_one_bad_code(np.uint8, 255), np.full((3, 4, 1, 1), 0.7)),  # one weight group per chip
    (_one_bad_code(np.int16, 259), [0.9, 0.8, 0.6]),  # would wrap to 3 as uint8
    (_one_bad_code(np.uint8, 8), np.full((3, 4, 256, 256), 0.7)),  # per-pixel weights: the general path
])
def test_a_code_outside_0_to_7_anywhere_is_refused(labels, weights):
    with pytest.raises(ValueError, match="0..7"):
        bayesian_consensus(labels, np.asarray(weights))


def test_blocks_give_the_same_answer_as_one_pass():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 8, (3, 10_000), dtype=np.uint8)
    whole = bayesian_consensus(labels, [0.9, 0.8, 0.6])
    blocked = bayesian_consensus(labels, [0.9, 0.8, 0.6], block_size=999)
    np.testing.assert_array_equal(whole[0], blocked[0])
    np.testing.assert_array_equal(whole[1], blocked[1])


@pytest.mark.parametrize("block_size", [100, 4096, 1 << 17])
def test_one_weight_per_annotator_per_chip_matches_one_call_per_chip(block_size):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 8, (3, 5, 40, 40), dtype=np.uint8)
    weights = rng.uniform(0.5, 1.0, (3, 5))
    weights[:, 3] = weights[:, 1]  # two chips share their annotators: one table serves both
    label, score = bayesian_consensus(labels, weights[:, :, None, None], block_size=block_size)
    for chip in range(5):
        expected_label, expected_score = bayesian_consensus(labels[:, chip], weights[:, chip])
        np.testing.assert_array_equal(label[chip], expected_label)
        np.testing.assert_array_equal(score[chip], expected_score)


def test_disagreement_marks_pixels_where_the_given_labels_differ():
    labels = labels_of((5, 5, 5), (5, 6, 5), (0, 5, 5), (0, 0, 0), (3, 0, 4))
    assert disagreement(labels).tolist() == [False, True, False, False, True]


def test_results_can_be_written_into_given_arrays():
    labels = np.random.default_rng(4).integers(0, 8, (3, 2, 50, 50), dtype=np.uint8)
    out = np.empty((2, 50, 50), np.uint8), np.empty((2, 50, 50), np.float32)
    bayesian_consensus(labels, np.array([0.9, 0.8, 0.6]), out=out)
    expected = bayesian_consensus(labels, np.array([0.9, 0.8, 0.6]))
    np.testing.assert_array_equal(out[0], expected[0])
    np.testing.assert_array_equal(out[1], expected[1])
    with pytest.raises(ValueError, match="out arrays"):
        bayesian_consensus(labels, [0.9, 0.8, 0.6], out=(out[0], out[1].astype(np.float64)))


# ---------------------------------------------------------------------------------------------- Bayesian, properties


def oracle(column, weights):
    """Per-pixel definition from the issue, written plainly (fine in a test on tiny inputs)."""
    sums = {}
    for code, w in zip(column, weights):
        if code:
            sums[code] = sums.get(code, 0.0) + w
    if not sums:
        return 0, 0.0
    total, top = sum(sums.values()), max(sums.values())
    tied = [c for c, s in sums.items() if s >= top - 1e-9]
    best = {c: max(w for code, w in zip(column, weights) if code == c) for c in tied}
    top_w = max(best.values())
    return min(c for c in tied if best[c] >= top_w - 1e-9), top / total


annotator_weights = st.lists(st.floats(0.05, 1.0), min_size=1, max_size=7)


@st.composite
def votes(draw):
    weights = draw(annotator_weights)
    pixels = draw(st.integers(1, 40))
    labels = draw(hnp.arrays(np.uint8, (len(weights), pixels), elements=st.integers(0, 7)))
    return labels, np.array(weights)


@settings(max_examples=200, deadline=None)
@given(votes())
def test_label_is_one_of_the_given_labels_and_score_lies_in_zero_one(case):
    labels, weights = case
    label, score = bayesian_consensus(labels, weights)
    labeled = (labels != 0).any(axis=0)
    assert np.all((labels == label[None, :]).any(axis=0)[labeled])
    assert np.all(score[labeled] > 0) and np.all(score[labeled] <= 1)
    assert np.all(label[~labeled] == 0) and np.all(score[~labeled] == 0)


@settings(max_examples=200, deadline=None)
@given(votes(), st.randoms(use_true_random=False))
def test_permuting_annotators_changes_nothing(case, random):
    labels, weights = case
    order = list(range(len(weights)))
    random.shuffle(order)
    label, score = bayesian_consensus(labels, weights)
    label_p, score_p = bayesian_consensus(labels[order], weights[order])
    np.testing.assert_array_equal(label, label_p)
    np.testing.assert_allclose(score, score_p, rtol=1e-6)


@settings(max_examples=200, deadline=None)
@given(votes())
def test_table_path_and_per_pixel_path_agree_with_the_plain_definition(case):
    labels, weights = case
    per_pixel = np.broadcast_to(weights[:, None], labels.shape).copy()
    expected = [oracle(labels[:, p].tolist(), weights.tolist()) for p in range(labels.shape[1])]
    for w in (weights, per_pixel):
        label, score = bayesian_consensus(labels, w)
        assert label.tolist() == [e[0] for e in expected]
        np.testing.assert_allclose(score, [e[1] for e in expected], rtol=1e-6)


# ---------------------------------------------------------------------------------------------- Dawid–Skene


def synthetic_crowd(rng, confusions, n_pixels, prior):
    """Truth drawn from `prior`; annotator a answers class c with probabilities confusions[a, c - 1]."""
    truth = rng.choice(np.arange(1, 8), size=n_pixels, p=prior)
    cumulative = confusions.cumsum(axis=2)  # (n, 7, 7)
    draws = rng.random((len(confusions), n_pixels))
    rows = cumulative[:, truth - 1, :]  # (n, N, 7)
    labels = (draws[:, :, None] > rows).sum(axis=2) + 1
    return truth.astype(np.uint8), np.minimum(labels, 7).astype(np.uint8)


def known_confusions():
    eye = np.eye(7)
    good = 0.85 * eye + 0.15 / 7
    swapper = 0.3 * eye + 0.7 / 7  # unreliable everywhere
    swapper = swapper / swapper.sum(axis=1, keepdims=True)
    confuser = eye.copy()  # reliable, except it calls cultivated (6) natural (7) and vice versa
    confuser[5], confuser[6] = eye[6], eye[5]
    confuser = 0.9 * confuser + 0.1 / 7
    biased = 0.55 * eye + 0.45 * np.tile(eye[4], (7, 1))  # calls many things woody (5)
    return np.stack([good, swapper, confuser, biased, good])


def test_dawid_skene_recovers_known_confusion_matrices_and_beats_majority_vote():
    rng = np.random.default_rng(7)
    confusions = known_confusions()
    prior = np.array([0.1, 0.05, 0.15, 0.05, 0.25, 0.2, 0.2])
    truth, labels = synthetic_crowd(rng, confusions, 60_000, prior)
    label, score, estimated = dawid_skene(labels)
    assert estimated.shape == (5, 7, 7)
    np.testing.assert_allclose(estimated.sum(axis=2), 1.0)
    assert np.abs(estimated - confusions).max() < 0.05
    majority, _ = bayesian_consensus(labels, np.ones(5))
    assert (label == truth).mean() > (majority == truth).mean() + 0.02
    assert np.all((score > 0) & (score <= 1))


def test_dawid_skene_holds_expert_references_as_truth_and_learns_from_them():
    rng = np.random.default_rng(3)
    truth, labels = synthetic_crowd(rng, known_confusions()[:3], 20_000, np.full(7, 1 / 7))
    reference = np.where(rng.random(truth.size) < 0.1, truth, 0).astype(np.uint8)
    label, score, _ = dawid_skene(labels, reference)
    known = reference != 0
    np.testing.assert_array_equal(label[known], truth[known])
    assert np.all(score[known] == 1.0)
    unseeded, _, _ = dawid_skene(labels)
    assert (label == truth)[~known].mean() >= (unseeded == truth)[~known].mean() - 0.01


def test_dawid_skene_leaves_unlabeled_pixels_empty_and_keeps_the_shape():
    labels = np.zeros((3, 4, 4), np.uint8)
    labels[:, 0, 0] = [2, 2, 3]
    label, score, confusion = dawid_skene(labels)
    assert label.shape == score.shape == (4, 4)
    assert label[0, 0] == 2 and 0 < score[0, 0] <= 1
    assert np.all(label.ravel()[1:] == 0) and np.all(score.ravel()[1:] == 0)
    assert confusion.shape == (3, 7, 7)


def test_dawid_skene_stops_at_the_iteration_cap():
    rng = np.random.default_rng(0)
    _, labels = synthetic_crowd(rng, known_confusions(), 5_000, np.full(7, 1 / 7))
    one, _, _ = dawid_skene(labels, max_iter=1)
    many, _, _ = dawid_skene(labels, max_iter=200)
    assert (one != many).any()


def test_dawid_skene_with_many_annotators_takes_the_sorting_path():
    rng = np.random.default_rng(5)
    confusions = np.concatenate([known_confusions()] * 2)  # 10 annotators + reference row: 33 bits
    truth, labels = synthetic_crowd(rng, confusions, 3_000, np.full(7, 1 / 7))
    label, _, estimated = dawid_skene(labels)
    assert estimated.shape == (10, 7, 7)
    assert (label == truth).mean() > 0.9


def test_dawid_skene_streamed_and_sorted_paths_agree():
    rng = np.random.default_rng(11)
    truth, labels = synthetic_crowd(rng, known_confusions()[:3], 20_000, np.full(7, 1 / 7))
    reference = np.where(rng.random(truth.size) < 0.05, truth, 0).astype(np.uint8)
    streamed = dawid_skene(labels, reference)  # 3 annotators + reference: packed codes, block by block
    silent = np.concatenate([labels, np.zeros((3, truth.size), np.uint8)])  # 3 annotators who labeled nothing
    sorted_ = dawid_skene(silent, reference)  # 7 rows: distinct columns by sorting
    np.testing.assert_array_equal(streamed[0], sorted_[0])
    np.testing.assert_allclose(streamed[1], sorted_[1], rtol=1e-5)
    np.testing.assert_allclose(streamed[2], sorted_[2][:3], atol=1e-9)


def test_empty_inputs_give_empty_outputs():
    empty = np.zeros((3, 0), np.uint8)
    assert bayesian_consensus(empty, [0.9, 0.8, 0.6])[0].shape == (0,)
    assert dawid_skene(empty)[0].shape == (0,)


def test_sparse_dawid_skene_equals_the_dense_fit_with_many_annotators():
    """Each pixel labeled by 3 of 12 annotators: the packed (annotator, code) patterns give dawid_skene()'s answer."""
    rng = np.random.default_rng(5)
    n, tasks = 12, 40
    truth = rng.integers(1, 8, tasks * 64).astype(np.uint8)
    who = np.repeat(np.stack([rng.choice(n, 3, replace=False) for _ in range(tasks)]).T, 64, axis=1)
    skill = rng.uniform(0.5, 0.95, n)
    right = rng.random(who.shape) < skill[who]
    labels = np.where(right, truth, rng.integers(1, 8, who.shape)).astype(np.uint8)
    labels[0, :50] = 0  # some pixels with fewer labels
    reference = np.where(rng.random(truth.size) < 0.1, truth, 0).astype(np.uint8)
    dense = np.zeros((n, truth.size), np.uint8)
    for j in range(3):
        dense[who[j], np.arange(truth.size)] = labels[j]
    label, score, confusion = dawid_skene(dense, reference)
    s_label, s_score, s_confusion = dawid_skene_sparse(who, labels, reference, n_annotators=n)
    np.testing.assert_array_equal(s_label, label)
    np.testing.assert_allclose(s_score, score, atol=1e-6)
    np.testing.assert_allclose(s_confusion, confusion, atol=1e-9)
    with pytest.raises(ValueError, match="annotator indices"):
        dawid_skene_sparse(who, labels, n_annotators=2)


def test_unique_columns_gives_what_numpy_unique_gives_in_the_same_order():
    from consensus.lib.engine import unique_columns

    rng = np.random.default_rng(7)
    for rows, n in ((1, 50), (5, 1000), (21, 3000), (22, 3000), (31, 20000), (43, 500)):
        codes = rng.integers(0, 8, (rows, n), dtype=np.uint8)
        codes[:, rng.random(n) < 0.5] = 0  # many columns alike
        codes[rng.random((rows, n)) < 0.7] = 0
        patterns, inverse, counts = np.unique(codes, axis=1, return_inverse=True, return_counts=True)
        got = unique_columns(codes)
        np.testing.assert_array_equal(got[0], patterns)
        np.testing.assert_array_equal(got[1], inverse.ravel())
        np.testing.assert_array_equal(got[2], counts)
        np.testing.assert_array_equal(got[0][:, got[1]], codes)
