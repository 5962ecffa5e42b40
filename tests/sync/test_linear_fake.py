"""The fake Linear answers the real clients (gql and plain httpx) as Linear's documented API does."""

from __future__ import annotations

import uuid

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from tests.fakes.linear_server import (
    Drop,
    FakeLinear,
    RateLimited,
    RemoteEdit,
    ServerError,
    Slow,
    linear_server,  # noqa: F401  (the fixture)
)

MAKE = "mutation($i: IssueCreateInput!) { issueCreate(input: $i) { success } }"
CREATE = gql("mutation($i: IssueCreateInput!) { issueCreate(input: $i) { success issue { id identifier } } }")


def post(fake: FakeLinear, query: str, variables: dict | None = None, key: str | None = None, timeout: float = 5):
    headers = {"Authorization": fake.api_key if key is None else key}
    return httpx.post(fake.graphql_url, json={"query": query, "variables": variables or {}}, headers=headers,
                      timeout=timeout)


@pytest.fixture
def session(linear_server: FakeLinear):  # noqa: F811
    transport = HTTPXTransport(url=linear_server.graphql_url, headers={"Authorization": linear_server.api_key})
    client = Client(transport=transport)
    yield client.connect_sync()
    client.close_sync()


def team_id(fake: FakeLinear) -> str:
    return next(iter(fake.teams))


def test_the_api_key_is_checked_and_oauth_tokens_are_bearer(linear_server: FakeLinear):  # noqa: F811
    answer = post(linear_server, "{ viewer { id } }", key="lin_api_wrong")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
    linear_server.oauth_token = "oauth-123"
    assert post(linear_server, "{ viewer { id } }", key="Bearer oauth-123").json()["data"]["viewer"]["id"]
    assert post(linear_server, "{ viewer { id } }").status_code == 200


def test_a_field_outside_the_schema_is_refused_by_validation(linear_server: FakeLinear):  # noqa: F811
    answer = post(linear_server, "{ issues { nodes { id timeSpent } } }")
    assert answer.status_code == 400
    assert "timeSpent" in answer.json()["errors"][0]["message"]


def test_a_client_supplied_id_makes_a_second_create_a_refusal_not_a_duplicate(session, linear_server):  # noqa: F811
    issue_id = str(uuid.uuid4())
    variables = {"i": {"id": issue_id, "teamId": team_id(linear_server), "title": "Once"}}
    created = session.execute(GraphQLRequest(CREATE.document, variable_values=variables))
    assert created["issueCreate"]["issue"]["id"] == issue_id
    with pytest.raises(TransportQueryError):
        session.execute(GraphQLRequest(CREATE.document, variable_values=variables))
    assert [i["title"] for i in linear_server.issues.values()] == ["Once"]
    with pytest.raises(TransportQueryError):
        session.execute(GraphQLRequest(CREATE.document, variable_values={"i": {**variables["i"], "id": "nope"}}))


def test_pages_follow_cursors_to_the_end_and_first_is_bounded(session, linear_server):  # noqa: F811
    for n in range(120):
        linear_server.create_issue(team_id(linear_server), f"Issue {n}")
    query = gql("query($after: String) { issues(first: 50, after: $after, orderBy: updatedAt) "
                "{ nodes { id title } pageInfo { hasNextPage endCursor } } }")
    seen, after, pages = [], None, 0
    while True:
        page = session.execute(GraphQLRequest(query.document, variable_values={"after": after}))["issues"]
        seen += [node["title"] for node in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3 and seen == [f"Issue {n}" for n in range(120)]
    assert "between 1 and 250" in post(linear_server, "{ issues(first: 251) { nodes { id } } }").text


def test_trashed_issues_show_only_with_include_archived(linear_server: FakeLinear):  # noqa: F811
    kept = linear_server.create_issue(team_id(linear_server), "Kept")
    gone = linear_server.create_issue(team_id(linear_server), "Gone")
    linear_server.trash(gone["id"])
    listed = post(linear_server, "{ issues { nodes { title } } }").json()["data"]["issues"]["nodes"]
    assert listed == [{"title": "Kept"}]
    everything = post(linear_server, "{ issues(includeArchived: true) { nodes { title trashed } } }").json()
    assert everything["data"]["issues"]["nodes"] == [{"title": "Kept", "trashed": None}, {"title": "Gone", "trashed": True}]
    assert post(linear_server, f'{{ issue(id: "{kept["identifier"]}") {{ id }} }}').json()["data"]["issue"]["id"] == kept["id"]


def test_a_blocks_relation_is_seen_from_both_ends(linear_server: FakeLinear):  # noqa: F811
    a = linear_server.create_issue(team_id(linear_server), "A")
    b = linear_server.create_issue(team_id(linear_server), "B", parentId=a["id"])
    made = post(linear_server, "mutation($i: IssueRelationCreateInput!) { issueRelationCreate(input: $i) "
                "{ issueRelation { type issue { title } relatedIssue { title } } } }",
                {"i": {"issueId": a["id"], "relatedIssueId": b["id"], "type": "blocks"}}).json()
    assert made["data"]["issueRelationCreate"]["issueRelation"] == {
        "type": "blocks", "issue": {"title": "A"}, "relatedIssue": {"title": "B"}}
    read = post(linear_server, f'{{ issue(id: "{b["id"]}") {{ parent {{ title }} relations {{ nodes {{ id }} }} '
                'inverseRelations { nodes { type issue { title } } } } }').json()["data"]["issue"]
    assert read == {"parent": {"title": "A"}, "relations": {"nodes": []},
                    "inverseRelations": {"nodes": [{"type": "blocks", "issue": {"title": "A"}}]}}


def test_a_scripted_rate_limit_answers_429_with_linear_headers_and_error(linear_server):  # noqa: F811
    linear_server.script(RateLimited(retry_after=7))
    answer = post(linear_server, "{ viewer { id } }")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.headers["X-RateLimit-Requests-Remaining"] == "0"
    assert int(answer.headers["X-RateLimit-Requests-Reset"]) > 1e12  # epoch milliseconds
    assert answer.json()["errors"][0]["extensions"]["code"] == "RATELIMITED"
    assert post(linear_server, "{ viewer { id } }").status_code == 200


def test_scripted_faults_wait_for_their_operation(linear_server: FakeLinear):  # noqa: F811
    linear_server.script(ServerError(502, on="issueCreate"))
    assert post(linear_server, "{ viewer { id } }").status_code == 200  # not the operation the step waits for
    answer = post(linear_server, MAKE, {"i": {"teamId": team_id(linear_server), "title": "x"}})
    assert answer.status_code == 502 and not linear_server.issues


def test_a_dropped_answer_still_did_the_work(linear_server: FakeLinear):  # noqa: F811
    linear_server.script(Drop())
    with pytest.raises(httpx.TransportError):
        post(linear_server, MAKE, {"i": {"teamId": team_id(linear_server), "title": "Made"}})
    assert [i["title"] for i in linear_server.issues.values()] == ["Made"]


def test_a_slow_answer_trips_the_client_timeout(linear_server: FakeLinear):  # noqa: F811
    linear_server.script(Slow(1.0))
    with pytest.raises(httpx.TimeoutException):
        post(linear_server, "{ viewer { id } }", timeout=0.2)


def test_a_remote_edit_lands_before_the_answer_and_moves_updated_at(linear_server: FakeLinear):  # noqa: F811
    issue = linear_server.create_issue(team_id(linear_server), "Before")
    before = issue["updatedAt"]
    linear_server.script(RemoteEdit(lambda fake: fake.edit(issue["id"], title="After")))
    query = "query($t: DateTimeOrDuration) { issues(filter: {updatedAt: {gt: $t}}) { nodes { title } } }"
    assert post(linear_server, query, {"t": before}).json()["data"]["issues"]["nodes"] == [{"title": "After"}]


def test_requests_are_recorded_with_their_root_fields(linear_server: FakeLinear):  # noqa: F811
    post(linear_server, "{ viewer { id } teams { nodes { key } } }")
    post(linear_server, MAKE, {"i": {"teamId": team_id(linear_server), "title": "x"}})
    assert [r.root_fields for r in linear_server.requests] == [["viewer", "teams"], ["issueCreate"]]
    assert len(linear_server.writes) == 1 and linear_server.requests[0].headers["authorization"] == linear_server.api_key


def test_a_query_over_linears_complexity_limit_is_refused(linear_server: FakeLinear):  # noqa: F811
    heavy = "{ issues(first: 250) { nodes { id children(first: 250) { nodes { id title } } } } }"
    answer = post(linear_server, heavy)
    assert answer.status_code == 400 and "Query too complex" in answer.json()["errors"][0]["message"]
    light = post(linear_server, "{ issues(first: 10) { nodes { id title } } }")
    assert light.status_code == 200 and light.headers["X-Complexity"] == "13"  # 1 + 10 × (1 + 2 × 0.1)
