"""Annotators per chip come from the campaign object (one rule: annotation.policy), within the database's slots."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from annotation.models import ASSIGNMENT_SLOTS
from annotation.policy import annotators_per_chip
from annotation.services import AssignmentError


def test_the_default_campaign_gives_each_chip_three_annotators():
    assert annotators_per_chip() == 3 == ASSIGNMENT_SLOTS


@override_settings(LCNET_CAMPAIGN={"annotators_per_chip": 2})
def test_a_campaign_of_two_annotators_refuses_a_third(db, make_chip, alice, bob, carol, assign):
    chip = make_chip()
    assign(chip, alice, bob)
    with pytest.raises(AssignmentError, match="would exceed 2"):
        assign(chip, carol)


@override_settings(LCNET_CAMPAIGN={"annotators_per_chip": ASSIGNMENT_SLOTS + 1})
def test_more_annotators_than_the_database_has_slots_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="assignment slots"):
        annotators_per_chip()
