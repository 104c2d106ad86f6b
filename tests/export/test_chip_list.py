"""GET /api/export/chips/: paginated exportable chips, filtered by tile, mean score and completeness."""


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_only_complete_chips_are_listed_unless_partial(make_export_chip, xena, api_as):
    make_export_chip("30PWT_00")
    make_export_chip("30PWT_01", source="33LUD_00", missing=1)
    client = api_as(xena)
    assert ids(client.get("/api/export/chips/")) == ["30PWT_00"]
    rows = client.get("/api/export/chips/?partial=1").json()["results"]
    assert [(r["id"], r["complete"], r["n_done"], r["n_tasks"]) for r in rows] == [
        ("30PWT_00", True, 64, 64), ("30PWT_01", False, 63, 64),
    ]


def test_tile_and_min_score_filter_the_list(make_export_chip, xena, api_as):
    make_export_chip("30PWT_00")
    make_export_chip("36PYV_00")
    client = api_as(xena)
    assert ids(client.get("/api/export/chips/?tile=t36pyv")) == ["36PYV_00"]
    scores = {r["id"]: r["mean_score_pct"] for r in client.get("/api/export/chips/").json()["results"]}
    cut = (scores["30PWT_00"] + scores["36PYV_00"]) / 2
    best = max(scores, key=scores.get)
    assert ids(client.get(f"/api/export/chips/?min_score_pct={cut}")) == [best]


def test_bad_filters_are_400_with_the_reason(make_export_chip, xena, api_as):
    client = api_as(xena)
    for query, field in [("tile=ZZZ", "tile"), ("min_score_pct=abc", "min_score_pct"), ("min_score_pct=101", "min_score_pct"),
                         ("partial=2", "partial"), ("color=red", "color")]:
        response = client.get(f"/api/export/chips/?{query}")
        assert response.status_code == 400 and field in response.json(), query
