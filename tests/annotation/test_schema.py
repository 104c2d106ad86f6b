"""The labeling endpoints are in the OpenAPI schema, with the labels' shape."""


def test_the_schema_documents_the_labeling_endpoints(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in ["/api/me/tasks/", "/api/me/tasks/next/", "/api/tasks/{task_id}/annotation/",
                 "/api/tasks/{task_id}/annotation/submit/", "/api/admin/assignments/"]:
        assert path in paths, path
    submit = paths["/api/tasks/{task_id}/annotation/submit/"]["post"]
    assert "409" in submit["responses"]
    labels = schema["components"]["schemas"]["LabelsIn"]["properties"]["labels"]
    assert labels["minItems"] == 32 and labels["items"]["items"]["maximum"] == 7
