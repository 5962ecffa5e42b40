"""GitLab (REST v4 through python-gitlab): a project's issues as remote items.

Mapping (also in the README's "Sync" section):
- title → title; description → description, followed by the lines this adapter owns ("Parent: #n",
  "Depends on #a, #b" when blocking links are not available) and the taskforge marker;
- status → open/closed plus a scoped label: todo = open, doing = `status::doing`, blocked =
  `status::blocked`, done = closed; priority → `priority::low|medium|high|critical`;
- estimate and time spent → time tracking (minutes; time spent sent as the difference to the total);
- dependencies → issue links `is_blocked_by` (a paid tier); without them a "Depends on" line and a note;
- parent → the "Parent: #n" line (GitLab issues do not nest; a note says so once).

Every request goes through `call_with_retries` with python-gitlab's own retries turned off, so 429s,
5xx and timeouts are handled (and shown) by the one policy in `adapter.py`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import gitlab
import requests

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

T = TypeVar("T")
PER_PAGE = 100  # GitLab's largest page
STATUS_LABELS = {"doing": "status::doing", "blocked": "status::blocked"}
PRIORITY_LABELS = {p: f"priority::{p}" for p in ("low", "medium", "high", "critical")}
_PARENT_LINE = re.compile(r"^Parent: #(\d+)$")
_DEPENDS_LINE = re.compile(r"^Depends on (#\d+(?:, #\d+)*)$")


class _NotFound(Exception):
    pass


class GitLabAdapter:
    service: ClassVar[str] = "GitLab"
    supported_fields = frozenset(FIELDS)

    def __init__(self, remote: Remote, token: str, reporter: Reporter, policy: RetryPolicy):
        self.remote = remote
        self.reporter = reporter
        self.policy = policy
        self._headers: Mapping[str, str] = {}
        self.gl = gitlab.Gitlab(
            remote.url, private_token=token, timeout=policy.timeout, retry_transient_errors=False, per_page=PER_PAGE
        )
        self.gl.session.hooks["response"].append(self._remember_headers)
        self._path = f"/projects/{quote(remote.target, safe='')}"
        self._project_id: int | None = int(remote.target) if remote.target.isdigit() else None
        self._blocking_links: bool | None = None  # unknown until the first link is tried
        self._noted_parent = False

    # -- reading --------------------------------------------------------------------------------------

    def find_marked(self) -> list[RemoteItem]:
        items = self._pages({"state": "all", "search": marker_search_text(self.remote.project_id), "in": "description"},
                            "issues with taskforge markers")
        return [item for item in items if item.key is not None]

    def changed_since(self, since: datetime | None) -> Iterator[RemoteItem]:
        query: dict[str, Any] = {"state": "all", "order_by": "updated_at", "sort": "asc"}
        if since is not None:
            query["updated_after"] = utc(since).isoformat().replace("+00:00", "Z")
        yield from self._pages(query, "issues changed since the last sync")

    def get(self, remote_id: str) -> RemoteItem | None:
        try:
            data = self._call(f"#{remote_id}", lambda: self.gl.http_get(f"{self._path}/issues/{remote_id}", **_NO_RETRY))
        except _NotFound:
            return None
        return self._item(data, self._links(remote_id, f"#{remote_id}"))

    def missing(self, remote_ids: Collection[str]) -> set[str]:
        wanted = set(remote_ids)
        if not wanted:
            return set()
        seen: set[str] = set()
        ids = sorted(wanted, key=int)
        for start in range(0, len(ids), PER_PAGE):  # `iids[]` filters a list: a page of ids per request
            chunk = ids[start:start + PER_PAGE]
            query = {"state": "all", "iids[]": chunk, "per_page": PER_PAGE}
            for data in self._raw_pages(query, "linked issues"):
                seen.add(str(data["iid"]))
        return wanted - seen

    # -- writing --------------------------------------------------------------------------------------

    def create(self, key: str, fields: RemoteFields) -> RemoteItem:
        item = f"{key} (new issue)"
        labels = [PRIORITY_LABELS.get(fields.priority, PRIORITY_LABELS["medium"])]
        if fields.status in STATUS_LABELS:
            labels.append(STATUS_LABELS[fields.status])
        body = {"title": fields.title, "description": self._description(fields.description, key, None, ()),
                "labels": ",".join(labels)}
        data = self._call(item, lambda: self.gl.http_post(f"{self._path}/issues", post_data=body, **_NO_RETRY))
        iid = str(data["iid"])
        if self._project_id is None:
            self._project_id = int(data["project_id"])
        if fields.status == "done":
            data = self._put(key, iid, {"state_event": "close"})
        if fields.estimate_minutes:
            data = self._time(key, iid, "time_estimate", f"{fields.estimate_minutes}m")
        if fields.spent_minutes:
            data = self._time(key, iid, "add_spent_time", f"{fields.spent_minutes}m")
        if not isinstance(data, dict) or "iid" not in data:
            data = self._fetch(key, iid)
        return self._item(data, [])

    def update(self, remote_id: str, key: str, changes: Mapping[str, Any]) -> RemoteItem:
        current = self._fetch(key, remote_id)
        body: dict[str, Any] = {}
        if "title" in changes:
            body["title"] = changes["title"]
        if "description" in changes:
            parent, depends = _owned_lines(current.get("description") or "")
            body["description"] = self._description(changes["description"] or "", key, parent, depends)
        add, remove = [], []
        if "status" in changes:
            status = changes["status"]
            remove += [label for name, label in STATUS_LABELS.items() if name != status and label in current["labels"]]
            if status in STATUS_LABELS and STATUS_LABELS[status] not in current["labels"]:
                add.append(STATUS_LABELS[status])
            if status == "done" and current["state"] != "closed":
                body["state_event"] = "close"
            elif status != "done" and current["state"] == "closed":
                body["state_event"] = "reopen"
        if "priority" in changes:
            label = PRIORITY_LABELS.get(changes["priority"], PRIORITY_LABELS["medium"])
            remove += [old for old in current["labels"] if old.startswith("priority::") and old != label]
            if label not in current["labels"]:
                add.append(label)
        if add:
            body["add_labels"] = ",".join(add)
        if remove:
            body["remove_labels"] = ",".join(remove)
        data = current
        if body:
            data = self._put(key, remote_id, body)
        stats = current.get("time_stats") or {}
        if "estimate_minutes" in changes:
            minutes = changes["estimate_minutes"]
            if minutes:
                data = self._time(key, remote_id, "time_estimate", f"{minutes}m")
            elif stats.get("time_estimate"):
                data = self._time(key, remote_id, "reset_time_estimate", None)
        if "spent_minutes" in changes:
            minutes = changes["spent_minutes"] or 0
            held = int(stats.get("total_time_spent") or 0)
            if not minutes and held:
                data = self._time(key, remote_id, "reset_spent_time", None)
            elif minutes * 60 != held:  # a difference, never the total again
                data = self._time(key, remote_id, "add_spent_time", f"{(minutes * 60 - held) // 60}m")
        if data is not current:
            data = self._fetch(key, remote_id)
        return self._item(data, self._links(remote_id, self._name(key, remote_id)))

    def set_relations(self, remote_id: str, key: str, parent: str | None, depends_on: Sequence[str]) -> None:
        name = self._name(key, remote_id)
        links = self._links(remote_id, name)
        have = {str(link["iid"]): link for link in links if link.get("link_type") == "is_blocked_by"}
        wanted = set(depends_on)
        fallback: list[str] = []
        for iid in sorted(wanted - set(have), key=int):
            if not self._block(remote_id, name, iid):
                fallback.append(iid)
        for iid in sorted(set(have) - wanted, key=int):
            link_id = have[iid]["issue_link_id"]
            with contextlib.suppress(_NotFound):
                self._call(name, lambda link_id=link_id: self.gl.http_delete(
                    f"{self._path}/issues/{remote_id}/links/{link_id}", **_NO_RETRY))
        if fallback:
            self.reporter.note(
                f"GitLab has no blocking links here (a paid tier): {key}'s dependencies are written as a "
                "\"Depends on\" line in its description"
            )
        if parent is not None and not self._noted_parent:
            self._noted_parent = True
            self.reporter.note("GitLab issues do not nest: a sub-task's parent is written as a \"Parent: #n\" line")
        current = self._fetch(key, remote_id)
        text = current.get("description") or ""
        old_parent, old_depends = _owned_lines(text)
        depends_line = tuple(sorted(set(fallback) | (set(old_depends) & wanted), key=int))
        if (old_parent, old_depends) != (parent, depends_line):
            body = {"description": self._description(_user_text(text), key, parent, depends_line)}
            self._put(key, remote_id, body)

    def close(self, remote_id: str, key: str) -> None:
        current = self._fetch(key, remote_id)
        if current["state"] != "closed":
            self._put(key, remote_id, {"state_event": "close"})

    # -- helpers --------------------------------------------------------------------------------------

    def _description(self, text: str, key: str, parent: str | None, depends: Sequence[str]) -> str:
        lines = []
        if parent is not None:
            lines.append(f"Parent: #{parent}")
        if depends:
            lines.append("Depends on " + ", ".join(f"#{iid}" for iid in depends))
        body = strip_marker(text)
        if lines:
            body = (body + "\n\n" if body else "") + "\n".join(lines)
        return with_marker(body, self.remote.project_id, key)

    def _block(self, remote_id: str, name: str, target: str) -> bool:
        """Link "this is blocked by `target`"; False when the server has no blocking links."""
        if self._blocking_links is False:
            return False
        body = {"target_project_id": self._project_id or self.remote.target, "target_issue_iid": int(target),
                "link_type": "is_blocked_by"}
        try:
            self._call(name, lambda: self.gl.http_post(f"{self._path}/issues/{remote_id}/links", post_data=body,
                                                         **_NO_RETRY), refused_ok=True)
        except _Refused as refused:
            if refused.code == 409:  # already linked (some other way): leave it
                return True
            self._blocking_links = False
            return False
        self._blocking_links = True
        return True

    def _links(self, remote_id: str, name: str) -> list[dict[str, Any]]:
        try:
            return self._call(name, lambda: self.gl.http_get(f"{self._path}/issues/{remote_id}/links", **_NO_RETRY))
        except _NotFound:
            return []

    def _fetch(self, key: str, remote_id: str) -> dict[str, Any]:
        name = self._name(key, remote_id)
        try:
            return self._call(name, lambda: self.gl.http_get(f"{self._path}/issues/{remote_id}", **_NO_RETRY))
        except _NotFound:
            raise ItemGone(self.service, name) from None

    def _put(self, key: str, remote_id: str, body: dict[str, Any]) -> dict[str, Any]:
        name = self._name(key, remote_id)
        try:
            return self._call(name, lambda: self.gl.http_put(f"{self._path}/issues/{remote_id}", post_data=body,
                                                               **_NO_RETRY))
        except _NotFound:
            raise ItemGone(self.service, name) from None

    def _time(self, key: str, remote_id: str, action: str, duration: str | None) -> Any:
        name = self._name(key, remote_id)
        body = {"duration": duration} if duration is not None else None
        try:
            return self._call(name, lambda: self.gl.http_post(f"{self._path}/issues/{remote_id}/{action}",
                                                                post_data=body, **_NO_RETRY))
        except _NotFound:
            raise ItemGone(self.service, name) from None

    @staticmethod
    def _name(key: str, remote_id: str) -> str:
        return f"{key} (#{remote_id})"

    def _raw_pages(self, query: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Every issue of a listing, page after page to the last (`X-Next-Page`), each page retried on its own."""
        page = 1
        while True:
            params = query | {"page": page, "per_page": PER_PAGE}
            response = self._call(what, lambda params=params: self.gl.http_request(
                "get", f"{self._path}/issues", query_data=params, **_NO_RETRY))
            yield from response.json()
            following = response.headers.get("X-Next-Page") or ""
            if not following.strip():
                return
            page = int(following)

    def _pages(self, query: dict[str, Any], what: str) -> Iterator[RemoteItem]:
        for data in self._raw_pages(query, what):
            iid = str(data["iid"])
            key = read_marker(data.get("description"), self.remote.project_id)
            links = self._links(iid, self._name(key or "?", iid)) if key is not None else []
            yield self._item(data, links)

    def _item(self, data: dict[str, Any], links: list[dict[str, Any]]) -> RemoteItem:
        labels = list(data.get("labels") or [])
        closed = data.get("state") == "closed"
        if closed:
            status = "done"
        elif STATUS_LABELS["blocked"] in labels:
            status = "blocked"
        elif STATUS_LABELS["doing"] in labels:
            status = "doing"
        else:
            status = "todo"
        priority = next((name for name, label in PRIORITY_LABELS.items() if label in labels), "medium")
        text = data.get("description") or ""
        parent, depends_line = _owned_lines(text)
        blocked_by = {str(link["iid"]) for link in links if link.get("link_type") == "is_blocked_by"}
        stats = data.get("time_stats") or {}
        fields = RemoteFields(
            title=data.get("title") or "",
            description=_user_text(text),
            status=status,
            priority=priority,
            estimate_minutes=_minutes(stats.get("time_estimate")),
            spent_minutes=_minutes(stats.get("total_time_spent")),
            parent=parent,
            depends_on=tuple(sorted(blocked_by | set(depends_line), key=int)),
        )
        return RemoteItem(
            remote_id=str(data["iid"]),
            ref=f"#{data['iid']}",
            url=str(data.get("web_url") or ""),
            fields=fields,
            updated_at=_parse_time(data.get("updated_at")),
            key=read_marker(text, self.remote.project_id),
            closed=closed,
            remote_status=" ".join([str(data.get("state") or ""), *[lbl for lbl in labels if lbl.startswith("status::")]]),
        )

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._headers = response.headers

    def _call(self, item: str, request: Callable[[], T], *, refused_ok: bool = False) -> T:
        def attempt() -> T:
            try:
                return request()
            except gitlab.exceptions.GitlabError as exc:
                code = exc.response_code
                if code == 429:
                    raise Retry("429 Too Many Requests", status=429, wait=retry_after_seconds(self._headers)) from None
                if code is not None and code >= 500:
                    raise Retry(f"{code} {_reason(exc)}", status=code) from None
                if code == 404:
                    raise _NotFound() from None
                if refused_ok and code in (400, 403, 409, 422):
                    raise _Refused(code) from None
                if code == 401:
                    raise RemoteRequestFailed(
                        self.service, item,
                        f"401 Unauthorized: check the token in {self.remote.token_env}",
                    ) from None
                raise RemoteRequestFailed(self.service, item, f"{code} {_reason(exc)}") from None
            except requests.exceptions.Timeout:
                raise Retry("no answer in time (timed out)") from None
            except requests.exceptions.ConnectionError:
                raise Retry(f"no connection to {self.remote.url}") from None

        return call_with_retries(attempt, service=self.service, item=item, policy=self.policy, reporter=self.reporter)


class _Refused(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


_NO_RETRY = {"obey_rate_limit": False, "max_retries": 0, "retry_transient_errors": False}


def _reason(exc: gitlab.exceptions.GitlabError) -> str:
    message = exc.error_message
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = str(message or "").strip().splitlines()
    return text[0][:200] if text else "error"


def _owned_lines(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The parent iid and the fallback dependency iids from the lines this adapter writes."""
    parent: str | None = None
    depends: tuple[str, ...] = ()
    for line in strip_marker(text).splitlines():
        line = line.strip()
        if found := _PARENT_LINE.match(line):
            parent = found.group(1)
        elif found := _DEPENDS_LINE.match(line):
            depends = tuple(part.strip().lstrip("#") for part in found.group(1).split(","))
    return parent, depends


def _user_text(text: str) -> str:
    """The description without the marker and the adapter's own trailing lines."""
    lines = strip_marker(text).splitlines()
    while lines and (_PARENT_LINE.match(lines[-1].strip()) or _DEPENDS_LINE.match(lines[-1].strip())):
        lines.pop()
    return "\n".join(lines).rstrip()


def _minutes(seconds: Any) -> int | None:
    return round(int(seconds) / 60) if seconds else None


def _parse_time(value: Any) -> datetime:
    if not value:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
