"""The hook through which a training run learns which tasks annotators edited (settings.LCNET_EDITED_TASKS)."""
import sys

import pytest

from guesslabels import services


@pytest.fixture
def broken_module(tmp_path, monkeypatch):
    """A module on the path whose own import fails (it imports something that is not installed)."""
    (tmp_path / "lcnet_broken_hook.py").write_text("import lcnet_no_such_dependency\n\ndef edited(ids):\n    return set()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lcnet_broken_hook.edited"
    sys.modules.pop("lcnet_broken_hook", None)


def test_the_default_hook_asks_the_annotation_app(db, settings):
    from annotation.selectors import edited_task_ids

    assert settings.LCNET_EDITED_TASKS == f"{edited_task_ids.__module__}.{edited_task_ids.__name__}"
    assert services._edited_task_ids([]) == set()


def test_a_hook_module_that_is_not_there_counts_no_task_as_edited(db, settings):
    settings.LCNET_EDITED_TASKS = "lcnet_not_installed.edited"
    assert services._edited_task_ids([]) == set()


def test_a_hook_module_whose_own_import_fails_is_an_error_not_a_silent_fallback(db, settings, broken_module):
    settings.LCNET_EDITED_TASKS = broken_module
    with pytest.raises(ModuleNotFoundError, match="lcnet_no_such_dependency"):
        services._edited_task_ids([])
