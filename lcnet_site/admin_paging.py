"""Admin changelists whose cost does not grow with the table: no full count, pages read through the index.

Django's admin counts the whole (filtered) queryset on every page, counts the unfiltered table again for "N total",
and reads page N with OFFSET over full rows. On 1.7 M annotations that is seconds per page. Here:
- the count is exact up to EXACT_LIMIT rows (a capped count reads at most that many index entries) and the
  planner's estimate beyond it, so a big table shows "about N" pages without reading them all;
- a page is read in two steps: the ids of the page (ORDER BY … OFFSET … LIMIT on the ids alone, which Postgres
  answers from the ordering's index without visiting the rows it skips), then those rows with their joins;
- `show_full_result_count = False` drops the second count.
docs/operations.md, "Indexes and summaries".
"""
from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

EXACT_LIMIT = 10_000  # rows counted exactly; beyond, the planner's estimate


def estimated_count(queryset) -> int | None:
    """The planner's row estimate for the queryset (Postgres), or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Exact count up to EXACT_LIMIT, estimated beyond; pages read by id first (a deferred join)."""

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        capped = qs.order_by().values("pk")[: EXACT_LIMIT + 1].count()
        if capped <= EXACT_LIMIT:
            return capped
        return max(capped, estimated_count(qs) or qs.count())

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class ScaleAdminMixin:
    """For ModelAdmins over big tables: the paginator above, no "N total" count, and (with exact_search_fields)
    a search that matches those fields exactly (an index lookup) instead of Django's `icontains` over every row."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    exact_search_fields: tuple[str, ...] = ()
    search_help_text = None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not self.exact_search_fields or not term:
            return super().get_search_results(request, queryset, search_term)
        match = Q()
        for field in self.exact_search_fields:
            match |= self._exact_match(queryset.model, field, term.upper() if field.endswith("chip_id") else term)
        return queryset.filter(match), False

    @staticmethod
    def _exact_match(model, field: str, value) -> Q:
        """field = value; through a foreign key, as that key's column among the few ids that match (looked up
        first): an OR of columns of joined tables can use no index, an OR of this table's indexed keys can."""
        head, _, rest = field.partition("__")
        relation = model._meta.get_field(head)
        if not rest or not relation.many_to_one:
            return Q(**{field: value})
        ids = list(relation.related_model._default_manager.filter(**{rest: value}).values_list("pk", flat=True))
        return Q(**{f"{relation.attname}__in": ids})
