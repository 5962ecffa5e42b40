"""Linear: one team's issues as `RemoteItem`s, over Linear's GraphQL API.

The client is `gql` with its httpx transport (sync). gql parses every document below when the module
loads, raises `TransportQueryError` with Linear's `errors` list, and keeps the last answer's headers;
an httpx response hook keeps its status, which gql folds into the errors. Plain httpx would do too; gql
was kept because it checks the documents' syntax once and hands back GraphQL errors as data.

How taskforge fields map (see README, "Sync"):
- title, description (user text, a blank line, then the marker `<!-- taskforge:PROJECT:T12 -->`).
- status → the team's workflow states by type: todo → unstarted, doing → started, done → completed,
  blocked → started plus the team's "Blocked" label (created on first use). Read back: triage/backlog/
  unstarted → todo, started → doing, completed/canceled → done, "Blocked" label on an open issue →
  blocked. A state that already means the wanted status is kept ("In Review" stays for doing).
- priority ↔ 1 urgent (critical), 2 high, 3 medium, 4 low; 0 (no priority) reads as medium.
- estimate → points on the team's scale (`issueEstimationType`): 1 point = 1 working day (8 h, what
  taskforge's "1d" means), rounded to the nearest point of the scale (a note says so once a run); read
  back as points × 480 minutes. A team with estimates turned off holds none.
- time spent: Linear has no such field; it stays in taskforge (a note).
- parent ↔ `parentId`; depends_on ↔ "blocks" relations: "A depends on B" is "B blocks A", which Linear
  lists in A's `inverseRelations`.
- Items are created with a client-chosen UUID derived from (project, task key, team), so a create that
  was sent but not answered, then sent again, finds its issue instead of making a second one.
- A task deleted locally moves its issue to the team's canceled state (never deleted).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport
from gql.transport.httpx import httpx as http  # the HTTP library gql picked (httpx, or httpx2 where installed)

from taskforge.core.limits import MINUTES_PER_DAY
from taskforge.core.tree import format_minutes
from taskforge.sync.adapter import (
    FIELDS,
    ItemGone,
    Remote,
    RemoteFields,
    RemoteItem,
    RemoteRequestFailed,
    Reporter,
    Retry,
    RetryPolicy,
    call_with_retries,
    marker_search_text,
    read_marker,
    retry_after_seconds,
    strip_marker,
    utc,
    with_marker,
)

SERVICE = "Linear"
PAGE = 50  # issues per page: with their relations this stays far below Linear's 10,000-point query limit
RELATIONS_PAGE = 20  # blockers read with each issue; more are paged separately
BATCH = 100  # ids per `missing` query
POINT_MINUTES = MINUTES_PER_DAY  # one estimate point is taken to be one working day (plans are sized in days)
BLOCKED_LABEL = "Blocked"
TRASHED_IDS = 5  # how many trashed issues of one task a create steps over before giving up
NAMESPACE = uuid.UUID("6b1f3c2e-8a4d-5e7f-9c0b-1d2e3f4a5b6c")  # taskforge's namespace for issue ids

PRIORITY_TO_LINEAR = {"critical": 1, "high": 2, "medium": 3, "low": 4}
PRIORITY_FROM_LINEAR = {0: "medium", 1: "critical", 2: "high", 3: "medium", 4: "low"}
STATE_FOR_STATUS = {"todo": "unstarted", "doing": "started", "blocked": "started", "done": "completed"}
STATUS_FOR_STATE = {"triage": "todo", "backlog": "todo", "unstarted": "todo", "started": "doing",
                    "completed": "done", "canceled": "done"}
# The points each estimate type offers (Linear's team settings); t-shirt sizes XS…XXXL are held as these.
SCALES = {
    "exponential": ((1, 2, 4, 8, 16), (32, 64)),
    "fibonacci": ((1, 2, 3, 5, 8), (13, 21)),
    "linear": ((1, 2, 3, 4, 5), (6, 7)),
    "tShirt": ((1, 2, 3, 5, 8), (13, 21)),
}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

ISSUE = """
fragment TaskforgeIssue on Issue {
  id identifier url title description priority estimate updatedAt archivedAt trashed labelIds
  state { id name type }
  parent { id }
  inverseRelations(first: RELATIONS_PAGE) { nodes { id type issue { id } } pageInfo { hasNextPage endCursor } }
}
""".replace("RELATIONS_PAGE", str(RELATIONS_PAGE))

TEAM = """
fragment TaskforgeTeam on Team {
  id key name issueEstimationType issueEstimationAllowZero issueEstimationExtended
  states(first: 100) { nodes { id name type position } }
}
"""

TEAM_BY_KEY = gql("""
query TaskforgeTeamByKey($key: String!) {
  teams(filter: {key: {eqIgnoreCase: $key}}, first: 2) { nodes { ...TaskforgeTeam } }
}
""" + TEAM)
TEAM_BY_ID = gql("""
query TaskforgeTeam($id: String!) { team(id: $id) { ...TaskforgeTeam } }
""" + TEAM)
LABELS = gql("""
query TaskforgeLabels($name: String!) {
  issueLabels(filter: {name: {eqIgnoreCase: $name}}, first: 50) { nodes { id name team { id } } }
}
""")
CREATE_LABEL = gql("""
mutation TaskforgeLabel($input: IssueLabelCreateInput!) { issueLabelCreate(input: $input) { issueLabel { id } } }
""")
ISSUES = gql("""
query TaskforgeIssues($filter: IssueFilter, $after: String) {
  issues(filter: $filter, first: PAGE, after: $after, orderBy: updatedAt, includeArchived: true) {
    nodes { ...TaskforgeIssue }
    pageInfo { hasNextPage endCursor }
  }
}
""".replace("PAGE", str(PAGE)) + ISSUE)
IDS = gql("""
query TaskforgeIds($ids: [ID!], $after: String) {
  issues(filter: {id: {in: $ids}}, first: BATCH, after: $after, includeArchived: true) {
    nodes { id trashed }
    pageInfo { hasNextPage endCursor }
  }
}
""".replace("BATCH", str(BATCH)))
BLOCKERS = gql("""
query TaskforgeBlockers($id: String!, $after: String) {
  issue(id: $id) {
    inverseRelations(first: 100, after: $after) { nodes { id type issue { id } } pageInfo { hasNextPage endCursor } }
  }
}
""")
CREATE = gql("""
mutation TaskforgeCreate($input: IssueCreateInput!) { issueCreate(input: $input) { issue { ...TaskforgeIssue } } }
""" + ISSUE)
UPDATE = gql("""
mutation TaskforgeUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { issue { ...TaskforgeIssue } }
}
""" + ISSUE)
RELATE = gql("""
mutation TaskforgeRelate($input: IssueRelationCreateInput!) { issueRelationCreate(input: $input) { issueRelation { id } } }
""")
UNRELATE = gql("""
mutation TaskforgeUnrelate($id: String!) { issueRelationDelete(id: $id) { success } }
""")


class LinearAdapter:
    """One Linear team (the remote's target: its key, such as `ENG`, or its id)."""

    service: ClassVar[str] = SERVICE

    def __init__(self, remote: Remote, token: str, reporter: Reporter, policy: RetryPolicy | None = None):
        self.remote = remote
        self.reporter = reporter
        self.policy = policy or RetryPolicy()
        self._token = token
        self._status = 0
        self._session: Any = None
        self._client: Client | None = None
        self._transport: HTTPXTransport | None = None
        self._team: dict[str, Any] | None = None
        self._blocked_label: str | None = None
        self._blocked_label_looked_up = False
        self._state_types: dict[str, str] = {}  # remote id → the workflow state type last read
        self._refs: dict[str, str] = {}  # remote id → identifier (ENG-12), for messages
        self._estimate_noted = False

    # -- the interface -----------------------------------------------------------------------------

    @property
    def supported_fields(self) -> frozenset[str]:
        fields = set(FIELDS) - {"spent_minutes"}
        if not self._scale():
            fields.discard("estimate_minutes")
        return frozenset(fields)

    def find_marked(self) -> list[RemoteItem]:
        team = self._team_info()
        flt = {"team": {"id": {"eq": team["id"]}},
               "description": {"contains": marker_search_text(self.remote.project_id)}}
        return [item for item in self._issues(flt, "issues with markers") if item.key is not None]

    def changed_since(self, since: datetime | None) -> Iterator[RemoteItem]:
        flt: dict[str, Any] = {"team": {"id": {"eq": self._team_info()["id"]}}}
        if since is not None:
            flt["updatedAt"] = {"gte": _iso(since)}
        yield from self._issues(flt, "issues list")

    def get(self, remote_id: str) -> RemoteItem | None:
        found = self._issues({"id": {"eq": remote_id}}, remote_id)
        return found[0] if found else None

    def missing(self, remote_ids: Collection[str]) -> set[str]:
        wanted = sorted(set(remote_ids))
        present: set[str] = set()
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start:start + BATCH]
            after = None
            while True:
                data = self._call(IDS, {"ids": batch, "after": after}, "issues by id")
                present |= {node["id"] for node in data["issues"]["nodes"] if not node.get("trashed")}
                page = data["issues"]["pageInfo"]
                if not page["hasNextPage"]:
                    break
                after = page["endCursor"]
        return set(wanted) - present

    def create(self, key: str, fields: RemoteFields) -> RemoteItem:
        team = self._team_info()
        values = {"teamId": team["id"], "title": fields.title,
                  "description": with_marker(fields.description, self.remote.project_id, key),
                  "priority": PRIORITY_TO_LINEAR.get(fields.priority, 3),
                  "stateId": self._state_for(fields.status)["id"]}
        if fields.status == "blocked":
            values["labelIds"] = [self._blocked_label_id(create=True)]
        points = self._points(key, fields.estimate_minutes)
        if points is not None:
            values["estimate"] = points
        self._note_spent()  # the engine sends only supported fields: say it whenever issues are made
        item = f"{key} (new issue)"
        # The task's first id, unless its issue was put in the trash by hand (then the task's next one).
        for attempt_number in range(1, TRASHED_IDS + 2):
            issue_id = self.issue_id(key, attempt_number)
            node = call_with_retries(lambda issue_id=issue_id: self._create_once(issue_id, values, item),
                                     service=SERVICE, item=item, policy=self.policy, reporter=self.reporter)
            if not node.get("trashed"):
                return self._item(node)
        raise RemoteRequestFailed(SERVICE, item, f"the last {TRASHED_IDS + 1} issues made for it are in Linear's trash")

    def _create_once(self, issue_id: str, values: dict[str, Any], item: str) -> dict[str, Any]:
        """Create with `issue_id`; a create that reached Linear but whose answer was lost comes back refused
        (the id is taken): then the issue is there, and it is the one this task made."""
        try:
            return self._execute(CREATE, {"input": {"id": issue_id, **values}}, item)["issueCreate"]["issue"]
        except _Refused:
            existing = self._execute(ISSUES, {"filter": {"id": {"eq": issue_id}}, "after": None}, item)
            nodes = existing["issues"]["nodes"]
            if not nodes:
                raise
            return nodes[0]

    def update(self, remote_id: str, key: str, changes: Mapping[str, Any]) -> RemoteItem:
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = changes["title"]
        if "description" in changes:
            values["description"] = with_marker(changes["description"] or "", self.remote.project_id, key)
        if "priority" in changes:
            values["priority"] = PRIORITY_TO_LINEAR.get(changes["priority"], 3)
        if "estimate_minutes" in changes and self._scale():
            values["estimate"] = self._points(key, changes["estimate_minutes"])
        if "status" in changes:
            status = changes["status"]
            self._existing(remote_id, key)
            wanted_type = STATE_FOR_STATUS.get(status, "unstarted")
            if STATUS_FOR_STATE.get(self._state_types.get(remote_id, "")) != STATUS_FOR_STATE[wanted_type]:
                values["stateId"] = self._state_for(status)["id"]
            if status == "blocked":
                values["addedLabelIds"] = [self._blocked_label_id(create=True)]
            else:
                label = self._blocked_label_id(create=False)
                if label is not None:
                    values["removedLabelIds"] = [label]
        if not values:
            return self._existing(remote_id, key)
        return self._write(remote_id, key, values)

    def set_relations(self, remote_id: str, key: str, parent: str | None, depends_on: Sequence[str]) -> None:
        current = self._existing(remote_id, key)
        item = self._label(key, remote_id)
        if current.fields.parent != parent:
            self._write(remote_id, key, {"parentId": parent})
        blockers = self._blockers(remote_id, item)
        wanted = set(depends_on)
        for blocker in sorted(wanted - set(blockers)):
            relation = {"id": str(uuid.uuid5(NAMESPACE, f"{blocker} blocks {remote_id}")), "issueId": blocker,
                        "relatedIssueId": remote_id, "type": "blocks"}

            def attempt(relation: dict[str, Any] = relation) -> None:
                try:
                    self._execute(RELATE, {"input": relation}, item)
                except _Refused:  # sent before, answer lost: fine if the relation is there now
                    if relation["issueId"] not in self._blockers(remote_id, item):
                        raise

            call_with_retries(attempt, service=SERVICE, item=item, policy=self.policy, reporter=self.reporter)
        for blocker, relation_ids in sorted(blockers.items()):
            if blocker not in wanted:
                for relation_id in relation_ids:
                    self._call(UNRELATE, {"id": relation_id}, item)

    def close(self, remote_id: str, key: str) -> None:
        if self._existing(remote_id, key).closed:
            return
        canceled = self._state_of_type("canceled") or self._state_of_type("completed")
        self._write(remote_id, key, {"stateId": canceled["id"]})

    def _existing(self, remote_id: str, key: str) -> RemoteItem:
        """The item as Linear holds it now; `ItemGone` when it was deleted (or put in the trash) by hand."""
        found = self.get(remote_id)
        if found is None or found.deleted:
            raise ItemGone(SERVICE, self._label(key, remote_id))
        return found

    def _write(self, remote_id: str, key: str, values: dict[str, Any]) -> RemoteItem:
        item = self._label(key, remote_id)
        try:
            node = self._call(UPDATE, {"id": remote_id, "input": values}, item)["issueUpdate"]["issue"]
        except _Refused:
            self._existing(remote_id, key)  # refused because the issue is gone: say that instead
            raise
        if node.get("trashed"):
            raise ItemGone(SERVICE, item)
        return self._item(node)

    # -- ids -----------------------------------------------------------------------------------------

    def issue_id(self, key: str, number: int = 1) -> str:
        """The UUID this task's issue is created with: the same on every try, for this project and team
        (`number` counts the issues made for the task after earlier ones were put in the trash)."""
        name = f"{self.remote.project_id}:{key}:{self._team_info()['id']}" + (f":{number}" if number > 1 else "")
        return str(uuid.uuid5(NAMESPACE, name))

    # -- reading -------------------------------------------------------------------------------------

    def _issues(self, flt: dict[str, Any], item: str) -> list[RemoteItem]:
        found: list[RemoteItem] = []
        after = None
        while True:
            data = self._call(ISSUES, {"filter": flt, "after": after}, item)
            found.extend(self._item(node) for node in data["issues"]["nodes"])
            page = data["issues"]["pageInfo"]
            if not page["hasNextPage"]:
                return found
            after = page["endCursor"]

    def _blockers(self, remote_id: str, item: str) -> dict[str, list[str]]:
        """blocker issue id → ids of the "blocks" relations pointing at `remote_id`."""
        blockers: dict[str, list[str]] = {}
        after = None
        while True:
            connection = self._call(BLOCKERS, {"id": remote_id, "after": after}, item)["issue"]["inverseRelations"]
            for node in connection["nodes"]:
                if node["type"] == "blocks":
                    blockers.setdefault(node["issue"]["id"], []).append(node["id"])
            if not connection["pageInfo"]["hasNextPage"]:
                return blockers
            after = connection["pageInfo"]["endCursor"]

    def _item(self, node: Mapping[str, Any]) -> RemoteItem:
        state = node["state"]
        self._state_types[node["id"]] = state["type"]
        self._refs[node["id"]] = node["identifier"]
        blocked_label = self._blocked_label_id(create=False) if node.get("labelIds") else self._blocked_label
        status = STATUS_FOR_STATE.get(state["type"], "todo")
        if status != "done" and blocked_label is not None and blocked_label in (node.get("labelIds") or []):
            status = "blocked"
        relations = node["inverseRelations"]
        if relations["pageInfo"]["hasNextPage"]:
            depends = sorted(self._blockers(node["id"], node["identifier"]))
        else:
            depends = sorted({r["issue"]["id"] for r in relations["nodes"] if r["type"] == "blocks"})
        estimate = node.get("estimate")
        priority = int(node.get("priority") or 0)
        fields = RemoteFields(
            title=node["title"],
            description=strip_marker(node.get("description")),
            status=status,
            priority=PRIORITY_FROM_LINEAR.get(priority, "medium"),
            estimate_minutes=None if estimate is None else round(estimate * POINT_MINUTES),
            spent_minutes=None,
            parent=(node.get("parent") or {}).get("id"),
            depends_on=tuple(depends),
        )
        closed = state["type"] in ("completed", "canceled") or node.get("archivedAt") is not None
        return RemoteItem(
            remote_id=node["id"],
            ref=node["identifier"],
            url=node["url"],
            fields=fields,
            updated_at=utc(datetime.fromisoformat(node["updatedAt"].replace("Z", "+00:00"))),
            key=read_marker(node.get("description"), self.remote.project_id),
            closed=closed or bool(node.get("trashed")),
            deleted=bool(node.get("trashed")),
            remote_status=state["name"] + (" (archived)" if node.get("archivedAt") and not node.get("trashed") else ""),
        )

    # -- the team ------------------------------------------------------------------------------------

    def _team_info(self) -> dict[str, Any]:
        if self._team is None:
            target = self.remote.target.strip()
            if _UUID.fullmatch(target):
                team = self._call(TEAM_BY_ID, {"id": target}, f"team {target}")["team"]
            else:
                nodes = self._call(TEAM_BY_KEY, {"key": target}, f"team {target}")["teams"]["nodes"]
                if len(nodes) != 1:
                    raise RemoteRequestFailed(SERVICE, f"team {target}",
                                              "no team with that key is visible to this API key")
                team = nodes[0]
            self._team = team
        return self._team

    def _state_of_type(self, kind: str) -> dict[str, Any] | None:
        states = [s for s in self._team_info()["states"]["nodes"] if s["type"] == kind]
        return min(states, key=lambda s: s["position"]) if states else None

    def _state_for(self, status: str) -> dict[str, Any]:
        kind = STATE_FOR_STATUS.get(status, "unstarted")
        state = self._state_of_type(kind) or (self._state_of_type("backlog") if kind == "unstarted" else None)
        if state is None:
            raise RemoteRequestFailed(SERVICE, f"team {self._team_info()['key']}", f"it has no workflow state of type {kind}")
        return state

    def _blocked_label_id(self, create: bool) -> str | None:
        """The id of the label that says "blocked" (a team label or a workspace one), looked up once."""
        if self._blocked_label is None and (create or not self._blocked_label_looked_up):
            self._blocked_label_looked_up = True
            team_id = self._team_info()["id"]
            nodes = self._call(LABELS, {"name": BLOCKED_LABEL}, f"label {BLOCKED_LABEL}")["issueLabels"]["nodes"]
            usable = [n for n in nodes if n.get("team") is None or n["team"]["id"] == team_id]
            if usable:
                self._blocked_label = usable[0]["id"]
            elif create:
                data = self._call(CREATE_LABEL, {"input": {"name": BLOCKED_LABEL, "teamId": team_id}},
                                  f"label {BLOCKED_LABEL}")
                self._blocked_label = data["issueLabelCreate"]["issueLabel"]["id"]
        return self._blocked_label

    def _scale(self) -> tuple[int, ...]:
        team = self._team_info()
        base, extended = SCALES.get(team["issueEstimationType"], ((), ()))
        scale = base + (extended if team["issueEstimationExtended"] else ())
        return ((0,) if team["issueEstimationAllowZero"] and scale else ()) + scale

    def _points(self, key: str, minutes: int | None) -> int | None:
        """The nearest point of the team's scale to `minutes` (one point a working day); None clears it."""
        scale = [p for p in self._scale() if p > 0]
        if minutes is None or minutes <= 0 or not scale:
            return None
        days = minutes / POINT_MINUTES
        points = min(scale, key=lambda p: (abs(p - days), -p))  # a tie rounds up, as estimates do
        if points * POINT_MINUTES != minutes and not self._estimate_noted:
            self._estimate_noted = True
            team = self._team_info()
            self.reporter.note(
                f"Linear holds estimates as points on team {team['key']}'s {team['issueEstimationType']} scale "
                f"(taken as 1 point = 1 day of 8 h, rounded to the scale): {key}'s {format_minutes(minutes)} became "
                f"{points} point{'s' if points != 1 else ''}"
            )
        return points

    def _note_spent(self) -> None:
        self.reporter.note("Linear has no time-spent field: time spent stays in taskforge")

    # -- the wire ------------------------------------------------------------------------------------

    def _label(self, key: str, remote_id: str) -> str:
        return f"{key} ({self._refs.get(remote_id, remote_id)})"

    def _call(self, document: GraphQLRequest, variables: dict[str, Any], item: str) -> dict[str, Any]:
        return call_with_retries(lambda: self._execute(document, variables, item), service=SERVICE, item=item,
                                 policy=self.policy, reporter=self.reporter)

    def _connect(self) -> Any:
        if self._session is None:
            def keep_status(response: Any) -> None:
                self._status = response.status_code

            self._transport = HTTPXTransport(
                url=_endpoint(self.remote.url),
                headers={"Authorization": self._token, "Content-Type": "application/json"},
                timeout=self.policy.timeout,
                event_hooks={"response": [keep_status]},
            )
            self._client = Client(transport=self._transport, fetch_schema_from_transport=False)
            self._session = self._client.connect_sync()
        return self._session

    def _execute(self, document: GraphQLRequest, variables: dict[str, Any], item: str) -> dict[str, Any]:
        """One request; turns what went wrong into `Retry` (try again) or a final `RemoteRequestFailed`."""
        session = self._connect()
        self._status = 0
        request = GraphQLRequest(document.document, variable_values=variables)
        try:
            return session.execute(request)
        except TransportQueryError as error:
            headers = dict(self._transport.response_headers or {}) if self._transport else {}
            raise self._query_error(error.errors or [], headers, item) from None
        except TransportServerError as error:
            headers = dict(self._transport.response_headers or {}) if self._transport else {}
            raise self._status_error(error.code or self._status, headers, item) from None
        except TransportConnectionFailed as error:
            if _timed_out(error):
                reason = f"nothing within {self.policy.timeout:g} s"
            else:
                reason = "nothing (the connection was lost)"
            raise Retry(reason) from None
        except TransportError:
            raise RemoteRequestFailed(SERVICE, item, f"answered something that is not GraphQL (HTTP {self._status})") from None

    def _query_error(self, errors: list[dict[str, Any]], headers: dict[str, str], item: str) -> Exception:
        extensions = [e.get("extensions") or {} for e in errors]
        codes = {str(x.get("code", "")).upper() for x in extensions} | {
            str(x.get("type", "")).upper().replace(" ", "_") for x in extensions}
        if "RATELIMITED" in codes or self._status == 429:
            return Retry("rate limited", status=429, wait=retry_after_seconds(headers))
        if codes & {"AUTHENTICATION_ERROR", "FORBIDDEN"} or self._status in (401, 403):
            return RemoteRequestFailed(SERVICE, item, f"the API key in {self.remote.token_env} was refused")
        if self._status >= 500 or codes & {"INTERNAL_SERVER_ERROR", "INTERNAL_ERROR"}:
            return Retry(f"{self._status or 500} {_phrase(self._status or 500)}", status=self._status or 500)
        message = next((x.get("userPresentableMessage") for x in extensions if x.get("userPresentableMessage")), None)
        message = message or next((e.get("message") for e in errors if e.get("message")), "refused the request")
        return _Refused(SERVICE, item, self._safe(str(message)))

    def _status_error(self, status: int, headers: dict[str, str], item: str) -> Exception:
        if status == 429:
            return Retry("rate limited", status=429, wait=retry_after_seconds(headers))
        if status >= 500:
            return Retry(f"{status} {_phrase(status)}", status=status, wait=None)
        if status in (401, 403):
            return RemoteRequestFailed(SERVICE, item, f"the API key in {self.remote.token_env} was refused")
        return RemoteRequestFailed(SERVICE, item, f"answered {status} {_phrase(status)}")

    def _safe(self, text: str) -> str:
        """A service's message as one short line, never holding the token."""
        line = " ".join(text.split())[:200]
        return line.replace(self._token, "[token]") if self._token else line


class _Refused(RemoteRequestFailed):
    """Linear refused the request itself (invalid input, a taken id): trying again will not help."""


def _timed_out(error: BaseException) -> bool:
    """Whether a failed request ran out of time (gql wraps httpx's, or httpx2's, timeout in its own error)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TimeoutError | http.TimeoutException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _endpoint(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


def _iso(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _phrase(status: int) -> str:
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return "error"

