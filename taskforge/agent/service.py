"""The agent service: a user's message in, a reviewed-before-written proposal out.

`propose` builds the context, asks the planner, wraps its reply into a `ProjectPatch` with the project id
and base version of that context (never the planner's), validates it and renders the diff. Nothing is
written except the conversation. `accept` writes the operations the user kept, in one transaction,
with the planner, model, usage and rejected operations in the audit record. The CLI and the TUI both
drive this class; neither has planning logic of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from taskforge.agent.offline.brief import document_title
from taskforge.agent.planner import (
    Draft,
    Planner,
    PlannerError,
    PlanReply,
    PlanRequest,
    ProgressCallback,
    Usage,
)
from taskforge.core.diff import DiffEntry, entries
from taskforge.core.errors import BadInput, UnknownTask
from taskforge.core.history import Provenance
from taskforge.core.limits import MAX_DEPTH, MESSAGE_MAX, TITLE_MAX
from taskforge.core.models import Mode, Project, slugify
from taskforge.core.patches import Limits, PatchError, ProjectPatch, replay
from taskforge.core.selection import subset
from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree

if TYPE_CHECKING:
    from taskforge.store.interface import Alongside
    from taskforge.store.repository import Applied, Repository

CONVERSATION_LIMIT = 12
DOCUMENT_MAX = 1_000_000  # characters of a brief (`plan --file`); a model is shown a bounded part of it


@dataclass(frozen=True)
class Proposal:
    """A validated patch waiting for the user's review, or a reply with nothing to review."""

    project_id: str
    mode: Mode
    focus: str | None
    message: str
    rationale: str
    planner: str
    model: str | None
    usage: Usage
    patch: ProjectPatch | None  # None: the planner answered but proposes no change
    entries: list[DiffEntry] = field(default_factory=list)
    tree: Tree | None = None  # the project the patch was made against
    new_project: Project | None = None  # accepting creates this project
    author: str | None = None  # who proposed it when not the user (an agent over MCP); the user by default

    @property
    def has_patch(self) -> bool:
        return self.patch is not None

    def provenance(self) -> Provenance:
        from taskforge.config import current_user

        return Provenance(
            message=self.message, planner=self.planner, model=self.model, usage=self.usage.to_dict(),
            author=self.author or current_user(),
        )

    def provenance_line(self) -> str:
        """`planner: litellm · model: openai/gpt-4o · 812 prompt + 240 completion tokens · $0.0031 · 2.1 s`."""
        usage = self.usage
        parts = [f"planner: {self.planner}"]
        if self.model:
            parts.append(f"model: {self.model}")
        if usage.prompt_tokens or usage.completion_tokens:
            parts.append(f"{usage.prompt_tokens or 0:,} prompt + {usage.completion_tokens or 0:,} completion tokens")
        if usage.cost_usd:
            parts.append(f"${usage.cost_usd:.4f}")
        if usage.attempts > 1:
            parts.append(f"{usage.attempts} attempts")
        if usage.latency_ms:
            parts.append(f"{usage.latency_ms / 1000:.1f} s")
        return " · ".join(parts)

    def to_dict(self) -> dict:
        return {
            "project_id": self.project_id,
            "new_project": self.new_project is not None,
            "mode": self.mode.value,
            "focus": self.focus,
            "message": self.message,
            "planner": self.planner,
            "model": self.model,
            "usage": self.usage.to_dict(),
            "rationale": self.rationale,
            "patch": self.patch.to_dict() if self.patch is not None else None,
        }


REJECTED_NOTE = "Rejected: nothing was changed."


def accepted_note(proposal: Proposal, applied: Applied) -> str:
    """What the conversation says once a proposal is written: `Applied as change #4 (3 of 5 operations kept).`"""
    kept = len(applied.record.patch.task_patches)
    total = len(proposal.patch.task_patches) if proposal.patch is not None else kept
    return f"Applied as change #{applied.record.seq}" + (f" ({kept} of {total} operations kept)." if kept < total else ".")


def planner_for(mode: Mode, model: str | None = None) -> Planner:
    """The litellm planner when a model is configured for this mode, the offline planner otherwise."""
    from taskforge.config import settings

    config = settings()
    chosen = model or (config.task_model if mode is Mode.TASK else config.project_model) or config.model
    if not chosen or chosen == "offline":
        from taskforge.agent.offline import OfflinePlanner

        return OfflinePlanner()
    from taskforge.agent.llm import LitellmPlanner

    fallbacks = [m for m in config.fallback_models if m != chosen]
    models = [chosen, *fallbacks]
    return LitellmPlanner(
        models=models,
        options={name: config.options_for(name) for name in models},
        api_base=config.api_base,
        api_key=config.api_key,
        max_repairs=config.max_repairs,
        timeout=config.request_timeout,
        backoff=config.retry_backoff,
        max_ops=config.max_ops,
    )


class AgentService:
    def __init__(self, repo: Repository, planner: Planner | None = None, *, limits: Limits | None = None):
        self.repo = repo
        self.planner = planner
        self.limits = limits or getattr(repo, "limits", Limits())

    def propose(
        self,
        project: str | None,
        mode: Mode,
        focus: str | None,
        message: str,
        *,
        model: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        remember: bool = True,
        document: str = "",
        document_name: str = "",
    ) -> Proposal:
        """Ask the planner; `project=None` starts a new project from `message` as its goal.

        `document` is a written brief to plan from (`plan --file`); the message may then be empty.

        The exchange is kept in the project's conversation (one transaction) unless `remember` is
        False: then the caller decides, with `remember(proposal)`.
        """
        message = clean_block(message)
        document = clean_block(document)
        if document_name or document:
            if not document.strip():
                raise BadInput(f"{document_name or 'the brief'} is empty: there is nothing to plan from")
            if len(document) > DOCUMENT_MAX:
                raise BadInput(f"{document_name or 'the brief'} is too long ({len(document):,} characters; "
                               f"at most {DOCUMENT_MAX:,})")
            if mode is Mode.TASK:
                raise BadInput("a brief plans a project: use --file without --task")
            message = message or f"Plan the project described in {clean_line(document_name) or 'the brief'}."
        if not message:
            raise BadInput("say what you want: the message is empty")
        if len(message) > MESSAGE_MAX:
            raise BadInput(f"the message is too long ({len(message)} characters; at most {MESSAGE_MAX})")
        if project is None:
            if mode is Mode.TASK:
                raise BadInput("task mode needs a project (-p) and a task (--task)")
            new = self._new_project(document_title(document) or message if document else message)
            tree, conversation = Tree.empty(new), ()
        else:
            new = None
            tree = self.repo.load(project)
            conversation = tuple(self.repo.messages(project, focus if mode is Mode.TASK else None, CONVERSATION_LIMIT))
        if mode is Mode.TASK:
            self._check_focus(tree, focus)
        else:
            focus = None
        request = PlanRequest(tree, mode, focus, message, conversation, new_project=new is not None or not len(tree),
                              document=document, document_name=clean_line(document_name))
        planner = self.planner or planner_for(mode, model)

        def check(reply: PlanReply) -> list:
            return replay(self._wrap(reply, tree), tree, mode, focus, self.limits).problems

        draft = planner.plan(request, check, progress, cancel)
        proposal = self._proposal(draft, planner.name, tree, mode, focus, message, new)
        if remember:
            self.remember(proposal)
        return proposal

    def accept(
        self, proposal: Proposal, kept: Iterable[int] | None = None, *, with_exchange: bool = False,
        alongside: Alongside | None = None,
    ) -> Applied:
        """Write the kept operations (all by default) in one transaction; raises PatchError on conflict.

        `with_exchange`: the proposal was made with `remember=False`, so the user's message and the
        planner's answer are written now, with the note, once the patch is in (a refused patch keeps none).
        `alongside` writes more in the patch's own transaction (see `Repository.apply_patch`; a proposal
        for an existing project only).
        """
        if proposal.patch is None:
            raise BadInput("there is nothing to apply: the planner proposed no change")
        patch, rejected = (proposal.patch, []) if kept is None else subset(proposal.patch, kept)
        if not patch.task_patches and not patch.meta_updates.model_fields_set:
            raise BadInput("every operation was turned off: nothing to apply")
        provenance = proposal.provenance()
        if proposal.new_project is not None:
            applied = self.repo.create_project(
                proposal.new_project, patch, provenance, mode=proposal.mode, rejected=rejected
            )
            project_id = applied.project_id
            self.repo.add_messages(
                project_id, None, [("user", proposal.message, None), ("agent", proposal.rationale, applied.record.seq)]
            )
        else:
            applied = self.repo.apply_patch(
                patch, mode=proposal.mode, focus=proposal.focus, provenance=provenance, rejected=rejected,
                alongside=alongside,
            )
            project_id = proposal.project_id
            if with_exchange:
                self.repo.add_messages(project_id, proposal.focus, [
                    ("user", proposal.message, None), ("agent", proposal.rationale, None),
                    ("note", accepted_note(proposal, applied), applied.record.seq),
                ])
                return applied
        self.repo.add_message(project_id, proposal.focus, "note", accepted_note(proposal, applied), applied.record.seq)
        return applied

    def reject(self, proposal: Proposal) -> None:
        """Say so in the conversation, so that the planner's next answer knows."""
        if proposal.patch is not None and proposal.new_project is None:
            self.repo.add_message(proposal.project_id, proposal.focus, "note", REJECTED_NOTE)

    # -- helpers ------------------------------------------------------------------------------------

    def _new_project(self, goal: str) -> Project:
        title = clean_line(goal)[:TITLE_MAX]
        return Project(id=self.repo.free_project_id(slugify(title)), title=title)

    @staticmethod
    def _check_focus(tree: Tree, focus: str | None) -> None:
        if focus is None:
            raise BadInput("task mode needs a task key (--task T3)")
        if focus not in tree:
            raise UnknownTask(tree.project.id, focus)
        if tree.depth(focus) >= MAX_DEPTH:
            raise BadInput(f"{focus} is at depth {MAX_DEPTH}, the deepest a task can be: it cannot be broken down")

    @staticmethod
    def _wrap(reply: PlanReply, tree: Tree) -> ProjectPatch:
        """The planner's reply as a patch on exactly the project version it was shown."""
        fields = {name: getattr(reply, name) for name in reply.model_fields_set}
        return ProjectPatch(project_id=tree.project.id, base_version=tree.project.version, **fields)

    def _proposal(
        self, draft: Draft, planner: str, tree: Tree, mode: Mode, focus: str | None, message: str, new: Project | None
    ) -> Proposal:
        common = dict(
            project_id=tree.project.id, mode=mode, focus=focus, message=message,
            rationale=clean_block(draft.reply.rationale) or "(no rationale given)",
            planner=planner, model=draft.model, usage=draft.usage, tree=tree, new_project=new,
        )
        if not draft.understood or draft.reply.empty:
            return Proposal(patch=None, **common)
        patch = self._wrap(draft.reply, tree)
        result = replay(patch, tree, mode, focus, self.limits)
        if result.problems:  # never offered for review: whatever the planner said, it must validate
            raise PlannerError(f"the {planner} planner proposed an invalid patch: {PatchError(result.problems)}")
        return Proposal(patch=patch, entries=entries(result), **common)

    def remember(self, proposal: Proposal) -> None:
        """The user's message and the planner's answer, in the conversation of an existing project."""
        if proposal.new_project is not None:
            return  # a new project keeps its first exchange when it is created (see accept)
        self.repo.add_messages(
            proposal.project_id, proposal.focus, [("user", proposal.message, None), ("agent", proposal.rationale, None)]
        )
