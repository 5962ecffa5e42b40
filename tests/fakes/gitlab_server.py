"""A fake GitLab (REST API v4) on 127.0.0.1, written from GitLab's documentation, for the real python-gitlab.

It keeps issues of any number of projects in memory and serves the endpoints taskforge's sync uses, as
the documentation describes them:

- `GET/POST /projects/:id/issues` (filters `state`, `updated_after`, `search`, `iids[]`, `order_by`,
  `sort`; offset pagination with `page`/`per_page` ≤ 100 and the headers `X-Page`, `X-Per-Page`,
  `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages` and `Link`);
  `GET/PUT/DELETE /projects/:id/issues/:iid` (`title`, `description`, `labels`, `add_labels`,
  `remove_labels`, `state_event=close|reopen`);
- time tracking: `POST …/time_estimate`, `…/reset_time_estimate`, `…/add_spent_time` (adds, may be
  negative), `…/reset_spent_time`, `GET …/time_stats`, durations such as `1h30m`, `90m`, `-30m`;
- issue links: `GET/POST …/issues/:iid/links`, `DELETE …/links/:issue_link_id`; `blocks`/`is_blocked_by`
  are refused with 403 when `blocking_links` is False (GitLab Free);
- the `PRIVATE-TOKEN` header is required (401 otherwise).

Tests script it: `fail_next(status, times, retry_after=…)` (429/500 answers), `delay_next(seconds)`,
`before_request` (a callback, e.g. a remote edit between calls), `edit(...)`/`delete(...)` (changes made
"by hand" on the server). Every request is recorded (`requests`, `write_calls()`).
It shares no code with taskforge.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
_DURATION = re.compile(r"(-?)(?:(\d+)mo)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """GitLab's human durations (1mo = 4w, 1w = 5d, 1d = 8h) in seconds."""
    match = _DURATION.match(text.strip().replace(" ", ""))
    if not match or not any(match.groups()[1:]):
        raise ValueError(text)
    sign, months, weeks, days, hours, minutes, seconds = match.groups()
    total = (
        int(months or 0) * 4 * 5 * 8 * 3600 + int(weeks or 0) * 5 * 8 * 3600 + int(days or 0) * 8 * 3600
        + int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
    )
    return -total if sign else total


def _human(seconds: int) -> str | None:
    if not seconds:
        return None
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    return ("-" if seconds < 0 else "") + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Issue:
    project_id: int
    iid: int
    id: int
    title: str
    description: str = ""
    state: str = "opened"
    labels: list[str] = field(default_factory=list)
    time_estimate: int = 0
    total_time_spent: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    closed_at: datetime | None = None


@dataclass
class Link:
    id: int
    source: tuple[int, int]  # (project id, iid)
    target: tuple[int, int]
    link_type: str  # relates_to | blocks (is_blocked_by is stored reversed, as GitLab does)


class FakeGitLab:
    def __init__(self, *, blocking_links: bool = True, project_path: str = "team/app", project_id: int = 7):
        self.blocking_links = blocking_links
        self.projects = {project_id: project_path}
        self.issues: dict[tuple[int, int], Issue] = {}
        self.links: dict[int, Link] = {}
        self.requests: list[Recorded] = []
        self.token: str | None = None  # when set, the only PRIVATE-TOKEN accepted
        self.before_request = None  # callable(method, path) run before each request is served
        self._failures: deque[tuple[int, float | None, str]] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.RLock()
        self._next_id = 1000
        self._next_link = 1
        self._last_time = datetime.now(UTC)
        self.server: ThreadingHTTPServer | None = None

    # -- scripting ------------------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, *, retry_after: float | None = None, match: str = "") -> None:
        """The next `times` requests (whose path contains `match`) answer `status`."""
        for _ in range(times):
            self._failures.append((status, retry_after, match))

    def delay_next(self, seconds: float, times: int = 1) -> None:
        for _ in range(times):
            self._delays.append(seconds)

    def write_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in WRITE_METHODS]

    def clear(self) -> None:
        self.requests.clear()

    def now(self) -> datetime:
        """Strictly increasing times, so that "updated after" is exact in tests."""
        with self._lock:
            moment = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
            self._last_time = moment
            return moment

    def project_issues(self, project_id: int | None = None) -> list[Issue]:
        project_id = project_id or next(iter(self.projects))
        return sorted((i for (p, _), i in self.issues.items() if p == project_id), key=lambda i: i.iid)

    def issue(self, iid: int, project_id: int | None = None) -> Issue:
        return self.issues[(project_id or next(iter(self.projects)), iid)]

    def edit(self, iid: int, project_id: int | None = None, **changes: Any) -> Issue:
        """A change made by hand on the server (web UI): bumps `updated_at`."""
        with self._lock:
            issue = self.issue(iid, project_id)
            for name, value in changes.items():
                setattr(issue, name, value)
            if changes.get("state") == "closed":
                issue.closed_at = self.now()
            issue.updated_at = self.now()
            return issue

    def delete(self, iid: int, project_id: int | None = None) -> None:
        with self._lock:
            key = (project_id or next(iter(self.projects)), iid)
            del self.issues[key]
            for link_id, link in list(self.links.items()):
                if key in (link.source, link.target):
                    del self.links[link_id]

    def add_issue(self, title: str, project_id: int | None = None, **fields: Any) -> Issue:
        with self._lock:
            return self._create(project_id or next(iter(self.projects)), {"title": title, **fields})

    # -- serving --------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitLab:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # a client killed mid-request must not hold the test's teardown
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: dict[str, Any] = {}
        if raw:
            if "json" in (handler.headers.get("Content-Type") or ""):
                body = json.loads(raw)
            else:
                body = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        self.requests.append(
            Recorded(handler.command, parts.path, query, body, {k: v for k, v in handler.headers.items()})
        )
        if self.before_request is not None:
            self.before_request(handler.command, parts.path)
        if self._delays:
            time.sleep(self._delays.popleft())
        for index, (status, retry_after, match) in enumerate(self._failures):
            if match in parts.path:
                del self._failures[index]
                headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
                if status == 429:
                    headers |= {"RateLimit-Limit": "600", "RateLimit-Remaining": "0"}
                return self._send(handler, status, {"message": f"scripted {status}"}, headers)
        token = handler.headers.get("PRIVATE-TOKEN")
        if not token or (self.token is not None and token != self.token):
            return self._send(handler, 401, {"message": "401 Unauthorized"})
        try:
            with self._lock:
                status, payload, headers = self._route(handler.command, parts.path, query, body)
        except LookupError:
            status, payload, headers = 404, {"message": "404 Not found"}, {}
        except ValueError as exc:
            status, payload, headers = 400, {"message": f"400 Bad request - {exc}"}, {}
        self._send(handler, status, payload, headers)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    # -- the API ----------------------------------------------------------------------------------------

    def _project(self, ident: str) -> int:
        ident = unquote(ident)
        if ident.isdigit() and int(ident) in self.projects:
            return int(ident)
        for project_id, path in self.projects.items():
            if path == ident:
                return project_id
        raise LookupError(ident)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]):
        match = re.fullmatch(r"/api/v4/projects/([^/]+)/issues(?:/(\d+)(?:/([a-z_]+)(?:/(\d+))?)?)?", path)
        if not match:
            raise LookupError(path)
        project_id = self._project(match.group(1))
        iid, action, sub_id = match.group(2), match.group(3), match.group(4)
        if iid is None:
            if method == "GET":
                return self._list(project_id, query)
            if method == "POST":
                return 201, self._json(self._create(project_id, body)), {}
            raise LookupError(path)
        issue = self.issues.get((project_id, int(iid)))
        if issue is None:
            raise LookupError(path)
        if action is None:
            if method == "GET":
                return 200, self._json(issue), {}
            if method == "PUT":
                return 200, self._json(self._update(issue, body)), {}
            if method == "DELETE":
                self.delete(issue.iid, project_id)
                return 204, None, {}
        elif action == "time_stats" and method == "GET":
            return 200, self._time_stats(issue), {}
        elif action in ("time_estimate", "reset_time_estimate", "add_spent_time", "reset_spent_time") and method == "POST":
            if action == "time_estimate":
                issue.time_estimate = max(0, parse_duration(str(body["duration"])))
            elif action == "reset_time_estimate":
                issue.time_estimate = 0
            elif action == "add_spent_time":
                issue.total_time_spent = max(0, issue.total_time_spent + parse_duration(str(body["duration"])))
            else:
                issue.total_time_spent = 0
            issue.updated_at = self.now()
            return (200 if action.startswith("reset") or action == "time_estimate" else 201), self._time_stats(issue), {}
        elif action == "links":
            if method == "GET" and sub_id is None:
                return 200, self._links_of(issue), {}
            if method == "POST" and sub_id is None:
                return self._link(issue, body)
            if method == "DELETE" and sub_id is not None:
                link = self.links.get(int(sub_id))
                if link is None or (project_id, issue.iid) not in (link.source, link.target):
                    raise LookupError(path)
                del self.links[link.id]
                issue.updated_at = self.now()
                return 200, self._link_json(link), {}
        raise LookupError(path)

    def _create(self, project_id: int, body: dict[str, Any]) -> Issue:
        title = str(body.get("title") or "").strip()
        if not title:
            raise ValueError("title is missing")
        iid = max((i for p, i in self.issues if p == project_id), default=0) + 1
        self._next_id += 1
        moment = self.now()
        issue = Issue(
            project_id, iid, self._next_id, title, str(body.get("description") or ""),
            labels=_labels(body.get("labels")), created_at=moment, updated_at=moment,
        )
        self.issues[(project_id, iid)] = issue
        return issue

    def _update(self, issue: Issue, body: dict[str, Any]) -> Issue:
        if "title" in body:
            if not str(body["title"]).strip():
                raise ValueError("title is empty")
            issue.title = str(body["title"])
        if "description" in body:
            issue.description = str(body["description"] or "")
        if "labels" in body:
            issue.labels = _labels(body["labels"])
        for label in _labels(body.get("remove_labels")):
            if label in issue.labels:
                issue.labels.remove(label)
        for label in _labels(body.get("add_labels")):
            scope = label.rsplit("::", 1)[0] + "::" if "::" in label else None
            if scope:  # scoped labels: one per scope, the new one replaces the old
                issue.labels = [old for old in issue.labels if not old.startswith(scope) or old.count("::") != label.count("::")]
            if label not in issue.labels:
                issue.labels.append(label)
        event = body.get("state_event")
        if event == "close" and issue.state != "closed":
            issue.state, issue.closed_at = "closed", self.now()
        elif event == "reopen" and issue.state != "opened":
            issue.state, issue.closed_at = "opened", None
        issue.updated_at = self.now()
        return issue

    def _list(self, project_id: int, query: dict[str, list[str]]):
        def one(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        issues = self.project_issues(project_id)
        state = one("state") or "all"
        if state != "all":
            issues = [i for i in issues if i.state == state]
        if one("updated_after"):
            after = datetime.fromisoformat(one("updated_after").replace("Z", "+00:00"))
            after = after if after.tzinfo else after.replace(tzinfo=UTC)
            issues = [i for i in issues if i.updated_at >= after]
        if one("search"):
            needle = one("search").lower()
            issues = [i for i in issues if needle in i.title.lower() or needle in i.description.lower()]
        iids = query.get("iids[]")
        if iids:
            wanted = {int(v) for v in iids}
            issues = [i for i in issues if i.iid in wanted]
        order = one("order_by") or "created_at"
        issues.sort(key=lambda i: (getattr(i, order if order in ("created_at", "updated_at") else "created_at"), i.iid))
        if (one("sort") or "desc") == "desc":
            issues.reverse()
        per_page = min(100, max(1, int(one("per_page") or 20)))
        page = max(1, int(one("page") or 1))
        total = len(issues)
        pages = max(1, -(-total // per_page))
        chunk = issues[(page - 1) * per_page: page * per_page]
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(total), "X-Total-Pages": str(pages),
                   "X-Next-Page": str(page + 1) if page < pages else "", "X-Prev-Page": str(page - 1) if page > 1 else ""}
        base = f"{self.url}/api/v4/projects/{project_id}/issues"

        def link(number: int, rel: str) -> str:
            params = {k: v[-1] for k, v in query.items() if k != "page"} | {"page": str(number)}
            return f'<{base}?{urlencode(params)}>; rel="{rel}"'

        links = [link(page + 1, "next")] if page < pages else []
        links += [link(page - 1, "prev")] if page > 1 else []
        links += [link(1, "first"), link(pages, "last")]
        headers["Link"] = ", ".join(links)
        return 200, [self._json(i) for i in chunk], headers

    def _link(self, issue: Issue, body: dict[str, Any]):
        link_type = str(body.get("link_type") or "relates_to")
        if link_type not in ("relates_to", "blocks", "is_blocked_by"):
            raise ValueError("link_type does not have a valid value")
        if link_type != "relates_to" and not self.blocking_links:
            return 403, {"message": "Blocked issues not available for current license"}, {}
        target_project = self._project(str(body["target_project_id"]))
        target = self.issues.get((target_project, int(body["target_issue_iid"])))
        if target is None:
            raise LookupError("target issue")
        source, other = (issue.project_id, issue.iid), (target.project_id, target.iid)
        if link_type == "is_blocked_by":
            source, other, link_type = other, source, "blocks"
        for existing in self.links.values():
            if {existing.source, existing.target} == {source, other}:
                return 409, {"message": "Issue(s) already assigned"}, {}
        self._next_link += 1
        link = Link(self._next_link, source, other, link_type)
        self.links[link.id] = link
        issue.updated_at = self.now()
        target.updated_at = self.now()
        return 201, {"source_issue": self._json(issue), "target_issue": self._json(target),
                     "link_type": body.get("link_type") or "relates_to"}, {}

    def _links_of(self, issue: Issue) -> list[dict[str, Any]]:
        me = (issue.project_id, issue.iid)
        out = []
        for link in self.links.values():
            if me not in (link.source, link.target):
                continue
            other = link.target if link.source == me else link.source
            link_type = link.link_type
            if link_type == "blocks" and link.target == me:
                link_type = "is_blocked_by"
            out.append(self._json(self.issues[other]) | {
                "issue_link_id": link.id, "link_type": link_type,
                "link_created_at": _stamp(issue.created_at), "link_updated_at": _stamp(issue.updated_at),
            })
        return out

    def _link_json(self, link: Link) -> dict[str, Any]:
        return {"source_issue": self._json(self.issues[link.source]) if link.source in self.issues else None,
                "target_issue": self._json(self.issues[link.target]) if link.target in self.issues else None,
                "link_type": link.link_type}

    def _time_stats(self, issue: Issue) -> dict[str, Any]:
        return {"time_estimate": issue.time_estimate, "total_time_spent": issue.total_time_spent,
                "human_time_estimate": _human(issue.time_estimate),
                "human_total_time_spent": _human(issue.total_time_spent)}

    def _json(self, issue: Issue) -> dict[str, Any]:
        path = self.projects[issue.project_id]
        return {
            "id": issue.id, "iid": issue.iid, "project_id": issue.project_id, "title": issue.title,
            "description": issue.description, "state": issue.state, "labels": list(issue.labels),
            "created_at": _stamp(issue.created_at), "updated_at": _stamp(issue.updated_at),
            "closed_at": _stamp(issue.closed_at) if issue.closed_at else None,
            "web_url": f"{self.url}/{path}/-/issues/{issue.iid}",
            "references": {"short": f"#{issue.iid}", "relative": f"#{issue.iid}", "full": f"{path}#{issue.iid}"},
            "time_stats": self._time_stats(issue), "type": "ISSUE", "issue_type": "issue",
            "author": {"id": 1, "username": "root", "name": "Administrator"},
        }


def _labels(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [item.strip() for item in items if str(item).strip()]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
