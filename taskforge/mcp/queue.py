"""The review queue: what agents propose waits here until a person accepts or rejects it.

Agents never write a plan. `submit` validates a patch against the project as it is now and queues it;
`open_review` re-bases a queued patch on the current tree (a proposal whose base was overtaken is stale,
and is reviewable only if it still validates there); `accept` writes the operations the reviewer kept
through `AgentService.accept`, the path every planner proposal takes (validation in the write
transaction, inverse, audit record with the agent as author, rejected operations). The CLI, the TUI and
the MCP server all call these functions; none of them imports the MCP library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskforge.core.diff import DiffEntry, entries
from taskforge.core.errors import BadInput, UnknownTask
from taskforge.core.models import Mode, Status
from taskforge.core.patches import PatchError, Problem, ProjectPatch, TaskPatch, problems_from_validation, replay
from taskforge.core.proposals import PERMISSIONS, ProposalState, QueuedProposal
from taskforge.core.text import clean_block, clean_line

if TYPE_CHECKING:
    from taskforge.agent.service import Proposal
    from taskforge.store.interface import Applied
    from taskforge.store.repository import SqlRepository

AUTHOR_MAX = 100
DEFAULT_AUTHOR = "mcp-agent"
NOTE_MAX = 2_000


def agent_name(name: str | None) -> str:
    """An MCP client's self-declared name as an author: one clean line, bounded; a stand-in when it gave none."""
    name = clean_line(name or "")[:AUTHOR_MAX]
    return name or DEFAULT_AUTHOR


def _store(repo: SqlRepository):
    from taskforge.store.proposals import ProposalStore

    return ProposalStore(repo)


@dataclass(frozen=True)
class Submitted:
    queued: QueuedProposal
    entries: list[DiffEntry]


@dataclass(frozen=True)
class Review:
    """A queued proposal as it would apply now: `proposal` (re-based, ready for the review modal) or the
    `problems` that keep a stale one from applying."""

    queued: QueuedProposal
    state: ProposalState
    version: int  # the project's version it was checked against
    proposal: Proposal | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def reviewable(self) -> bool:
        return self.proposal is not None


# -- proposing --------------------------------------------------------------------------------------


def build_patch(repo: SqlRepository, project_id: str, body: Any, rationale: str) -> tuple[ProjectPatch, Any]:
    """The agent's patch body (meta_updates and task_patches) as a patch on the project's current version;
    raises PatchError with every problem the document has."""
    from pydantic import ValidationError

    tree = repo.load(project_id)
    if not isinstance(body, dict):
        raise PatchError([Problem("patch: must be an object with task_patches (and meta_updates)")])
    # The server fills these from the current state, whatever the agent sent.
    data = {key: value for key, value in body.items() if key not in ("project_id", "base_version", "rationale")}
    data.update(project_id=project_id, base_version=tree.project.version, rationale=rationale)
    try:
        return ProjectPatch.model_validate(data), tree
    except ValidationError as exc:
        raise PatchError(problems_from_validation(exc, data)) from None


def submit(
    repo: SqlRepository, patch: ProjectPatch, tree, *, author: str, mode: Mode = Mode.PROJECT, focus: str | None = None,
    message: str = "", planner: str = "mcp", model: str | None = None, usage: dict | None = None,
) -> Submitted:
    """Validate `patch` against `tree` (every problem at once, nothing queued when there is one) and queue it."""
    if not patch.task_patches and not patch.meta_updates.model_fields_set:
        raise PatchError([Problem("the patch changes nothing: task_patches is empty and so is meta_updates")])
    result = replay(patch, tree, mode, focus, repo.limits)
    if result.problems:
        raise PatchError(result.problems)
    queued = _store(repo).add(
        patch, author=author, rationale=patch.rationale or "(no rationale given)", message=message, mode=mode,
        focus=focus, planner=planner, model=model, usage=usage,
    )
    return Submitted(queued, entries(result))


def propose_patch(repo: SqlRepository, project_id: str, body: Any, rationale: str, author: str) -> Submitted:
    patch, tree = build_patch(repo, project_id, body, clean_block(rationale))
    return submit(repo, patch, tree, author=author)


@dataclass(frozen=True)
class Answered:
    """The planner's reply to a request, and the proposal it queued (None when it proposes no change)."""

    rationale: str
    planner: str
    submitted: Submitted | None


def propose_message(
    repo: SqlRepository, project_id: str, message: str, task: str | None, author: str, planner=None
) -> Answered:
    """Run the configured planner (the offline one unless a model is set) and queue what it proposes."""
    from taskforge.agent.service import AgentService

    mode = Mode.TASK if task else Mode.PROJECT
    proposal = AgentService(repo, planner).propose(project_id, mode, task, message, remember=False)
    if proposal.patch is None:
        return Answered(proposal.rationale, proposal.planner, None)
    queued = _store(repo).add(
        proposal.patch, author=author, rationale=proposal.rationale, message=proposal.message, mode=mode,
        focus=proposal.focus, planner=proposal.planner, model=proposal.model, usage=proposal.usage.to_dict(),
    )
    return Answered(proposal.rationale, proposal.planner, Submitted(queued, proposal.entries))


@dataclass(frozen=True)
class Progress:
    submitted: Submitted
    applied: Applied | None  # written at once (the project allows progress reports), or None: queued


def report_progress(
    repo: SqlRepository, project_id: str, key: str, *, author: str, status: str | None = None,
    spent_minutes: int | None = None, note: str | None = None,
) -> Progress:
    """A status change and/or time spent on one task: applied at once where the project allows agents'
    progress reports (`taskforge agents allow PROJECT progress`), queued for review otherwise."""
    tree = repo.load(project_id)
    if key not in tree:
        raise UnknownTask(project_id, key)
    if status is None and not spent_minutes:
        raise BadInput("nothing to report: give a status, spent_minutes or both")
    body: dict[str, Any] = {}
    said = []
    if status is not None:
        body["status"] = Status(status).value
        said.append(f"status {body['status']}")
    if spent_minutes:
        if spent_minutes < 0:
            raise BadInput("spent_minutes cannot be negative")
        body["actual_minutes"] = (tree[key].actual_minutes or 0) + spent_minutes
        said.append(f"{spent_minutes} min spent")
    note = clean_block(note or "")[:NOTE_MAX]
    rationale = f"Progress on {key}: {', '.join(said)}" + (f". {note}" if note else "")
    patch = ProjectPatch(
        project_id=project_id, base_version=tree.project.version, rationale=rationale,
        task_patches=[TaskPatch.model_validate({"op": "update", "task_id": key, "body": body})],
    )
    submitted = submit(repo, patch, tree, author=author, mode=Mode.EDIT, message=rationale)
    if "progress" not in _store(repo).grants(project_id):
        return Progress(submitted, None)
    review = open_review(repo, submitted.queued.id)
    if review.proposal is None:  # someone wrote in between: it waits for review like any proposal
        return Progress(submitted, None)
    return Progress(submitted, accept(repo, review, None, by="agents allow progress"))


# -- reviewing --------------------------------------------------------------------------------------


def listing(repo: SqlRepository, project_id: str, *, waiting: bool = False) -> tuple[int, list[QueuedProposal]]:
    """(the project's version, its proposals oldest first; only those still waiting with `waiting`)."""
    version = repo.load(project_id).project.version
    states = (ProposalState.PENDING,) if waiting else ()
    return version, _store(repo).listing(project_id, states)


def pending_count(repo: SqlRepository, project_id: str) -> int:
    return len(_store(repo).listing(project_id, (ProposalState.PENDING,)))


def open_review(repo: SqlRepository, proposal_id: int, project_id: str | None = None) -> Review:
    """The proposal re-based on the project's current tree and validated again there."""
    from taskforge.agent.planner import Usage
    from taskforge.agent.service import Proposal

    queued = _store(repo).get(proposal_id, project_id)
    tree = repo.load(queued.project_id)
    version = tree.project.version
    state = queued.state_at(version)
    if state in (ProposalState.ACCEPTED, ProposalState.REJECTED):
        return Review(queued, state, version)
    patch = queued.patch.model_copy(update={"base_version": version})
    focus = queued.focus if queued.mode is Mode.TASK else None
    result = replay(patch, tree, queued.mode, focus, repo.limits)
    if result.problems:
        return Review(queued, state, version, problems=result.problems)
    usage = Usage(**{k: v for k, v in queued.usage.items() if k in Usage.__dataclass_fields__})
    said = queued.message or queued.rationale
    proposal = Proposal(
        project_id=queued.project_id, mode=queued.mode, focus=focus,
        message=clean_line(f"proposal #{queued.id} from {queued.author}: {said}"), rationale=queued.rationale,
        planner=queued.planner, model=queued.model, usage=usage, patch=patch, entries=entries(result), tree=tree,
        author=queued.author,
    )
    return Review(queued, state, version, proposal=proposal)


def decided_text(queued: QueuedProposal) -> str:
    if queued.state is ProposalState.ACCEPTED:
        return f"proposal #{queued.id} was already accepted (change #{queued.change_seq})"
    return f"proposal #{queued.id} was already rejected"


def accept(repo: SqlRepository, review: Review, kept: Iterable[int] | None, *, by: str) -> Applied:
    """Write the kept operations (all by default) of the proposal as reviewed, through the planner's accept path.

    The patch applies on the version the reviewer saw: if the project moved since, it is a version conflict
    and nothing is written. The proposal is marked accepted in the patch's own transaction: if someone
    decided it meanwhile, the patch is not written either (never twice, never without its verdict)."""
    from taskforge.agent.service import AgentService
    from taskforge.store.proposals import decide

    if review.proposal is None:
        if review.state in (ProposalState.ACCEPTED, ProposalState.REJECTED):
            raise BadInput(decided_text(review.queued))
        raise PatchError(review.problems)
    queued = review.queued

    def mark(connection, record) -> None:
        rejected = {op.index for op in record.rejected_ops}
        kept_ops = [index for index in range(queued.operations) if index not in rejected]
        if not decide(connection, queued.id, ProposalState.ACCEPTED, change_seq=record.seq, kept_ops=kept_ops,
                      decided_by=by):
            raise AlreadyDecided(queued.id)

    try:
        return AgentService(repo).accept(review.proposal, kept, alongside=mark)
    except AlreadyDecided:  # decided elsewhere while this review was open: nothing was written
        raise BadInput(decided_text(_store(repo).get(queued.id))) from None


class AlreadyDecided(Exception):
    """Raised inside the write transaction to roll the patch back: the proposal was decided meanwhile."""


def reject(repo: SqlRepository, proposal_id: int, note: str, *, by: str, project_id: str | None = None) -> QueuedProposal:
    store = _store(repo)
    queued = store.get(proposal_id, project_id)
    if queued.state is not ProposalState.PENDING or not store.rejected(proposal_id, clean_block(note)[:NOTE_MAX], by):
        raise BadInput(decided_text(store.get(proposal_id)))
    return store.get(proposal_id)


# -- what an agent or a script reads ------------------------------------------------------------------


def summary(queued: QueuedProposal, version: int) -> dict[str, Any]:
    """`taskforge proposals --json`: one proposal."""
    return {
        "id": queued.id,
        "state": queued.state_at(version).value,
        "author": queued.author,
        "rationale": queued.rationale,
        "base_version": queued.base_version,
        "created_at": queued.created_at.isoformat(),
        "counts": queued.patch.counts(),
    }


def status(repo: SqlRepository, proposal_id: int, project_id: str | None = None) -> dict[str, Any]:
    """What became of a proposal: pending, stale (with whether it still applies), accepted (the change
    and the operations kept) or rejected (the reviewer's note)."""
    review = open_review(repo, proposal_id, project_id)
    queued = review.queued
    data: dict[str, Any] = {
        "id": queued.id, "project": queued.project_id, "state": review.state.value, "author": queued.author,
        "operations": queued.operations, "base_version": queued.base_version, "project_version": review.version,
    }
    if review.state is ProposalState.ACCEPTED:
        data.update(change=queued.change_seq, kept_ops=queued.kept_ops, rejected_ops=queued.rejected_ops())
    elif review.state is ProposalState.REJECTED:
        data.update(note=queued.note or "")
    elif review.state is ProposalState.STALE:
        data["still_applies"] = review.reviewable
        if not review.reviewable:
            data["problems"] = [str(problem) for problem in review.problems]
    return data


def grants(repo: SqlRepository, project_id: str) -> set[str]:
    return _store(repo).grants(project_id)


def allow(repo: SqlRepository, project_id: str, permission: str, by: str) -> bool:
    _check_permission(permission)
    return _store(repo).allow(project_id, permission, by)


def deny(repo: SqlRepository, project_id: str, permission: str) -> bool:
    _check_permission(permission)
    return _store(repo).deny(project_id, permission)


def _check_permission(permission: str) -> None:
    if permission not in PERMISSIONS:
        raise BadInput(f"unknown permission '{clean_line(permission)}' (choose from {', '.join(PERMISSIONS)})")
