"""A fake Linear GraphQL API on 127.0.0.1, scripted per test.

It serves `POST /graphql` like `https://api.linear.app/graphql`: a subset of Linear's published schema
(packages/sdk/src/schema.graphql in github.com/linear/linear: same type, field, argument and input names
and the same nullability) executed by graphql-core with resolvers over an in-memory workspace. Anything
outside the subset is refused by GraphQL validation, as the real server refuses a field it does not have.
Every type, field and argument below was compared with that schema (commit 8335e09, July 2026), and the
adapter's documents validate against the full schema too.

What it follows from the real API:
- `Authorization: <API key>` (or `Bearer <OAuth token>`); otherwise HTTP 400 with an AUTHENTICATION_ERROR.
- Issues: `issueCreate` with an optional client-supplied UUID `id` (a second create with the same id is
  refused, so a retried create cannot make a duplicate), `issueUpdate`, `issueArchive`, `issueDelete` (to the
  trash: archived and `trashed`), `issueUnarchive`; archived issues are hidden from lists unless
  `includeArchived: true`; `issue(id)` takes the UUID or the identifier (`ENG-12`).
- Hierarchy through `parentId`; `Issue.parent`, `Issue.children`. Relations through `issueRelationCreate`
  (`blocks | duplicate | related | similar`); `Issue.relations` are those the issue is the subject of,
  `Issue.inverseRelations` those pointing at it.
- Teams with `key`, `issueEstimationType` (notUsed, exponential, fibonacci, linear, tShirt) and workflow
  states typed backlog | unstarted | started | completed | canceled; team and workspace labels.
- Relay-style pagination (`first`, `after`, `pageInfo { hasNextPage endCursor }`, `orderBy: createdAt |
  updatedAt`), `first` above 250 refused; an IssueFilter subset (and/or, id, team, updatedAt, createdAt,
  title, description, parent, state).
- Rate-limit headers on every answer (`X-RateLimit-Requests-Limit/-Remaining/-Reset`, reset in epoch ms);
  a limited request is HTTP 429 (or HTTP 400, as older answers were) with a `RATELIMITED` error.
- Query complexity as Linear documents it (0.1 a property, 1 an object, connections multiply by `first`),
  sent back as `X-Complexity`; a query over 10,000 points is refused with HTTP 400.

Scripting: `script(*steps)` queues steps; each request takes the head step if it matches (a step may name
the root field it waits for, e.g. `on="issueCreate"`). Steps: `RateLimited`, `ServerError`, `Slow`,
`Drop` (apply the request, then close the connection without an answer: the client cannot know it
worked) and `RemoteEdit` (a change made by someone in Linear, just before the request is answered).
Between calls a test can also edit the workspace directly (`edit`, `create_issue`, `trash`, ...), as a
person in Linear's UI would. Every request is recorded with its headers, body and root fields.

It shares no code with taskforge: it knows Linear, not the client.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast_untyped,
)

SDL = """
scalar DateTime
scalar DateTimeOrDuration
scalar TimelessDate

enum PaginationOrderBy { createdAt updatedAt }
enum IssueRelationType { blocks duplicate related similar }

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type User { id: ID! name: String! email: String! }

type Team {
  id: ID!
  key: String!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  issueEstimationType: String!
  issueEstimationAllowZero: Boolean!
  issueEstimationExtended: Boolean!
  defaultIssueEstimate: Float!
  states(after: String, before: String, filter: WorkflowStateFilter, first: Int, includeArchived: Boolean,
         last: Int, orderBy: PaginationOrderBy): WorkflowStateConnection!
  labels(after: String, before: String, filter: IssueLabelFilter, first: Int, includeArchived: Boolean,
         last: Int, orderBy: PaginationOrderBy): IssueLabelConnection!
  issues(after: String, before: String, filter: IssueFilter, first: Int, includeArchived: Boolean,
         last: Int, orderBy: PaginationOrderBy): IssueConnection!
}
type TeamConnection { nodes: [Team!]! pageInfo: PageInfo! }

type WorkflowState {
  id: ID!
  name: String!
  type: String!
  position: Float!
  color: String!
  description: String
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  team: Team!
}
type WorkflowStateConnection { nodes: [WorkflowState!]! pageInfo: PageInfo! }

type IssueLabel {
  id: ID!
  name: String!
  color: String!
  description: String
  isGroup: Boolean!
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  team: Team
}
type IssueLabelConnection { nodes: [IssueLabel!]! pageInfo: PageInfo! }

type IssueRelation {
  id: ID!
  type: String!
  issue: Issue!
  relatedIssue: Issue!
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
}
type IssueRelationConnection { nodes: [IssueRelation!]! pageInfo: PageInfo! }

type Issue {
  id: ID!
  identifier: String!
  number: Float!
  title: String!
  description: String
  priority: Float!
  priorityLabel: String!
  estimate: Float
  dueDate: TimelessDate
  url: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  archivedAt: DateTime
  startedAt: DateTime
  completedAt: DateTime
  canceledAt: DateTime
  trashed: Boolean
  team: Team!
  state: WorkflowState!
  parent: Issue
  labelIds: [String!]!
  children(after: String, before: String, filter: IssueFilter, first: Int, includeArchived: Boolean,
           last: Int, orderBy: PaginationOrderBy): IssueConnection!
  labels(after: String, before: String, filter: IssueLabelFilter, first: Int, includeArchived: Boolean,
         last: Int, orderBy: PaginationOrderBy): IssueLabelConnection!
  relations(after: String, before: String, first: Int, includeArchived: Boolean, last: Int,
            orderBy: PaginationOrderBy): IssueRelationConnection!
  inverseRelations(after: String, before: String, first: Int, includeArchived: Boolean, last: Int,
                   orderBy: PaginationOrderBy): IssueRelationConnection!
}
type IssueEdge { node: Issue! cursor: String! }
type IssueConnection { edges: [IssueEdge!]! nodes: [Issue!]! pageInfo: PageInfo! }

input DateComparator {
  eq: DateTimeOrDuration gt: DateTimeOrDuration gte: DateTimeOrDuration
  lt: DateTimeOrDuration lte: DateTimeOrDuration neq: DateTimeOrDuration
}
input IDComparator { eq: ID in: [ID!] neq: ID nin: [ID!] }
input IssueIDComparator { eq: ID in: [ID!] neq: ID nin: [ID!] }
input StringComparator {
  eq: String eqIgnoreCase: String neq: String in: [String!] nin: [String!]
  contains: String containsIgnoreCase: String startsWith: String
}
input NullableStringComparator {
  eq: String eqIgnoreCase: String neq: String in: [String!] nin: [String!]
  contains: String containsIgnoreCase: String startsWith: String null: Boolean
}
input TeamFilter { id: IDComparator key: StringComparator name: StringComparator and: [TeamFilter!] or: [TeamFilter!] }
input NullableTeamFilter {
  id: IDComparator key: StringComparator name: StringComparator null: Boolean
  and: [NullableTeamFilter!] or: [NullableTeamFilter!]
}
input WorkflowStateFilter { id: IDComparator name: StringComparator type: StringComparator team: TeamFilter }
input IssueLabelFilter { id: IDComparator name: StringComparator team: NullableTeamFilter }
input NullableIssueFilter { id: IssueIDComparator null: Boolean }
input IssueFilter {
  and: [IssueFilter!]
  or: [IssueFilter!]
  id: IssueIDComparator
  team: TeamFilter
  createdAt: DateComparator
  updatedAt: DateComparator
  title: StringComparator
  description: NullableStringComparator
  parent: NullableIssueFilter
  state: WorkflowStateFilter
}

input IssueCreateInput {
  id: String
  teamId: String!
  title: String
  description: String
  parentId: String
  priority: Int
  estimate: Int
  stateId: String
  labelIds: [String!]
  dueDate: TimelessDate
  sortOrder: Float
}
input IssueUpdateInput {
  title: String
  description: String
  parentId: String
  priority: Int
  estimate: Int
  stateId: String
  labelIds: [String!]
  addedLabelIds: [String!]
  removedLabelIds: [String!]
  dueDate: TimelessDate
  sortOrder: Float
  teamId: String
  trashed: Boolean
}
input IssueRelationCreateInput { id: String issueId: String! relatedIssueId: String! type: IssueRelationType! }
input IssueLabelCreateInput { id: String name: String! color: String description: String teamId: String isGroup: Boolean }

type IssuePayload { issue: Issue lastSyncId: Float! success: Boolean! }
type IssueArchivePayload { entity: Issue lastSyncId: Float! success: Boolean! }
type IssueRelationPayload { issueRelation: IssueRelation! lastSyncId: Float! success: Boolean! }
type IssueLabelPayload { issueLabel: IssueLabel! lastSyncId: Float! success: Boolean! }
type DeletePayload { entityId: String! lastSyncId: Float! success: Boolean! }

type Query {
  viewer: User!
  issue(id: String!): Issue!
  issues(after: String, before: String, filter: IssueFilter, first: Int, includeArchived: Boolean,
         last: Int, orderBy: PaginationOrderBy): IssueConnection!
  team(id: String!): Team!
  teams(after: String, before: String, filter: TeamFilter, first: Int, includeArchived: Boolean,
        last: Int, orderBy: PaginationOrderBy): TeamConnection!
  workflowStates(after: String, before: String, filter: WorkflowStateFilter, first: Int,
                 includeArchived: Boolean, last: Int, orderBy: PaginationOrderBy): WorkflowStateConnection!
  issueLabels(after: String, before: String, filter: IssueLabelFilter, first: Int, includeArchived: Boolean,
              last: Int, orderBy: PaginationOrderBy): IssueLabelConnection!
}

type Mutation {
  issueCreate(input: IssueCreateInput!): IssuePayload!
  issueUpdate(id: String!, input: IssueUpdateInput!): IssuePayload!
  issueArchive(id: String!, trash: Boolean): IssueArchivePayload!
  issueUnarchive(id: String!): IssueArchivePayload!
  issueDelete(id: String!, permanentlyDelete: Boolean): IssueArchivePayload!
  issueRelationCreate(input: IssueRelationCreateInput!): IssueRelationPayload!
  issueRelationDelete(id: String!): DeletePayload!
  issueLabelCreate(input: IssueLabelCreateInput!): IssueLabelPayload!
}
"""

ESTIMATION_TYPES = ("notUsed", "exponential", "fibonacci", "linear", "tShirt")
PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}
MAX_PAGE = 250
DEFAULT_PAGE = 50
DEFAULT_STATES = (  # a new team's workflow, as Linear sets it up
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("In Review", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "canceled"),
)


# -- scripted steps ---------------------------------------------------------------------------------------


@dataclass
class RateLimited:
    """Refused for the rate limit: HTTP 429 (or 400, `status=400`) with a RATELIMITED error."""

    retry_after: float | None = 1
    status: int = 429
    reset_in: float = 2.0  # seconds until X-RateLimit-Requests-Reset
    on: str | None = None


@dataclass
class ServerError:
    status: int = 500
    json_body: bool = False  # Linear's proxies answer 5xx with HTML; a JSON error body is the other case
    on: str | None = None


@dataclass
class Slow:
    """Answers normally after `seconds` (long enough to trip a client's timeout if asked)."""

    seconds: float
    on: str | None = None


@dataclass
class Drop:
    """Executes the request, then closes the connection without answering."""

    on: str | None = None


@dataclass
class RemoteEdit:
    """Someone changes the workspace just before this request is answered."""

    change: Callable[[FakeLinear], Any]
    on: str | None = None


Step = RateLimited | ServerError | Slow | Drop | RemoteEdit


@dataclass
class Request:
    headers: dict[str, str]
    body: dict[str, Any]
    operation: str  # "query" | "mutation" | "" when the document did not parse
    root_fields: list[str]
    status: int = 0  # the HTTP status answered (0: dropped)
    complexity: float = 0.0  # its cost in Linear's points (see `complexity`)

    @property
    def is_write(self) -> bool:
        return self.operation == "mutation"

    @property
    def variables(self) -> dict[str, Any]:
        return self.body.get("variables") or {}


# -- the workspace ---------------------------------------------------------------------------------------


class _Clock:
    """Wall-clock time that never repeats: every change gets a later updatedAt than the one before."""

    def __init__(self) -> None:
        self._last = 0.0

    def now(self) -> str:
        current = max(time.time(), self._last + 0.001)
        self._last = current
        return _iso(current)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(seconds * 1000) % 1000:03d}Z"


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class LinearError(Exception):
    """A GraphQL error as Linear words them: a message, `extensions.type` and `extensions.code`."""

    def __init__(self, message: str, kind: str = "invalid input", code: str = "INVALID_INPUT", user: bool = True):
        super().__init__(message)
        self.extensions = {"type": kind, "code": code, "userError": user, "userPresentableMessage": message}


class QueryRefused(LinearError):
    """A query refused before it runs (too complex): HTTP 400."""


@dataclass
class FakeLinear:
    api_key: str = "lin_api_fake_key"
    oauth_token: str | None = None
    keeps_html_comments: bool = True  # False: descriptions lose `<!-- … -->` (a markdown editor may drop them)
    max_complexity: int = 10_000  # Linear's documented limit for one query
    requests_limit: int = 5000
    steps: deque[Step] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._clock = _Clock()
        self._sync_id = 1000.0
        self._remaining = self.requests_limit
        self._server: ThreadingHTTPServer | None = None
        self._schema = build_schema(SDL)
        self._documents: dict[str, DocumentNode] = {}
        self.last_complexity = 0.0
        self._bind_resolvers()

    # -- set-up and direct edits (what a person does in Linear's UI) ---------------------------------------

    def add_team(self, key: str = "ENG", name: str = "Engineering", estimation: str = "fibonacci",
                 allow_zero: bool = False, extended: bool = False) -> dict[str, Any]:
        assert estimation in ESTIMATION_TYPES
        with self._lock:
            now = self._clock.now()
            team = {"id": str(uuid.uuid4()), "key": key, "name": name, "createdAt": now, "updatedAt": now,
                    "archivedAt": None, "issueEstimationType": estimation, "issueEstimationAllowZero": allow_zero,
                    "issueEstimationExtended": extended, "defaultIssueEstimate": 1.0, "_next_number": 1}
            self.teams[team["id"]] = team
            for position, (state_name, kind) in enumerate(DEFAULT_STATES):
                state = {"id": str(uuid.uuid4()), "name": state_name, "type": kind, "position": float(position),
                         "color": "#bec2c8", "description": None, "createdAt": now, "updatedAt": now,
                         "archivedAt": None, "_team": team["id"]}
                self.states[state["id"]] = state
            return team

    def add_label(self, name: str, team_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            return self._create_label({"name": name, "teamId": team_id})

    def state_of_type(self, team_id: str, kind: str) -> dict[str, Any]:
        return min((s for s in self.states.values() if s["_team"] == team_id and s["type"] == kind),
                   key=lambda s: s["position"])

    def create_issue(self, team_id: str, title: str, **fields: Any) -> dict[str, Any]:
        """An issue made by hand in Linear (fields as IssueCreateInput names)."""
        with self._lock:
            return self._create_issue({"teamId": team_id, "title": title, **fields})

    def edit(self, issue: str, **fields: Any) -> dict[str, Any]:
        """An edit made by hand in Linear (fields as IssueUpdateInput names, e.g. stateId, title)."""
        with self._lock:
            return self._update_issue(self._issue(issue), fields)

    def set_state(self, issue: str, kind: str) -> dict[str, Any]:
        found = self._issue(issue)
        return self.edit(issue, stateId=self.state_of_type(found["_team"], kind)["id"])

    def trash(self, issue: str) -> None:
        with self._lock:
            self._archive(self._issue(issue), trash=True)

    def delete_permanently(self, issue: str) -> None:
        with self._lock:
            self._remove(self._issue(issue))

    def issue(self, id_or_identifier: str) -> dict[str, Any]:
        with self._lock:
            return self._issue(id_or_identifier)

    def live_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if i["archivedAt"] is None]

    def find(self, title: str) -> dict[str, Any]:
        matches = [i for i in self.issues.values() if i["title"] == title]
        assert len(matches) == 1, f"{len(matches)} issues titled {title!r}"
        return matches[0]

    def relations_of(self, issue: str) -> list[tuple[str, str, str]]:
        """(type, subject identifier, object identifier) of every relation touching the issue."""
        target = self._issue(issue)["id"]
        return sorted((r["type"], self.issues[r["_issue"]]["identifier"], self.issues[r["_related"]]["identifier"])
                      for r in self.relations.values() if target in (r["_issue"], r["_related"]))

    # -- scripting and records ---------------------------------------------------------------------------

    def script(self, *steps: Step) -> FakeLinear:
        self.steps.extend(steps)
        return self

    @property
    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.is_write]

    def calls(self, root_field: str) -> list[Request]:
        return [r for r in self.requests if root_field in r.root_fields]

    def clear_requests(self) -> None:
        self.requests.clear()

    # -- HTTP ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def graphql_url(self) -> str:
        return self.url + "/graphql"

    def start(self) -> FakeLinear:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle/delayed-ACK stall per answer)

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # Linear answers GET /graphql only for its playground
                self._send(405, {"errors": [{"message": "Use POST"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                record = Request(headers, body, *_describe(body.get("query")))
                fake.requests.append(record)
                if self.path.split("?")[0] != "/graphql":
                    record.status = 404
                    self._send(404, {"errors": [{"message": "Not found"}]})
                    return
                status, payload, extra = fake._answer(record, headers, body)
                record.status = status
                if status == 0:  # Drop: the work is done, the answer never comes
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, payload, extra)

            def _send(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
                if isinstance(payload, str):
                    data, kind = payload.encode(), "text/html"
                else:
                    data, kind = json.dumps(payload).encode(), "application/json; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-linear", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _rate_headers(self, reset_in: float = 3600) -> dict[str, str]:
        reset_ms = int((time.time() + reset_in) * 1000)
        return {"X-RateLimit-Requests-Limit": str(self.requests_limit),
                "X-RateLimit-Requests-Remaining": str(max(self._remaining, 0)),
                "X-RateLimit-Requests-Reset": str(reset_ms)}

    def _next_step(self, record: Request) -> Step | None:
        with self._lock:
            if self.steps and (self.steps[0].on is None or self.steps[0].on in record.root_fields):
                return self.steps.popleft()
        return None

    def _answer(self, record: Request, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any, dict]:
        auth = headers.get("authorization", "")
        accepted = {self.api_key} | ({f"Bearer {self.oauth_token}"} if self.oauth_token else set())
        if auth not in accepted:
            error = {"message": "Authentication required, not authenticated",
                     "extensions": {"type": "authentication error", "code": "AUTHENTICATION_ERROR",
                                    "userError": True,
                                    "userPresentableMessage": "You need to authenticate to access this operation."}}
            return 400, {"errors": [error]}, {}
        self._remaining -= 1
        step = self._next_step(record)
        if isinstance(step, RateLimited):
            self._remaining = 0
            extra = self._rate_headers(step.reset_in)
            if step.retry_after is not None:
                extra["Retry-After"] = f"{step.retry_after:g}"
            error = {"message": "Rate limit exceeded",
                     "extensions": {"type": "ratelimited", "code": "RATELIMITED", "userError": False,
                                    "userPresentableMessage": "Too many requests. Please try again later."}}
            return step.status, {"errors": [error]}, extra
        if isinstance(step, ServerError):
            if step.json_body:
                error = {"message": "Internal server error",
                         "extensions": {"type": "internal error", "code": "INTERNAL_SERVER_ERROR", "userError": False}}
                return step.status, {"errors": [error]}, {}
            return step.status, "<html><body><h1>502 Bad Gateway</h1></body></html>", {}
        if isinstance(step, Slow):
            time.sleep(step.seconds)
        if isinstance(step, RemoteEdit):
            with self._lock:
                step.change(self)
        self._remaining = max(self._remaining, 1)
        with self._lock:
            result = self._execute(body)
            record.complexity = self.last_complexity
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [_format_error(e) for e in result.errors]
        if result.data is not None or not result.errors:
            payload["data"] = result.data
        # Linear answers a query it refuses outright with 400, and errors raised while resolving with 200.
        refused = any(e.original_error is None or isinstance(e.original_error, QueryRefused)
                      for e in result.errors or [])
        status = 400 if refused else 200
        if isinstance(step, Drop):
            return 0, None, {}
        return status, payload, {**self._rate_headers(), "X-Complexity": f"{self.last_complexity:.0f}"}

    def _execute(self, body: dict[str, Any]) -> ExecutionResult:
        """Parse and validate a document once (as a server caches them), weigh it, then execute it."""
        self.last_complexity = 0.0
        query = body.get("query")
        document = self._documents.get(query) if isinstance(query, str) else None
        if document is None:
            if not isinstance(query, str):
                return ExecutionResult(None, [GraphQLError("Must provide query string.")])
            try:
                document = parse(query)
            except GraphQLError as error:
                return ExecutionResult(None, [error])
            errors = validate(self._schema, document)
            if errors:
                return ExecutionResult(None, errors)
            self._documents[query] = document
        self.last_complexity = complexity(self._schema, document, body.get("variables") or {})
        if self.last_complexity > self.max_complexity:
            refusal = QueryRefused(f"Query too complex: {self.last_complexity:.0f} points, the limit is "
                                   f"{self.max_complexity}.", code="QUERY_TOO_COMPLEX")
            return ExecutionResult(None, [GraphQLError(str(refusal), original_error=refusal)])
        return execute_sync(self._schema, document, variable_values=body.get("variables"),
                            operation_name=body.get("operationName"))

    # -- resolvers -------------------------------------------------------------------------------------

    def _bind_resolvers(self) -> None:
        types = self._schema.type_map

        def bind(type_name: str, field_name: str, fn: Callable[..., Any]) -> None:
            types[type_name].fields[field_name].resolve = fn  # type: ignore[union-attr]

        bind("Query", "viewer", lambda _s, _i: {"id": "user-1", "name": "Fake User", "email": "user@example.com"})
        bind("Query", "issue", lambda _s, _i, id: self._issue(id))
        bind("Query", "issues", lambda _s, _i, **a: self._issue_page(self.issues.values(), a))
        bind("Query", "team", lambda _s, _i, id: self._team(id))
        bind("Query", "teams", lambda _s, _i, **a: self._page(
            [t for t in self.teams.values() if _match_team(t, a.get("filter"))], a))
        bind("Query", "workflowStates", lambda _s, _i, **a: self._page(
            [s for s in self.states.values() if self._match_state(s, a.get("filter"))], a))
        bind("Query", "issueLabels", lambda _s, _i, **a: self._page(
            [x for x in self.labels.values() if self._match_label(x, a.get("filter"))], a))

        bind("Team", "states", lambda team, _i, **a: self._page(
            [s for s in self.states.values() if s["_team"] == team["id"] and self._match_state(s, a.get("filter"))],
            a))
        bind("Team", "labels", lambda team, _i, **a: self._page(
            [x for x in self.labels.values() if x["_team"] == team["id"] and self._match_label(x, a.get("filter"))],
            a))
        bind("Team", "issues", lambda team, _i, **a: self._issue_page(
            [i for i in self.issues.values() if i["_team"] == team["id"]], a))
        bind("WorkflowState", "team", lambda state, _i: self.teams[state["_team"]])
        bind("IssueLabel", "team", lambda label, _i: self.teams.get(label["_team"] or ""))

        bind("Issue", "team", lambda issue, _i: self.teams[issue["_team"]])
        bind("Issue", "state", lambda issue, _i: self.states[issue["_state"]])
        bind("Issue", "parent", lambda issue, _i: self.issues.get(issue["_parent"] or ""))
        bind("Issue", "priorityLabel", lambda issue, _i: PRIORITY_LABELS[int(issue["priority"])])
        bind("Issue", "labelIds", lambda issue, _i: list(issue["_labels"]))
        bind("Issue", "children", lambda issue, _i, **a: self._issue_page(
            [i for i in self.issues.values() if i["_parent"] == issue["id"]], a))
        bind("Issue", "labels", lambda issue, _i, **a: self._page(
            [self.labels[x] for x in issue["_labels"] if self._match_label(self.labels[x], a.get("filter"))], a))
        bind("Issue", "relations", lambda issue, _i, **a: self._page(
            [r for r in self.relations.values() if r["_issue"] == issue["id"]], a))
        bind("Issue", "inverseRelations", lambda issue, _i, **a: self._page(
            [r for r in self.relations.values() if r["_related"] == issue["id"]], a))
        bind("IssueRelation", "issue", lambda rel, _i: self.issues[rel["_issue"]])
        bind("IssueRelation", "relatedIssue", lambda rel, _i: self.issues[rel["_related"]])

        bind("Mutation", "issueCreate", lambda _s, _i, input: self._payload(issue=self._create_issue(input)))
        bind("Mutation", "issueUpdate", lambda _s, _i, id, input: self._payload(
            issue=self._update_issue(self._issue(id), input)))
        bind("Mutation", "issueArchive", lambda _s, _i, id, trash=None: self._payload(
            entity=self._archive(self._issue(id), trash=bool(trash))))
        bind("Mutation", "issueUnarchive", lambda _s, _i, id: self._payload(entity=self._unarchive(self._issue(id))))
        bind("Mutation", "issueDelete", lambda _s, _i, id, permanentlyDelete=None: self._payload(
            entity=self._remove(self._issue(id)) if permanentlyDelete else self._archive(self._issue(id), trash=True)))
        bind("Mutation", "issueRelationCreate", lambda _s, _i, input: self._payload(
            issueRelation=self._create_relation(input)))
        bind("Mutation", "issueRelationDelete", lambda _s, _i, id: self._payload(entityId=self._delete_relation(id)))
        bind("Mutation", "issueLabelCreate", lambda _s, _i, input: self._payload(issueLabel=self._create_label(input)))

    def _payload(self, **fields: Any) -> dict[str, Any]:
        self._sync_id += 1
        return {"success": True, "lastSyncId": self._sync_id, **fields}

    # -- lookups ---------------------------------------------------------------------------------------

    def _issue(self, id_or_identifier: str) -> dict[str, Any]:
        found = self.issues.get(id_or_identifier)
        if found is None:
            found = next((i for i in self.issues.values() if i["identifier"] == id_or_identifier), None)
        if found is None:
            raise LinearError("Entity not found: Issue - Could not find referenced Issue.")
        return found

    def _team(self, id_: str) -> dict[str, Any]:
        if id_ not in self.teams:
            raise LinearError("Entity not found: Team - Could not find referenced Team.")
        return self.teams[id_]

    def _match_state(self, state: dict[str, Any], flt: dict[str, Any] | None) -> bool:
        if not flt:
            return True
        return (_compare(state["id"], flt.get("id")) and _compare(state["name"], flt.get("name"))
                and _compare(state["type"], flt.get("type"))
                and (flt.get("team") is None or _match_team(self.teams[state["_team"]], flt["team"])))

    def _match_label(self, label: dict[str, Any], flt: dict[str, Any] | None) -> bool:
        if not flt:
            return True
        team = self.teams.get(label["_team"] or "")
        wanted_team = flt.get("team")
        if wanted_team is not None:
            if wanted_team.get("null") is not None and (team is None) != wanted_team["null"]:
                return False
            if team is None and any(v is not None for k, v in wanted_team.items() if k != "null"):
                return False
            if team is not None and not _match_team(team, {k: v for k, v in wanted_team.items() if k != "null"}):
                return False
        return _compare(label["id"], flt.get("id")) and _compare(label["name"], flt.get("name"))

    def _match_issue(self, issue: dict[str, Any], flt: dict[str, Any] | None) -> bool:
        if not flt:
            return True
        if flt.get("and") and not all(self._match_issue(issue, f) for f in flt["and"]):
            return False
        if flt.get("or") and not any(self._match_issue(issue, f) for f in flt["or"]):
            return False
        if flt.get("team") is not None and not _match_team(self.teams[issue["_team"]], flt["team"]):
            return False
        if flt.get("state") is not None and not self._match_state(self.states[issue["_state"]], flt["state"]):
            return False
        parent = flt.get("parent")
        if parent is not None:
            if parent.get("null") is not None and (issue["_parent"] is None) != parent["null"]:
                return False
            if parent.get("id") is not None and not _compare(issue["_parent"], parent["id"]):
                return False
        return (_compare(issue["id"], flt.get("id")) and _compare(issue["title"], flt.get("title"))
                and _compare(issue["description"], flt.get("description"))
                and _compare_time(issue["createdAt"], flt.get("createdAt"))
                and _compare_time(issue["updatedAt"], flt.get("updatedAt")))

    # -- pagination ------------------------------------------------------------------------------------

    def _issue_page(self, issues: Any, args: dict[str, Any]) -> dict[str, Any]:
        chosen = [i for i in issues
                  if (args.get("includeArchived") or i["archivedAt"] is None) and self._match_issue(i, args.get("filter"))]
        return self._page(chosen, args, edges=True)

    def _page(self, items: list[dict[str, Any]], args: dict[str, Any], edges: bool = False) -> dict[str, Any]:
        if args.get("last") is not None or args.get("before") is not None:
            raise LinearError("The fake serves forward pagination only (first/after).", "graphql error",
                              "GRAPHQL_VALIDATION_FAILED", False)
        first = DEFAULT_PAGE if args.get("first") is None else args["first"]
        if not 0 < first <= MAX_PAGE:
            raise LinearError(f"Argument 'first' must be between 1 and {MAX_PAGE}.")
        if not args.get("includeArchived"):
            items = [x for x in items if x.get("archivedAt") is None]
        order = args.get("orderBy") or "createdAt"
        items = sorted(items, key=lambda x: (x[order], x["id"]))
        start = 0
        if args.get("after"):
            marker = _decode_cursor(args["after"])
            start = next((n + 1 for n, x in enumerate(items) if (x[order], x["id"]) == marker), None)
            if start is None:  # the item behind the cursor moved: continue after its old sort position
                start = sum(1 for x in items if (x[order], x["id"]) <= marker)
        page = items[start:start + first]
        cursors = [_encode_cursor((x[order], x["id"])) for x in page]
        result: dict[str, Any] = {
            "nodes": page,
            "pageInfo": {"hasNextPage": start + first < len(items), "hasPreviousPage": start > 0,
                         "startCursor": cursors[0] if cursors else None,
                         "endCursor": cursors[-1] if cursors else None},
        }
        if edges:
            result["edges"] = [{"node": x, "cursor": c} for x, c in zip(page, cursors, strict=True)]
        return result

    # -- mutations -------------------------------------------------------------------------------------

    def _create_issue(self, data: dict[str, Any]) -> dict[str, Any]:
        issue_id = data.get("id") or str(uuid.uuid4())
        try:
            uuid.UUID(issue_id)
        except ValueError:
            raise LinearError("id must be a UUID.") from None
        if issue_id in self.issues:
            raise LinearError("Entity already exists: an issue with this id was created before.",
                              code="CONFLICT")
        team = self._team(data["teamId"])
        now = self._clock.now()
        number = team["_next_number"]
        team["_next_number"] += 1
        identifier = f"{team['key']}-{number}"
        issue = {"id": issue_id, "identifier": identifier, "number": float(number), "title": "",
                 "description": None, "priority": 0.0, "estimate": None, "dueDate": None,
                 "url": f"https://linear.app/fake/issue/{identifier}", "createdAt": now, "updatedAt": now,
                 "archivedAt": None, "startedAt": None, "completedAt": None, "canceledAt": None, "trashed": None,
                 "_team": team["id"], "_state": self.state_of_type(team["id"], "backlog")["id"], "_parent": None,
                 "_labels": [], "_sort": 0.0}
        fields = {k: v for k, v in data.items() if k not in ("id", "teamId")}
        if not data.get("title"):
            raise LinearError("title must not be empty.")
        self._apply(issue, fields, now)
        self.issues[issue_id] = issue
        return issue

    def _update_issue(self, issue: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        if "title" in data and not data["title"]:
            raise LinearError("title must not be empty.")
        if data.get("trashed") is not None:
            if data.pop("trashed"):
                self._archive(issue, trash=True)
            else:
                self._unarchive(issue)
        self._apply(issue, data, now)
        issue["updatedAt"] = now
        return issue

    def _apply(self, issue: dict[str, Any], data: dict[str, Any], now: str) -> None:
        """Checks every field first, so a refused input changes nothing."""
        changes: dict[str, Any] = {}
        for name, value in data.items():
            if name == "description" and value is not None and not self.keeps_html_comments:
                changes[name] = re.sub(r"\n*<!--.*?-->", "", value, flags=re.S)
            elif name in ("title", "description", "dueDate"):
                changes[name] = value
            elif name == "priority":
                if value is not None and not 0 <= value <= 4:
                    raise LinearError("priority must be between 0 and 4.")
                changes["priority"] = float(value or 0)
            elif name == "estimate":
                changes["estimate"] = None if value is None else float(self._check_estimate(issue, value))
            elif name == "stateId":
                state = self.states.get(value or "")
                if state is None or state["_team"] != issue["_team"]:
                    raise LinearError("Entity not found: WorkflowState - Could not find referenced WorkflowState.")
                changes["_state"] = value
            elif name == "parentId":
                if value is not None:
                    parent = self._issue(value)
                    walk: dict[str, Any] | None = parent
                    while walk is not None:
                        if walk["id"] == issue["id"]:
                            raise LinearError("Issue cannot be its own ancestor.")
                        walk = self.issues.get(walk["_parent"] or "")
                    value = parent["id"]
                changes["_parent"] = value
            elif name in ("labelIds", "addedLabelIds", "removedLabelIds"):
                for label_id in value or []:
                    if label_id not in self.labels:
                        raise LinearError("Entity not found: IssueLabel - Could not find referenced IssueLabel.")
                current = changes.get("_labels", list(issue["_labels"]))
                if name == "labelIds":
                    current = list(dict.fromkeys(value or []))
                elif name == "addedLabelIds":
                    current = current + [x for x in value or [] if x not in current]
                else:
                    current = [x for x in current if x not in (value or [])]
                changes["_labels"] = current
            elif name == "sortOrder":
                changes["_sort"] = value
            elif name == "teamId":
                if value != issue["_team"]:
                    raise LinearError("The fake does not move issues between teams.")
            else:
                raise LinearError(f"The fake does not handle the input field {name}.")
        if "_state" in changes and changes["_state"] != issue["_state"]:
            kind = self.states[changes["_state"]]["type"]
            issue["startedAt"] = now if kind == "started" else issue["startedAt"]
            issue["completedAt"] = now if kind == "completed" else None
            issue["canceledAt"] = now if kind == "canceled" else None
        issue.update(changes)

    def _check_estimate(self, issue: dict[str, Any], value: int) -> int:
        team = self.teams[issue["_team"]]
        scale = estimate_scale(team["issueEstimationType"], team["issueEstimationAllowZero"],
                               team["issueEstimationExtended"])
        if value not in scale:
            raise LinearError(f"estimate {value} is not on the team's {team['issueEstimationType']} scale.")
        return value

    def _archive(self, issue: dict[str, Any], trash: bool) -> dict[str, Any]:
        now = self._clock.now()
        issue["archivedAt"] = issue["archivedAt"] or now
        issue["trashed"] = True if trash else issue["trashed"]
        issue["updatedAt"] = now
        return issue

    def _unarchive(self, issue: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        issue["archivedAt"] = None
        issue["trashed"] = None
        issue["updatedAt"] = now
        return issue

    def _remove(self, issue: dict[str, Any]) -> dict[str, Any]:
        del self.issues[issue["id"]]
        for rel_id in [r for r, rel in self.relations.items() if issue["id"] in (rel["_issue"], rel["_related"])]:
            del self.relations[rel_id]
        for child in self.issues.values():
            if child["_parent"] == issue["id"]:
                child["_parent"] = None
        return issue

    def _create_relation(self, data: dict[str, Any]) -> dict[str, Any]:
        subject, other = self._issue(data["issueId"]), self._issue(data["relatedIssueId"])
        if subject["id"] == other["id"]:
            raise LinearError("An issue cannot relate to itself.")
        relation_id = data.get("id") or str(uuid.uuid4())
        if relation_id in self.relations:
            raise LinearError("Entity already exists: an issue relation with this id was created before.",
                              code="CONFLICT")
        for existing in self.relations.values():
            if (existing["_issue"], existing["_related"], existing["type"]) == (subject["id"], other["id"], data["type"]):
                return existing  # Linear keeps one relation of a kind between two issues
        now = self._clock.now()
        relation = {"id": relation_id, "type": data["type"], "createdAt": now, "updatedAt": now, "archivedAt": None,
                    "_issue": subject["id"], "_related": other["id"]}
        self.relations[relation_id] = relation
        subject["updatedAt"] = other["updatedAt"] = now
        return relation

    def _delete_relation(self, relation_id: str) -> str:
        relation = self.relations.pop(relation_id, None)
        if relation is None:
            raise LinearError("Entity not found: IssueRelation - Could not find referenced IssueRelation.")
        now = self._clock.now()
        for end in (relation["_issue"], relation["_related"]):
            if end in self.issues:
                self.issues[end]["updatedAt"] = now
        return relation_id

    def _create_label(self, data: dict[str, Any]) -> dict[str, Any]:
        team_id = data.get("teamId")
        if team_id is not None:
            self._team(team_id)
        for existing in self.labels.values():
            if existing["name"].lower() == data["name"].lower() and existing["_team"] in (team_id, None):
                raise LinearError("Duplicate label name.", code="CONFLICT")
        now = self._clock.now()
        label = {"id": data.get("id") or str(uuid.uuid4()), "name": data["name"], "color": data.get("color") or "#eb5757",
                 "description": data.get("description"), "isGroup": bool(data.get("isGroup")), "createdAt": now,
                 "updatedAt": now, "archivedAt": None, "_team": team_id}
        self.labels[label["id"]] = label
        return label


class _QuietServer(ThreadingHTTPServer):
    """A client that went away (killed, timed out) is the client's business, not a traceback in the test log."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# -- helpers ---------------------------------------------------------------------------------------------


def estimate_scale(kind: str, allow_zero: bool = False, extended: bool = False) -> list[int]:
    """The points a team accepts (Linear's team settings: estimates)."""
    scales = {
        "notUsed": [],
        "exponential": [1, 2, 4, 8, 16] + ([32, 64] if extended else []),
        "fibonacci": [1, 2, 3, 5, 8] + ([13, 21] if extended else []),
        "linear": [1, 2, 3, 4, 5] + ([6, 7] if extended else []),
        "tShirt": [1, 2, 3, 5, 8] + ([13, 21] if extended else []),  # XS S M L XL (XXL XXXL) stored as points
    }
    scale = scales[kind]
    return ([0] if allow_zero and scale else []) + scale


def _compare(value: Any, cmp: dict[str, Any] | None) -> bool:
    return all(_holds(value, op, expected) for op, expected in (cmp or {}).items() if expected is not None)


def _holds(value: Any, op: str, expected: Any) -> bool:
    if op == "null":
        return (value is None) == expected
    if op in ("eq", "neq", "in", "nin"):
        return {"eq": value == expected, "neq": value != expected, "in": value in expected,
                "nin": value not in expected}[op]
    if value is None:
        return False
    if op == "eqIgnoreCase":
        return value.lower() == expected.lower()
    if op == "contains":
        return expected in value
    if op == "containsIgnoreCase":
        return expected.lower() in value.lower()
    if op == "startsWith":
        return value.startswith(expected)
    raise LinearError(f"The fake does not handle the comparator {op}.")


def _compare_time(value: str, cmp: dict[str, Any] | None) -> bool:
    if not cmp:
        return True
    mine = _parse_time(value)
    for op, expected in cmp.items():
        if expected is None:
            continue
        if op in ("in", "nin"):
            hit = any(mine == _parse_time(x) for x in expected)
            ok = hit if op == "in" else not hit
        else:
            other = _parse_time(expected)
            ok = {"eq": mine == other, "neq": mine != other, "gt": mine > other, "gte": mine >= other,
                  "lt": mine < other, "lte": mine <= other}[op]
        if not ok:
            return False
    return True


def _match_team(team: dict[str, Any], flt: dict[str, Any] | None) -> bool:
    if not flt:
        return True
    if flt.get("and") and not all(_match_team(team, f) for f in flt["and"]):
        return False
    if flt.get("or") and not any(_match_team(team, f) for f in flt["or"]):
        return False
    return _compare(team["id"], flt.get("id")) and _compare(team["key"], flt.get("key")) and _compare(
        team["name"], flt.get("name"))


def complexity(schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> float:
    """A query's cost as Linear documents it: 0.1 a property, 1 an object, and a connection multiplies
    what it holds by its `first` (50 when not given)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def argument(node: FieldNode, name: str) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, variables)
        return None

    def weigh(selections: Any, parent: Any) -> float:
        total = 0.0
        for selection in selections.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                total += weigh(fragment.selection_set, schema.get_type(fragment.type_condition.name.value))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total += weigh(selection.selection_set, schema.get_type(condition.name.value) if condition else parent)
            elif isinstance(selection, FieldNode):
                if selection.selection_set is None:
                    total += 0.1
                    continue
                field_type = get_named_type(parent.fields[selection.name.value].type)
                inner = weigh(selection.selection_set, field_type)
                if field_type.name.endswith("Connection"):
                    inner *= argument(selection, "first") or DEFAULT_PAGE
                total += 1 + inner
        return total

    total = 0.0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.mutation_type if definition.operation.value == "mutation" else schema.query_type
            total += weigh(definition.selection_set, root)
    return total


def _encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        first, second = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(first), str(second)
    except (ValueError, TypeError):
        raise LinearError("Invalid cursor.") from None


def _describe(query: Any) -> tuple[str, list[str]]:
    """The operation type and root fields of a request, for the record and for scripted steps."""
    if not isinstance(query, str):
        return "", []
    try:
        document = parse(query)
    except GraphQLError:
        return "", []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            fields = [s.name.value for s in definition.selection_set.selections if hasattr(s, "name")]
            return definition.operation.value, fields
    return "", []


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted = error.formatted
    original = error.original_error
    if isinstance(original, LinearError):
        formatted["extensions"] = original.extensions
    elif original is not None:  # a bug in the fake: say so instead of pretending to be Linear
        formatted["extensions"] = {"type": "internal error", "code": "INTERNAL_SERVER_ERROR", "userError": False}
    else:
        formatted["extensions"] = {"type": "graphql error", "code": "GRAPHQL_VALIDATION_FAILED", "userError": False}
    return formatted


@pytest.fixture
def linear_server() -> Iterator[FakeLinear]:
    """A fake Linear with one team `ENG` (fibonacci estimates), started on a free port."""
    fake = FakeLinear()
    fake.add_team("ENG", "Engineering")
    fake.start()
    yield fake
    fake.stop()
