"""Writers of the annotation app (the only code that changes its rows)."""
from annotation.services.assignments import AssignmentError, assignment_end, assignments_create
from annotation.services.labels import (
    Frozen,
    Saved,
    StaleRevision,
    chip_data_masks_ensure,
    chip_freeze,
    chip_unfreeze,
    label_save,
    task_data_mask_ensure,
)
from annotation.services.pull import assignment_pull
from annotation.services.references import reference_task_add, reference_tasks_select
from annotation.services.work import task_flag_set, task_time_add, task_work_get

__all__ = [
    "AssignmentError", "Frozen", "Saved", "StaleRevision", "assignment_end", "assignment_pull", "assignments_create",
    "chip_data_masks_ensure", "chip_freeze", "chip_unfreeze", "label_save", "reference_task_add", "reference_tasks_select",
    "task_data_mask_ensure", "task_flag_set", "task_time_add", "task_work_get",
]
