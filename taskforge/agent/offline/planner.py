"""The offline planner: the embedded default when no model is configured.

Deterministic (no randomness, no clock: the same request always gets the same reply), instant, and
honest: every rationale starts with "Offline planner:". It does three things:

- scaffolds a new project's goal into 3–6 deliverables from the playbooks shipped in `data/playbooks/`;
- breaks a task down into 3–7 sub-tasks (task mode, or "break down T2"), down to the deepest level;
- carries out a small command language (`reading` tries the parsers of `commands`, `dependencies`,
  `additions` and `details` in turn): add, rename, describe, delete, combine, split, move, swap, mark,
  estimate, log time, priority, dependencies, acceptance criteria, tags, and answers questions ("what's
  left?", "what's next?", "status of T3", "how long will it take?") without a change (`questions`) —
  naming tasks by key, position or the words of their title (`words`), and taking additions the way
  people say them ("we also need X").

A message it does not understand, or cannot carry out, gets a reply that says why and no patch. Every
reply it proposes is first checked with the service's validator, so what it offers always applies.
"""

from __future__ import annotations

import threading

from pydantic import ValidationError

from taskforge.agent.offline.brief import parse as parse_brief
from taskforge.agent.offline.brief import plan_from_brief
from taskforge.agent.offline.common import Edit, Refusal, capitalised, fit
from taskforge.agent.offline.edits import goal_title, scaffold
from taskforge.agent.offline.language import Scope, normalize
from taskforge.agent.offline.playbooks import load_all
from taskforge.agent.offline.reading import interpret
from taskforge.agent.planner import Cancelled, Check, Draft, PlanReply, PlanRequest, ProgressCallback
from taskforge.core.models import Mode
from taskforge.core.patches import Problem, ProblemCode
from taskforge.core.text import clean_line

PREFIX = "Offline planner: "

COMMAND_EXAMPLES = (
    ("add", "“Add a task for documentation”, “add a subtask to T2 called Hash passwords”, "
            "“we also need an admin dashboard”, “don't forget rate limiting”, “T2: add subtask Hash passwords”"),
    ("rename", "“rename T3 to Login form”, “rename the first task: Design”"),
    ("describe", "“describe T3 as Handles expired sessions”"),
    ("criteria", "“add acceptance criterion to T1: Designs approved”, “T1 is done when designs are approved”"),
    ("tags", "“tag T2 with backend”, “untag T2 backend”"),
    ("delete", "“delete T4”, “remove the last task”"),
    ("combine", "“Combine the first two tasks”, “merge T3 into T2”"),
    ("split", "“split T3 into design, build and test”"),
    ("move", "“move T5 under T2”, “make T5 a subtask of T2”, “move T5 before T2”, “swap T2 and T3”, "
             "“move T5 to the top level”"),
    ("mark", "“mark T3 done”, “I'm working on T2”, “unblock T3”, “reopen T1”"),
    ("estimate", "“estimate T3 at 2 days”, “T3 will take 90 minutes”, “clear the estimate of T3”"),
    ("log time", "“log 2 hours on T3”, “spent 90 minutes on T3”"),
    ("priority", "“set priority of T3 to high”, “T3 is critical”"),
    ("depend", "“T7 depends on T6”, “T6 blocks T7”, “T7 no longer depends on T6”, “remove the dependency between T7 "
               "and T6”"),
    ("break down", "“break this down” in task mode, “break down T2” anywhere"),
    ("ask", "“what's left?”, “what's next?”, “status of T3”, “how long will it take?” (answered without changing "
            "anything)"),
)


class OfflinePlanner:
    name = "offline"

    def plan(
        self,
        request: PlanRequest,
        check: Check,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Draft:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        load_all()  # outside the try: a broken shipped file is a bug to surface, not a reply
        try:
            edit = self._edit(request)
        except Refusal as refusal:
            return _no_change(capitalised(str(refusal)))
        except ValidationError as error:  # a field the patch format rejects, e.g. text far too long
            first = error.errors(include_url=False)[0]
            return _no_change(f"that would not be a valid change ({first['msg']}), so I left the plan unchanged.")
        if edit is None:
            return _no_change(help_text(request))
        if _already_so(request.tree, edit):
            return _no_change("the plan already says that, so there is nothing to change.")
        reply = PlanReply(rationale=PREFIX + edit.summary, meta_updates=edit.meta, task_patches=edit.ops)
        problems = check(reply)
        if problems:
            return _no_change(_explain(problems))
        return Draft(reply, model=None)

    def _edit(self, request: PlanRequest) -> Edit | None:
        tree, mode = request.tree, request.mode
        if mode is Mode.TASK and (request.focus is None or request.focus not in tree):
            raise Refusal(f"task mode needs an existing task to focus on, and {request.focus} is not one.")
        if request.document and mode is not Mode.TASK:
            return self._from_document(request)
        text, bare = normalize(request.message)
        if mode is not Mode.TASK and not len(tree):
            brand_new = request.new_project and tree.project.version == 0
            if brand_new or not bare:
                return scaffold(tree, text, retitle=brand_new)
            # An existing project without tasks: a command if it is one ("add a task for X"), else a goal.
            return interpret(text, bare, Scope(tree, mode, None)) or scaffold(tree, text, retitle=False)
        return interpret(text, bare, Scope(tree, mode, request.focus))


    @staticmethod
    def _from_document(request: PlanRequest) -> Edit:
        """A brief's own structure as the plan; a brief without one is a goal for the playbooks."""
        tree = request.tree
        retitle = request.new_project and tree.project.version == 0
        brief = parse_brief(request.document)
        if brief.structured:
            return plan_from_brief(tree, brief, retitle)
        title = goal_title(brief.title) if brief.title else None
        edit = scaffold(tree, fit(clean_line(request.document), 4_000), retitle, title=title)
        edit.summary = ("the brief has no sections to follow (no headings or numbered sections), so I read it "
                        "as a goal: " + edit.summary)
        return edit


def _already_so(tree, edit: Edit) -> bool:
    """Every operation an update that sets fields to the values they have ("estimate T7 at 2 days" twice).

    A reply made only of those would be an empty change in the history: the planner says so instead."""
    if edit.meta.model_dump(exclude_none=True) or not edit.ops:
        return False
    for op in edit.ops:
        if op.op.value != "update" or op.body is None or op.task_id not in tree:
            return False
        fields = op.body.model_dump(exclude_unset=True)
        if not fields or "parent_task_id" in fields or "position" in fields:
            return False
        task = tree[op.task_id]
        if any(getattr(task, name, object()) != value for name, value in fields.items()):
            return False
    return True


def help_text(request: PlanRequest) -> str:
    """What the offline planner understands, with examples, for a message it did not."""
    said = fit(clean_line(request.message), 120)
    opening = f"I did not understand “{said}”." if said else "Tell me what to change."
    lines = [
        f"{PREFIX}{opening} Without a model I understand these commands:",
        *(f"• {name} — {examples}" for name, examples in COMMAND_EXAMPLES),
        "Name tasks by key (T3), by words of their title (“the docs”, “the rollout”), or by position: "
        "“the first two tasks”, “the last task”, “task 2”. "
        + (
            f"In task mode positions count the sub-tasks of {request.focus}."
            if request.mode is Mode.TASK
            else "In project mode positions count the top-level tasks."
        ),
        "For free-form requests, configure a model with TASKFORGE_MODEL (any litellm model name).",
    ]
    return "\n".join(lines)


def _no_change(message: str) -> Draft:
    text = message if message.startswith(PREFIX) else PREFIX + message
    return Draft(PlanReply(rationale=text), model=None, understood=False)


def _explain(problems: list[Problem]) -> str:
    problem = problems[0]
    if problem.code is ProblemCode.CYCLE:
        cycle = " → ".join([*problem.cycle, problem.cycle[0]])
        return f"That would make the dependencies circular ({cycle}), so I left the plan unchanged."
    return f"I could not do that: {problem.reason}. Nothing was changed."
