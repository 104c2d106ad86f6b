"""API pagination that does not count: for lists that grow with the campaign (hundreds of thousands of rows) where a
client only pages forward. `?page=N` as with DRF's PageNumberPagination; the body has next, previous and results,
and no count: one row beyond the page says whether there is a next one."""
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from lcnet_site.ids import MAX_ID, parse_id


class UncountedPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        number = parse_id(request.query_params.get(self.page_query_param, "1"))
        if number is None or (number - 1) * size > MAX_ID - size - 1:  # past any table (and Postgres' OFFSET)
            raise NotFound("Invalid page.")
        self.number = number
        start = (self.number - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.has_next = len(rows) > size
        if not rows and self.number > 1:
            raise NotFound("Invalid page.")
        return rows[:size]

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_query_param:
                param["schema"].update(minimum=1)
        return params

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class KnownCountPaginator(Paginator):
    """Django's paginator with the count given (kept by counters elsewhere) instead of counted; None: counted."""

    def __init__(self, object_list, per_page, *, known_count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return super().count if self.known_count is None else self.known_count
