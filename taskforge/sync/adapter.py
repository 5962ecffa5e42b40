"""What every tracker adapter (GitLab, Linear, Notion, Motion) implements, and what they share.

The sync engine (`taskforge.sync.engine`) speaks only this module's language: it never sees a
service's JSON, and an adapter never sees the store, links or patches. An adapter turns one remote
*target* (a GitLab project, a Linear team) into `RemoteItem`s whose fields are already taskforge
values, and writes `RemoteFields` back. Everything that is a decision about *what* to sync
(diffing against the last-synced values, conflicts, the pull patch) is the engine's.

Contract in one paragraph, for whoever writes an adapter:

- Construct with `Adapter(remote, token, reporter, policy)`; never log, print, store or put the token
  in an exception message (the engine's canary test checks output, errors, database and exports).
- Ids and URLs are strings (`RemoteItem.remote_id`, `.url`), whatever the service uses.
- Every item taskforge creates carries `marker(remote.project_id, key)` in its description; the
  adapter adds it on create, keeps it on every description update, and strips it (and any other line
  it adds itself, such as GitLab's "Parent: #n") from `RemoteFields.description` when reading.
- `RemoteFields` mirror taskforge fields: status/priority are `taskforge.core.models` values
  (`"todo"`, `"high"`, …), times are minutes, `parent`/`depends_on` are *remote ids*.
  A field the service cannot hold is left out of `supported_fields`; the engine neither pushes it nor
  pulls it, and the adapter says so once through `reporter.note(...)`.
- Every network call goes through `call_with_retries` (below) so that rate limits, 5xx and timeouts
  are handled the same way everywhere; a request that finally fails raises `RemoteRequestFailed`
  naming the service, the item and the reason.
- Writes are idempotent where the service allows it (client-generated ids on create; relations and
  time tracking set to a *state* by reading the current one and sending the difference), because the
  engine re-runs a push that was interrupted half way.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from taskforge.core.errors import TaskforgeError

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------------
# Remotes

KINDS = ("gitlab", "linear")
DEFAULT_TOKEN_ENV = {"gitlab": "GITLAB_TOKEN", "linear": "LINEAR_API_KEY"}
SERVICE_NAMES = {"gitlab": "GitLab", "linear": "Linear"}  # how messages name a service


@dataclass(frozen=True)
class Remote:
    """A tracker a project syncs with, as stored by `taskforge remote add` (never with a token).

    `url` is the service's base URL (`https://gitlab.com`, `https://api.linear.app`, or a test
    server); `target` is what the service calls the container: a GitLab project id or path
    (`group/app`), a Linear team key or id. `token_env` names the environment variable read at run time.
    """

    project_id: str
    name: str
    kind: str
    url: str
    target: str
    token_env: str

    @property
    def service(self) -> str:
        return SERVICE_NAMES.get(self.kind, self.kind)


# ---------------------------------------------------------------------------------------------------
# Items and fields

# The mapped fields, in the order diffs show them. `spent_minutes` is taskforge's `actual_minutes`.
FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "status",
    "priority",
    "estimate_minutes",
    "spent_minutes",
    "parent",
    "depends_on",
)
SCALAR_FIELDS: tuple[str, ...] = FIELDS[:6]  # written by `update`
RELATION_FIELDS: tuple[str, ...] = ("parent", "depends_on")  # written by `set_relations`


@dataclass(frozen=True)
class RemoteFields:
    """The mapped fields of one remote item, as taskforge values.

    - `description`: the user's text only: no marker, no "Parent:"/"Depends on" lines the adapter adds.
    - `status`: "todo" | "doing" | "blocked" | "done"; a closed/completed/canceled item is "done".
    - `priority`: "low" | "medium" | "high" | "critical"; an item with no priority reads as "medium".
    - `estimate_minutes`, `spent_minutes`: whole minutes or None (none set / not supported).
    - `parent`: the parent item's remote id or None; `depends_on`: remote ids of the items this one
      is blocked by, sorted (so two reads of the same state compare equal).
    """

    title: str
    description: str = ""
    status: str = "todo"
    priority: str = "medium"
    estimate_minutes: int | None = None
    spent_minutes: int | None = None
    parent: str | None = None
    depends_on: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (depends_on as a list), as the links table stores them."""
        return {name: (list(value) if name == "depends_on" else value) for name, value in self._items()}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RemoteFields:
        known = {name: values[name] for name in FIELDS if name in values}
        if "depends_on" in known:
            known["depends_on"] = tuple(sorted(known["depends_on"] or ()))
        return cls(**known)

    def with_changes(self, changes: Mapping[str, Any]) -> RemoteFields:
        return replace(self, **dict(changes))

    def _items(self) -> Iterator[tuple[str, Any]]:
        for name in FIELDS:
            yield name, getattr(self, name)


@dataclass(frozen=True)
class RemoteItem:
    """One remote item as an adapter read it.

    - `remote_id`: the id the adapter's methods take (GitLab: the issue iid; Linear: the UUID), a string.
    - `ref`: how a person names it in messages ("#12", "ENG-12"); `url`: its web page.
    - `key`: the task key from this project's marker in the description (None when the item has no
      marker of *this* project: a new item created on the service by hand).
    - `updated_at`: the service's last-modified time, timezone-aware UTC.
    - `closed`: closed/completed/canceled/archived on the service (then `fields.status` is "done").
    - `deleted`: the item is gone or in the trash (only reported where the service still lists it).
    - `remote_status`: the service's own status value (a workflow state name, "opened"), kept for
      display, so a mapping never throws the remote's value away.
    """

    remote_id: str
    ref: str
    url: str
    fields: RemoteFields
    updated_at: datetime
    key: str | None = None
    closed: bool = False
    deleted: bool = False
    remote_status: str = ""


# ---------------------------------------------------------------------------------------------------
# The marker

_MARKER = re.compile(r"<!--\s*taskforge:([a-z0-9-]+):(T[1-9][0-9]{0,8})\s*-->")


def marker(project_id: str, key: str) -> str:
    """The hidden line that ties a remote item to a task: `<!-- taskforge:PROJECT:T12 -->`."""
    return f"<!-- taskforge:{project_id}:{key} -->"


def marker_search_text(project_id: str) -> str:
    """What a service's full-text search can look for to find every item of a project."""
    return f"taskforge:{project_id}:"


def read_marker(text: str | None, project_id: str) -> str | None:
    """The task key of `project_id`'s marker in `text`, or None."""
    for found in _MARKER.finditer(text or ""):
        if found.group(1) == project_id:
            return found.group(2)
    return None


def strip_marker(text: str | None) -> str:
    """`text` without any taskforge marker line, trailing blank lines trimmed."""
    return _MARKER.sub("", text or "").rstrip()


def with_marker(text: str, project_id: str, key: str) -> str:
    """The description to send: the user's text, a blank line, then the marker."""
    body = strip_marker(text)
    return f"{body}\n\n{marker(project_id, key)}" if body else marker(project_id, key)


# ---------------------------------------------------------------------------------------------------
# Reporting


@runtime_checkable
class Reporter(Protocol):
    """Where an adapter (and the engine) says things while it works.

    - `note(text)`: something that could not be represented on the service (a dependency written as
      a text line, a dropped field, a converted estimate). The CLI prints it as one line
      `taskforge: note: TEXT` on stderr; the TUI shows it in the result notification. Say each kind
      of loss once per run, naming the item when it is about one item.
    - `progress(text)`: a transient line about waiting ("waiting 12 s for GitLab's rate limit").
    """

    def note(self, text: str) -> None: ...

    def progress(self, text: str) -> None: ...


@dataclass
class CollectingReporter:
    """A reporter that keeps what it was told (tests, the TUI worker); de-duplicates notes."""

    notes: list[str] = field(default_factory=list)
    progress_lines: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def progress(self, text: str) -> None:
        self.progress_lines.append(text)


# ---------------------------------------------------------------------------------------------------
# Errors


class SyncError(TaskforgeError):
    """A sync that cannot go on. Its message is the one line the user sees."""


class MissingToken(SyncError):
    def __init__(self, remote: Remote):
        super().__init__(
            f"remote '{remote.name}' needs a {remote.service} token in the environment variable "
            f"{remote.token_env} (it is read at run time, never stored)"
        )


class RemoteRequestFailed(SyncError):
    """A request that finally failed: names the service, the item and the reason (never the token)."""

    def __init__(self, service: str, item: str, reason: str):
        super().__init__(f"{service}: {item}: {reason}")
        self.service = service
        self.item = item
        self.reason = reason


class RateLimited(RemoteRequestFailed):
    """The service's rate limit outlasted the bounded wait."""

    def __init__(self, service: str, item: str, wait_seconds: float | None):
        wait = f"asked to wait {wait_seconds:.0f} s" if wait_seconds is not None else "no reset time given"
        super().__init__(service, item, f"rate limit still exceeded after waiting ({wait})")
        self.wait_seconds = wait_seconds


class ItemGone(RemoteRequestFailed):
    """A write (update, relations, close) found its item deleted on the service.

    The engine keeps going: the item is reported, and the next pull offers to delete the task.
    """

    def __init__(self, service: str, item: str):
        super().__init__(service, item, "the item no longer exists (deleted on the service)")


class Retry(Exception):
    """Raised *inside* an attempt by an adapter to ask `call_with_retries` for another try.

    `status` is the HTTP status (429, 5xx) or None for a timeout/connection error; `wait` the
    seconds the service asked for (Retry-After, a rate-limit reset), or None. `reason` is a short
    human text ("500 Internal Server Error", "timed out") used if the retries run out.
    """

    def __init__(self, reason: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait = wait

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


# ---------------------------------------------------------------------------------------------------
# The retry and rate-limit policy (one place for every adapter)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded waits and retries.

    - A 429 waits for what the service asked (Retry-After / reset headers), or `default_rate_wait`
      when it said nothing, as long as one wait is at most `max_rate_wait` and all waits of one call
      add up to at most `max_total_wait`; then `RateLimited`.
    - A 5xx or a timeout is retried `max_retries` times with `backoff * 2**n` seconds between tries;
      then `RemoteRequestFailed`.
    - `sleep` and `clock` are injectable so tests run fast; the waits themselves are real by default.
    """

    max_retries: int = 3
    backoff: float = 0.5
    default_rate_wait: float = 5.0
    max_rate_wait: float = 60.0
    max_total_wait: float = 120.0
    timeout: float = 30.0  # seconds per request, for the HTTP client an adapter builds
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """How long a response asks the caller to wait, from its headers, or None if it does not say.

    Understands `Retry-After` (seconds or an HTTP date), `RateLimit-Reset` / `X-RateLimit-Reset`
    (epoch seconds, as GitLab sends) and Linear's `X-RateLimit-Requests-Reset` (epoch milliseconds).
    Header names are matched case-insensitively.
    """
    now = time.time() if now is None else now
    lower = {name.lower(): value for name, value in headers.items()}
    value = lower.get("retry-after")
    if value:
        value = value.strip()
        if value.replace(".", "", 1).isdigit():
            return max(0.0, float(value))
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - now)
    for name in ("ratelimit-reset", "x-ratelimit-reset", "x-ratelimit-requests-reset"):
        value = lower.get(name)
        if value and value.strip().isdigit():
            reset = float(value)
            if reset > 1e11:  # milliseconds since the epoch
                reset /= 1000
            if reset > 1e9:  # an instant, not a delay
                return max(0.0, reset - now)
            return reset
    return None


def call_with_retries(
    attempt: Callable[[], T],
    *,
    service: str,
    item: str,
    policy: RetryPolicy,
    reporter: Reporter,
) -> T:
    """Run `attempt()` until it returns, honouring `Retry` requests within the policy's bounds.

    `attempt` raises `Retry` for a 429, a 5xx or a timeout, and anything else for a final failure
    (an adapter turns a 4xx into `RemoteRequestFailed` itself). `item` names what the call is about
    in messages ("T12 (#34)", "issues list"). Progress lines read "waiting 12 s for GitLab's rate
    limit" and "GitLab answered 502 Bad Gateway; trying again in 1 s (2 of 3)".
    """
    failures = 0
    waited = 0.0
    while True:
        try:
            return attempt()
        except Retry as retry:
            if retry.rate_limited:
                wait = policy.default_rate_wait if retry.wait is None else retry.wait
                if wait > policy.max_rate_wait or waited + wait > policy.max_total_wait:
                    raise RateLimited(service, item, retry.wait) from None
                reporter.progress(f"waiting {max(1, round(wait))} s for {service}'s rate limit")
            else:
                failures += 1
                if failures > policy.max_retries:
                    raise RemoteRequestFailed(
                        service, item, f"{retry.reason} (after {policy.max_retries + 1} tries)"
                    ) from None
                wait = retry.wait if retry.wait is not None else policy.backoff * 2 ** (failures - 1)
                wait = min(wait, policy.max_rate_wait)
                reporter.progress(
                    f"{service} answered {retry.reason}; trying again in {max(1, round(wait))} s "
                    f"({failures} of {policy.max_retries})"
                )
            waited += wait
            policy.sleep(wait)


# ---------------------------------------------------------------------------------------------------
# The adapter


@runtime_checkable
class TrackerAdapter(Protocol):
    """One remote target (a GitLab project, a Linear team) seen as a list of `RemoteItem`s.

    Implementations live in `taskforge/sync/<kind>.py` as a class named in `ADAPTERS` and are built
    with `(remote, token, reporter, policy)`. All methods may raise `RemoteRequestFailed` /
    `RateLimited` (through `call_with_retries`) and nothing else for a service problem.
    """

    service: ClassVar[str]  # "GitLab": how messages name the service
    # The subset of FIELDS this service can hold; the engine pushes and pulls only these.
    supported_fields: frozenset[str]

    def find_marked(self) -> list[RemoteItem]:
        """Every item (open or closed) whose description holds a marker of `remote.project_id`.

        Used to recover links an interrupted push did not record, so a resumed push adopts its item
        instead of creating a duplicate. Pages through to the end.
        """
        ...

    def changed_since(self, since: datetime | None) -> Iterator[RemoteItem]:
        """Every item of the target updated at or after `since` (all items when None), open or closed.

        The engine already subtracts its overlap window from `since`; the adapter passes it on as
        the service's filter (GitLab `updated_after`, Linear `updatedAt: {gte}`) and pages through
        to the end. Items without a marker are included (they may be new children of linked items).
        """
        ...

    def get(self, remote_id: str) -> RemoteItem | None:
        """One item, or None when it no longer exists (deleted on the service)."""
        ...

    def missing(self, remote_ids: Collection[str]) -> set[str]:
        """Which of `remote_ids` no longer exist on the service (deleted by hand).

        An item that is only closed/archived is *not* missing. Adapters may list the target's ids
        or ask in batches; a service that keeps deleted items visible may report them through
        `RemoteItem.deleted` instead and return an empty set here.
        """
        ...

    def create(self, key: str, fields: RemoteFields) -> RemoteItem:
        """Create the item for task `key` with the marker in its description.

        `fields.parent` and `fields.depends_on` are ignored here (the engine calls `set_relations`
        once every item exists). Sets the estimate and time spent where supported. Returns the item
        as read back (or as created) so the engine can record its id, URL and synced values.
        """
        ...

    def update(self, remote_id: str, key: str, changes: Mapping[str, Any]) -> RemoteItem:
        """Write only the given fields (names from SCALAR_FIELDS, taskforge values).

        A description is written with the marker (and any lines the adapter adds) kept. Status "done"
        closes the item, any other status re-opens it. Time spent is sent as the difference to the
        total the service holds now (read it first), never re-added as a total.
        Raises `ItemGone` when the item was deleted on the service (also `set_relations`, `close`).
        """
        ...

    def set_relations(self, remote_id: str, key: str, parent: str | None, depends_on: Sequence[str]) -> None:
        """Make the item's parent and blocked-by set exactly these remote ids.

        Reads what the service holds and adds/removes only the difference. Where the service cannot
        hold a relation, writes the fallback the adapter documents (a "Depends on #n" line) and
        says so through `reporter.note`.
        """
        ...

    def close(self, remote_id: str, key: str) -> None:
        """The task was deleted locally: close/archive the item (never destroy it). Idempotent."""
        ...


# kind → "module:Class", imported only when a remote of that kind is used (keeps the CLI light).
ADAPTERS: dict[str, str] = {
    "gitlab": "taskforge.sync.gitlab:GitLabAdapter",
    "linear": "taskforge.sync.linear:LinearAdapter",
}


def open_adapter(remote: Remote, token: str, reporter: Reporter, policy: RetryPolicy | None = None) -> TrackerAdapter:
    """The adapter for `remote`, built with the token read from the environment by the caller."""
    import importlib

    module_name, _, class_name = ADAPTERS[remote.kind].partition(":")
    adapter_class = getattr(importlib.import_module(module_name), class_name)
    return adapter_class(remote, token, reporter, policy or RetryPolicy())


def utc(moment: datetime) -> datetime:
    """`moment` as timezone-aware UTC (a naive time is taken to be UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
