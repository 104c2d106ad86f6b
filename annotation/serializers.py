"""Small input/output serializers of the labeling API."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.lib.labels import LabelError, labels_from_json
from annotation.models import COMMENT_MAX_LENGTH, FlagReason, Status
from annotation.services.work import MAX_SECONDS_PER_REPORT


@extend_schema_field(
    {"type": "array", "minItems": 32, "maxItems": 32,
     "items": {"type": "array", "minItems": 32, "maxItems": 32, "items": {"type": "integer", "minimum": 0, "maximum": 7}}}
)
class LabelsField(serializers.Field):
    """32 rows of 32 class codes 0-7; validated in one vectorized pass (annotation.lib.labels), not per pixel."""

    def to_internal_value(self, data):
        try:
            return labels_from_json(data)
        except LabelError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value):
        return value.tolist()


def labels_body(data) -> dict:
    """Validate a save body like LabelsIn would, without building a serializer on the hot path.

    Raises ValidationError with DRF's {field: [message]} shape; returns {"labels": ndarray, "revision": int}.
    """
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected an object with labels and revision."]})
    errors, out = {}, {}
    if "labels" not in data:
        errors["labels"] = ["This field is required."]
    else:
        try:
            out["labels"] = labels_from_json(data["labels"])
        except LabelError as exc:
            errors["labels"] = [str(exc)]
    revision = data.get("revision")
    if "revision" not in data:
        errors["revision"] = ["This field is required."]
    elif type(revision) is not int:
        errors["revision"] = ["A valid integer is required."]
    elif revision < 0:
        errors["revision"] = ["Ensure this value is greater than or equal to 0."]
    else:
        out["revision"] = revision
    if errors:
        raise serializers.ValidationError(errors)
    return out


class LabelsIn(serializers.Serializer):
    """The save body, for the schema (the views validate it with labels_body)."""

    labels = LabelsField()
    revision = serializers.IntegerField(min_value=0, help_text="The revision your edits start from (0: the guess)")


class LabelsOut(serializers.Serializer):
    task = serializers.IntegerField()
    chip = serializers.CharField(help_text="the task's chip")
    labels = LabelsField()
    revision = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    differ_from_guess = serializers.IntegerField()
    frozen = serializers.BooleanField()
    has_guess = serializers.BooleanField(help_text="the chip has a guess label (GET /api/tasks/{id}/guess/ is 404 if not)")


class SavedOut(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    revision = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    differ_from_guess = serializers.IntegerField()


class ConflictOut(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_revision", "frozen"])
    revision = serializers.IntegerField(required=False)


class MyTaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    chip = serializers.CharField(source="chip_id")
    row = serializers.IntegerField()
    col = serializers.IntegerField()
    status = serializers.CharField(source="label_status")
    revision = serializers.IntegerField(source="label_revision")
    frozen = serializers.BooleanField(help_text="the chip's consensus is final: saves are refused (409 frozen)")
    flag = serializers.ChoiceField(choices=FlagReason.choices, allow_null=True,
                                   help_text="the caller's flag on the task, if any")


@extend_schema_field({"oneOf": [{"type": "array", "items": {"type": "integer"}, "minItems": 1},
                                 {"type": "string", "enum": ["auto"]}]})
class UsersField(serializers.JSONField):
    """A list of user ids, or "auto": the schema says which (a bare JSONField would admit anything)."""


class AssignmentsIn(serializers.Serializer):
    chips = serializers.ListField(child=serializers.CharField(min_length=1), min_length=1)
    users = UsersField(help_text='a list of user ids, or "auto" (least-loaded annotators first)')

    def validate_users(self, value):
        if value == "auto" or (isinstance(value, list) and value and all(type(v) is int for v in value)):
            return value
        raise serializers.ValidationError('give a non-empty list of integer user ids or "auto"')


class AssignmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    chip = serializers.CharField(source="chip_id")
    user = serializers.IntegerField(source="user_id")
    slot = serializers.IntegerField()


class FlagIn(serializers.Serializer):
    """The flag body (for the schema; annotation.services.work validates it)."""

    reason = serializers.ChoiceField(choices=FlagReason.choices, allow_null=True,
                                     help_text="why the task is flagged; null clears the flag")
    comment = serializers.CharField(allow_blank=True, max_length=COMMENT_MAX_LENGTH, required=False,
                                    help_text="free text for the admins")


class TimeIn(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=MAX_SECONDS_PER_REPORT,
                                       help_text="active seconds since the last report (added to the total)")


class WorkOut(serializers.Serializer):
    task = serializers.IntegerField()
    flag = serializers.ChoiceField(choices=FlagReason.choices, allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    active_seconds = serializers.IntegerField(help_text="active time on the task: input seen while the page was visible")
