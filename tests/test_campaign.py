"""The campaign settings object: defaults, overrides from settings, and a clear error for an unknown knob."""
import pytest

from lcnet_site.campaign import Campaign, campaign


def test_defaults_are_the_papers(settings):
    settings.LCNET_CAMPAIGN = {}
    c = campaign()
    assert (c.annotators_per_chip, c.reference_tasks, c.consensus_method, c.prior_accuracy) == (3, 540, "bayes", 0.7)


def test_settings_override_field_by_field(settings):
    settings.LCNET_CAMPAIGN = {"prior_accuracy": 0.55}
    assert campaign() == Campaign(prior_accuracy=0.55)


def test_an_unknown_knob_is_refused_by_name(settings):
    settings.LCNET_CAMPAIGN = {"prior_acuracy": 0.5}
    with pytest.raises(ValueError, match="prior_acuracy"):
        campaign()
