"""Admin leaderboard: accuracy, prior flag, coverage and confusion matrix for staff."""
import numpy as np
import pytest

from consensus import services
from consensus.models import AnnotatorAccuracy
from imagery.models import Task

from tests.consensus.conftest import filled


@pytest.fixture
def scored(chip, crew, submit, expert_submit, erin):
    reference, other = Task.objects.filter(chip=chip)[:2]
    expert_submit(reference, erin, filled(3))
    submit(reference, crew[0], filled(3))
    submit(other, crew[0], filled(3))
    submit(other, crew[1], filled(4))
    services.annotator_accuracies_recompute()
    return crew


def test_leaderboard_lists_accuracy_then_annotators_on_the_prior(scored, admin_user, client):
    client.force_login(admin_user)
    response = client.get("/admin/consensus/annotatoraccuracy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("alice") < page.index("bob")  # measured accuracy first, prior (null) last
    assert "1.000" in page and "prior 0.70" in page
    assert "1 of 2 tasks" in page


def test_an_annotator_page_shows_the_confusion_matrix_as_table_and_plot(scored, admin_user, client):
    client.force_login(admin_user)
    score = AnnotatorAccuracy.objects.get(annotator=scored[0])
    page = client.get(f"/admin/consensus/annotatoraccuracy/{score.pk}/change/").content.decode()
    assert "<td>1024</td>" in page
    assert 'src="data:image/png;base64,' in page


def test_annotators_cannot_open_the_leaderboard(scored, client):
    client.force_login(scored[0])
    assert client.get("/admin/consensus/annotatoraccuracy/").status_code == 302


def test_a_consensus_page_draws_the_tasks_class_and_score(chip, crew, submit, admin_user, client):
    import base64
    import io

    from matplotlib.image import imread

    from consensus.models import ConsensusLabel

    task = Task.objects.filter(chip=chip).first()
    for user, value in zip(crew, (5, 5, 6)):
        submit(task, user, filled(value))
    services.consensus_recompute(task_ids=[task.pk])
    client.force_login(admin_user)
    page = client.get(f"/admin/consensus/consensuslabel/{ConsensusLabel.objects.get().pk}/change/").content.decode()
    encoded = page.split('alt="consensus label and score" src="data:image/png;base64,')[1].split('"')[0]
    pixels = imread(io.BytesIO(base64.b64decode(encoded)))
    woody = np.array([214, 76, 43]) / 255  # the class the vote chose, in the published color
    assert np.isclose(pixels[..., :3], woody, atol=0.02).all(axis=-1).sum() > 1000


def test_the_consensus_list_costs_a_fixed_number_of_queries_however_many_tasks(chip, crew, submit, admin_client,
                                                                               django_assert_max_num_queries):
    for task in Task.objects.filter(chip=chip)[:20]:
        for user, value in zip(crew, (1, 2, 2)):
            submit(task, user, filled(value))
    services.consensus_recompute()
    # session, user, roles, counts, filter choices, one page (tasks joined in): not one query per row
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/consensus/consensuslabel/")
    assert response.status_code == 200 and response.context["cl"].result_count == 20


def test_an_empty_leaderboard_says_why(db, admin_user, client):
    client.force_login(admin_user)
    page = client.get("/admin/consensus/annotatoraccuracy/").content.decode()
    assert "No annotator has an accuracy yet" in page and "reference tasks" in page


def test_a_leaderboard_with_measured_accuracy_does_not_apologise(scored, admin_user, client):
    client.force_login(admin_user)
    assert "No annotator has an accuracy yet" not in client.get("/admin/consensus/annotatoraccuracy/").content.decode()
