"""The patch contract: parse, validate, apply and invert `ProjectPatch` documents.

One engine does all four. It replays the operations in order on a copy of the tree, recording every
problem (an invalid operation is skipped so that the ones after it are still checked), the key each
`create` receives, the patch with temporary ids resolved to real keys, the exact inverse, and a
before/after record of each operation for the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

from taskforge.core import jsontext
from taskforge.core.errors import TaskforgeError
from taskforge.core.limits import DESCRIPTION_MAX, MAX_DEPTH, MAX_KEY_NUMBER, MAX_NEW_ROOTS, TITLE_MAX
from taskforge.core.models import (
    TASK_FIELDS_SET,
    Mode,
    Priority,
    ProjectStatus,
    Status,
    Task,
    key_number,
    trusted,
)
from taskforge.core.text import clean_block, clean_line, quote
from taskforge.core.tree import Tree


def _line(limit: int):
    def check(value: str) -> str:
        value = clean_line(value)
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters (got {len(value)})")
        return value

    return AfterValidator(check)


def _block(limit: int):
    def check(value: str) -> str:
        value = clean_block(value)
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters (got {len(value)})")
        return value

    return AfterValidator(check)


Title = Annotated[str, _line(TITLE_MAX)]
Summary = Annotated[str, _block(5_000)]
Description = Annotated[str, _block(DESCRIPTION_MAX)]
CRITERION_MAX, CRITERIA_MAX = 500, 50  # characters in one acceptance criterion, criteria per task
TAG_MAX, TAGS_MAX = 50, 30
DEPENDS_MAX = 100
Criterion = Annotated[str, _line(CRITERION_MAX)]
Tag = Annotated[str, _line(TAG_MAX)]
Ref = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")]
Minutes = Annotated[int, Field(ge=0, le=10_000_000)]
# What a 64-bit integer column holds: a version or a position beyond it is refused, never overflows.
STORE_INT_MAX = 2**63 - 1
Count = Annotated[int, Field(ge=0, le=STORE_INT_MAX)]


class Op(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class TaskFields(BaseModel):
    """The body of a create or update. Omitted fields are unchanged; `null` clears a nullable one."""

    model_config = ConfigDict(extra="forbid")

    # The descriptions are written for a model filling the reply: they state the bounds in words, since the
    # schema a decoder gets leaves the long ones out (agent/schema.py) and validation checks them afterwards.
    parent_task_id: Ref | None = Field(
        None, description="Key of the parent task (T1, T2, …) or a task_id created earlier in this patch; null for a top-level task"
    )
    position: Count | None = Field(None, description="Place among its siblings, 0 first; omit to append")
    title: Title | None = Field(None, description=f"Short name of the task: one line, at most {TITLE_MAX} characters")
    description: Description | None = Field(
        None, description=f"What the task involves, a few sentences (at most {DESCRIPTION_MAX:,} characters)"
    )
    status: Status | None = Field(None, description="todo, doing, blocked or done")
    priority: Priority | None = Field(None, description="low, medium, high or critical")
    estimate_minutes: Minutes | None = Field(None, description="Estimated working time in minutes (a working day is 480)")
    actual_minutes: Minutes | None = Field(None, description="Time already spent, in minutes")
    acceptance_criteria: Annotated[list[Criterion], Field(max_length=CRITERIA_MAX)] | None = Field(
        None,
        description=f"How to tell the task is done: short checkable statements, one line of at most {CRITERION_MAX} "
        f"characters each (at most {CRITERIA_MAX})",
    )
    depends_on: Annotated[list[Ref], Field(max_length=DEPENDS_MAX)] | None = Field(
        None, description="Keys or task_ids of tasks that must be finished before this one can start"
    )
    tags: Annotated[list[Tag], Field(max_length=TAGS_MAX)] | None = Field(
        None, description=f"Short labels of one or two words, at most {TAG_MAX} characters each (at most {TAGS_MAX})"
    )

    def given(self) -> dict[str, Any]:
        """The fields the patch names, with their values (None where it clears one)."""
        values = self.__dict__
        return {name: values[name] for name in self.__pydantic_fields_set__}


class TaskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Op = Field(description="create a new task, update an existing one, or delete one")
    task_id: Ref = Field(
        description="For create: a new temporary id (n1, n2, …) that later operations may refer to; "
        "for update and delete: the key of an existing task (T1, T2, …)"
    )
    body: TaskFields | None = Field(None, description="The task's fields: all that a create sets, only the changes for an update; omit for delete")
    cascade: bool = Field(False, description="For delete: true also deletes the task's sub-tasks")


class MetaUpdates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = Field(None, description=f"The project's name: one line, at most {TITLE_MAX} characters")
    summary: Summary | None = Field(None, description="The project in a sentence or two")
    status: ProjectStatus | None = Field(None, description="draft or active; leave it out unless asked")


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str
    base_version: Count
    rationale: Annotated[str, _block(5_000)] = ""
    meta_updates: MetaUpdates = Field(default_factory=MetaUpdates)
    task_patches: list[TaskPatch] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The patch document. Unset fields stay out: in a body, a present `null` means "clear"."""
        return self.model_dump(mode="json", exclude_unset=True)

    def to_json(self, indent: int | None = None) -> str:
        return self.model_dump_json(exclude_unset=True, indent=indent)

    def counts(self) -> dict[str, int]:
        result = {op.value: 0 for op in Op}
        for task_patch in self.task_patches:
            result[task_patch.op.value] += 1
        return result


# -- problems ---------------------------------------------------------------------------------------


class ProblemCode(StrEnum):
    """What kind of problem it is, for code that decides by it; `Problem.reason` is the words for people."""

    INVALID = "invalid"  # the document or one of its fields is not valid (JSON, types, lengths, unknown fields)
    CONFLICT = "conflict"  # the patch was made for another version of the project
    WRONG_PROJECT = "wrong_project"  # the patch names another project
    TOO_MANY_OPS = "too_many_ops"  # more operations than the limit
    NO_FOCUS = "no_focus"  # task mode without an existing focused task
    OUT_OF_SCOPE = "out_of_scope"  # task mode: outside the focused task, the focus itself, or the project's meta
    NULL_FIELD = "null_field"  # null for a field that cannot be cleared
    UNKNOWN_TASK = "unknown_task"  # a reference to no task of the project
    DELETED_TASK = "deleted_task"  # a reference to a task an earlier operation deleted
    REJECTED_REF = "rejected_ref"  # a reference to a create that was rejected
    ID_TAKEN = "id_taken"  # a create's temporary id is already, or was, a task
    MISSING_TITLE = "missing_title"  # a create without a title
    EMPTY_UPDATE = "empty_update"  # an update that changes nothing
    WRONG_OP_FIELD = "wrong_op_field"  # cascade on a create or update, a body on a delete
    SELF_DEPENDENCY = "self_dependency"  # a task that would depend on itself
    OWN_ANCESTOR = "own_ancestor"  # a task moved under itself or one of its sub-tasks
    DEPTH = "depth"  # tasks deeper than MAX_DEPTH
    HAS_SUBTASKS = "has_subtasks"  # a delete of a task with sub-tasks, without cascade
    DEPENDED_ON = "depended_on"  # a delete of what other tasks still depend on
    TOO_MANY_ROOTS = "too_many_roots"  # more new root tasks than a project-mode patch allows
    KEYS_USED_UP = "keys_used_up"  # a create in a project whose keys reached MAX_KEY_NUMBER
    CYCLE = "cycle"  # dependencies that would go round in a circle (`Problem.cycle` holds it)
    # A model's reply, before it is a patch at all:
    UNREADABLE = "unreadable"  # no JSON object in the reply
    TRUNCATED = "truncated"  # cut off at the token limit


@dataclass(frozen=True)
class Problem:
    """One reason a patch cannot be applied, tied to the operation it concerns when there is one."""

    reason: str
    op_index: int | None = None
    op: str | None = None
    task_id: str | None = None
    conflict: bool = False  # the patch was made for another version of the project
    code: ProblemCode = ProblemCode.INVALID
    cycle: tuple[str, ...] = ()  # for CYCLE: the keys along the cycle, each depending on the next, in order

    def __post_init__(self) -> None:
        if self.conflict and self.code is not ProblemCode.CONFLICT:
            object.__setattr__(self, "code", ProblemCode.CONFLICT)

    @classmethod
    def stale(cls, project_id: str, base_version: int, current_version: int) -> Problem:
        """The patch was made for another version of the project than the one stored now."""
        return cls(
            f"version conflict: the patch is based on version {base_version} "
            f"but '{project_id}' is at version {current_version}",
            conflict=True,
            code=ProblemCode.CONFLICT,
        )

    def __str__(self) -> str:
        if self.op_index is None:
            return self.reason
        return f"op {self.op_index} ({self.op} {self.task_id}): {self.reason}"


class PatchError(TaskforgeError):
    """A patch that cannot be applied: every problem found, with `conflict` set for a stale base."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.summary())

    @property
    def conflict(self) -> bool:
        return any(p.conflict for p in self.problems)

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return 3 if self.conflict else 1

    def summary(self) -> str:
        """All problems on one line, for the CLI's single line on stderr."""
        conflicts = [p for p in self.problems if p.conflict]
        if conflicts:  # other problems may only be symptoms of the project having moved on
            return str(conflicts[0])
        if len(self.problems) == 1:
            return str(self.problems[0])
        return f"{len(self.problems)} problems: " + "; ".join(str(p) for p in self.problems)


def parse_patch(data: str | bytes | dict) -> ProjectPatch:
    """A patch document from JSON text or a decoded object; raises PatchError with readable reasons."""
    if isinstance(data, (str, bytes)):
        try:
            data = jsontext.loads(data)
        except json.JSONDecodeError as exc:
            raise PatchError([Problem(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from None
    try:
        return ProjectPatch.model_validate(data)
    except ValidationError as exc:
        raise PatchError(problems_from_validation(exc, data)) from None


def problems_from_validation(exc: ValidationError, data: Any) -> list[Problem]:
    """Turn pydantic's errors into problems that name the operation, the field and the reason."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        message = _plain(error)
        if len(loc) >= 2 and loc[0] == "task_patches" and isinstance(loc[1], int):
            index = loc[1]
            raw = _safe_get(data, "task_patches", index)
            op = raw.get("op") if isinstance(raw, dict) else None
            task_id = raw.get("task_id") if isinstance(raw, dict) else None
            where = ".".join(str(part) for part in loc[2:])
            problems.append(
                Problem(f"{where}: {message}" if where else message, index, quote(str(op)), quote(str(task_id)))
            )
        else:
            where = ".".join(str(part) for part in loc)
            problems.append(Problem(f"{where}: {message}" if where else message))
    return problems


def _plain(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required field is missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _safe_get(data: Any, *path: Any) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# -- the engine ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_ops: int = 10_000
    max_new_roots: int = MAX_NEW_ROOTS


@dataclass
class Step:
    """What one accepted operation did, for the diff: the task before and after it."""

    index: int
    op: Op
    task_id: str  # as written in the patch
    key: str  # the real key
    before: Task | None
    after: Task | None
    parent_before: str | None = None
    parent_after: str | None = None
    position_before: int | None = None
    position_after: int | None = None
    removed: list[str] = field(default_factory=list)  # keys a cascade delete removed, in pre-order
    fields: tuple[str, ...] = ()


class Draft:
    """A patch the engine wrote (the resolved patch, the inverse), kept as plain data: each operation is the
    document `TaskPatch.to_dict()` would give: its op as text, the other values as the models hold them. Plain
    values (no enum) leave most of these dicts out of the cyclic collector's work.

    The repository stores it as JSON and most callers never look inside it, so the `ProjectPatch` is only
    built when asked for (`model()`); `to_json()` is byte for byte what that model's `to_json()` gives."""

    __slots__ = ("project_id", "base_version", "rationale", "meta_updates", "task_patches", "_model")

    def __init__(
        self, project_id: str, base_version: int, rationale: str, meta_updates: MetaUpdates, task_patches: list[dict]
    ):
        self.project_id = project_id
        self.base_version = base_version
        self.rationale = rationale
        self.meta_updates = meta_updates
        self.task_patches = task_patches
        self._model: ProjectPatch | None = None

    def model(self) -> ProjectPatch:
        if self._model is None:
            self._model = ProjectPatch(
                project_id=self.project_id, base_version=self.base_version, rationale=self.rationale,
                meta_updates=self.meta_updates, task_patches=[_task_patch(document) for document in self.task_patches],
            )
        return self._model

    def to_json(self) -> str:
        """As pydantic writes the model: fields in declaration order, unset ones left out, no spaces, UTF-8."""
        return compact_json({
            "project_id": self.project_id, "base_version": self.base_version, "rationale": self.rationale,
            "meta_updates": self.meta_updates.model_dump(exclude_unset=True), "task_patches": self.task_patches,
        })


def compact_json(document: Any) -> str:
    """Plain data as pydantic's own encoder writes it (the very bytes `model_dump_json` gives for the model
    it describes): compact, non-ASCII as it is; three times the speed of the `json` module's C encoder."""
    return to_json(document).decode()


def _task_patch(document: dict[str, Any]) -> TaskPatch:
    """The TaskPatch a draft's operation document describes, with the same fields set (lists copied, so that
    no model shares one with a task or another model)."""
    body = document.get("body")
    fields = None
    if body is not None:
        data = dict(_UNSET_BODY)
        for name, value in body.items():
            data[name] = list(value) if type(value) is list else value
        fields = trusted(TaskFields, data, set(body))
    values = {"op": Op(document["op"]), "task_id": document["task_id"], "body": fields, "cascade": document.get("cascade", False)}
    return trusted(TaskPatch, values, set(document))


@dataclass
class Result:
    """Everything the engine learned from replaying a patch on a tree."""

    problems: list[Problem]
    tree: Tree  # the tree after the valid operations
    key_map: dict[str, str]  # temporary id -> real key
    steps: list[Step]
    meta_before: dict[str, Any]
    resolved_draft: Draft | None = None  # the patch with real keys; None when there are problems
    inverse_draft: Draft | None = None  # applying it to `tree` gives back the original tree exactly

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def resolved(self) -> ProjectPatch | None:
        """The patch with temporary ids resolved to real keys; None when there are problems."""
        return None if self.resolved_draft is None else self.resolved_draft.model()

    @property
    def inverse(self) -> ProjectPatch | None:
        """The exact inverse; None when there are problems."""
        return None if self.inverse_draft is None else self.inverse_draft.model()


_TASK_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "estimate_minutes",
    "actual_minutes",
    "acceptance_criteria",
    "depends_on",
    "tags",
)
_NOT_NULL = {"title", "status", "priority", "position"}
_CLEARS_TO = {"description": "", "acceptance_criteria": [], "depends_on": [], "tags": []}

# The engine builds new tasks from values that were validated already: the patch's own fields, or tasks
# in the tree. Rebuilding them with `trusted` instead of validating again is what makes a 10,000-operation
# patch cheap; the resolved patch and the inverse it writes as plain documents (see `Draft`).
_UNSET_BODY = dict.fromkeys(TaskFields.model_fields)
_NULLS_CHECKED = tuple(sorted(_NOT_NULL))
_RESTORED_FIELDS = tuple(name for name in _TASK_FIELDS if name != "depends_on")  # a restored task's dependencies come after


_NAMED_FIELDS: dict[frozenset[str], tuple[tuple[str, ...], Callable[[dict], tuple] | None]] = {}


def _named_fields(named: set[str]) -> tuple[tuple[str, ...], Callable[[dict], tuple] | None]:
    """For the fields a create's body names: the task fields among them, in `_TASK_FIELDS` order, and a
    function that reads the values of those that cannot be null from the body's `__dict__` as a tuple
    (None when it names none). Worked out once for each set of names: a patch's creates name the same few
    fields over and over."""
    key = frozenset(named)
    found = _NAMED_FIELDS.get(key)
    if found is None:
        ordered = tuple(name for name in _TASK_FIELDS if name in key)
        checked = [name for name in _NULLS_CHECKED if name in key]
        getter = itemgetter(*checked, *checked[:1]) if checked else None  # two names at least: always a tuple
        found = _NAMED_FIELDS[key] = (ordered, getter)
    return found


def _changed(task: Task, update: dict[str, Any]) -> Task:
    """`task.model_copy(update=update)` for a task of the tree (no extra or private attributes), at a
    fraction of its cost."""
    fields_set = set(task.__pydantic_fields_set__)
    fields_set.update(update)
    return trusted(Task, {**task.__dict__, **update}, fields_set)


def replay(
    patch: ProjectPatch,
    tree: Tree,
    mode: Mode = Mode.PROJECT,
    focus: str | None = None,
    limits: Limits = Limits(),
    *,
    steps: bool = True,
) -> Result:
    """Replay `patch` on a copy of `tree`. `steps=False` leaves `Result.steps` empty: the repository,
    which shows no diff, does not pay for a before/after record of every operation."""
    return _Replay(patch, tree, Mode(mode), focus, limits, steps).run()


def validate(
    patch: ProjectPatch,
    tree: Tree,
    mode: Mode = Mode.PROJECT,
    focus: str | None = None,
    limits: Limits = Limits(),
) -> list[Problem]:
    """Every problem that stops `patch` from applying to `tree`; an empty list means it is valid."""
    return replay(patch, tree, mode, focus, limits).problems


def apply(
    patch: ProjectPatch,
    tree: Tree,
    mode: Mode = Mode.PROJECT,
    focus: str | None = None,
    limits: Limits = Limits(),
) -> Result:
    """Apply to a copy of `tree`; raises PatchError when the patch is invalid. `tree` is untouched."""
    result = replay(patch, tree, mode, focus, limits)
    if result.problems:
        raise PatchError(result.problems)
    return result


def invert(patch: ProjectPatch, tree_before: Tree) -> ProjectPatch:
    """The patch that undoes `patch` exactly, keys included, once `patch` has been applied."""
    return apply(patch, tree_before, Mode.UNDO).inverse


class _Replay:
    def __init__(
        self, patch: ProjectPatch, tree: Tree, mode: Mode, focus: str | None, limits: Limits, keep_steps: bool = True
    ):
        self.patch = patch
        self.keep_steps = keep_steps
        self.original = tree
        self.tree = tree.copy()
        self.mode = mode
        self.focus = focus
        self.limits = limits
        self.problems: list[Problem] = []
        self.key_map: dict[str, str] = {}
        self.failed_creates: dict[str, int] = {}
        self.deleted_by: dict[str, int] = {}
        self.resolved_ops: list[dict[str, Any]] = []  # operation documents (see `Draft`)
        self.inverse_groups: list[dict[str, Any] | list[dict[str, Any]]] = []
        self.steps: list[Step] = []
        self.dependency_ops: list[tuple[int, str]] = []  # (op index, key) of each op leaving a task with dependencies
        self.touched_dependencies = False
        self.new_roots: dict[str, int] = {}  # created root key -> op index
        self.next_key = self.tree.project.next_key  # counted here, written to the project once at the end
        self.depths: dict[str, int] = {}  # depth by key, as far as asked; forgotten whenever a task moves
        self._depended_on: dict[str, set[str]] | None = None  # key -> keys that depend on it

    def depended_on(self) -> dict[str, set[str]]:
        """Who depends on whom, built on first use and kept current by every operation after that."""
        if self._depended_on is None:
            index: dict[str, set[str]] = {}
            for task in self.tree.tasks.values():
                for dep in task.depends_on:
                    index.setdefault(dep, set()).add(task.key)
            self._depended_on = index
        return self._depended_on

    def depth(self, key: str | None) -> int:
        """`tree.depth(key)`, remembered: a patch of creates asks it of the same parents over and over."""
        if key is None:
            return 0
        depth = self.depths.get(key)
        if depth is None:  # one more than its parent's, remembered on the way up: siblings share the walk
            depth = self.depths[key] = self.depth(self.tree.tasks[key].parent_key) + 1
        return depth

    def note_dependencies(self, key: str, old: list[str], new: list[str]) -> None:
        if self._depended_on is None or old == new:
            return
        for dep in old:
            self._depended_on.get(dep, set()).discard(key)
        for dep in new:
            self._depended_on.setdefault(dep, set()).add(key)

    # -- driver ------------------------------------------------------------------------------

    def run(self) -> Result:
        patch, tree = self.patch, self.tree
        if patch.project_id != tree.project.id:
            self.problem(ProblemCode.WRONG_PROJECT, f"this patch is for project '{patch.project_id}', not '{tree.project.id}'")
        if patch.base_version != tree.project.version:
            self.problems.append(Problem.stale(tree.project.id, patch.base_version, tree.project.version))
        if self.mode is Mode.TASK and (self.focus is None or self.focus not in tree):
            self.problem(ProblemCode.NO_FOCUS, f"task mode needs an existing focused task (got {self.focus!r})")
            return self.result()
        if len(patch.task_patches) > self.limits.max_ops:
            self.problem(
                ProblemCode.TOO_MANY_OPS, f"too many operations: {len(patch.task_patches)} (at most {self.limits.max_ops})"
            )
            return self.result()

        meta_before = self.apply_meta()
        create, update, delete, failed_creates = self.create, self.update, self.delete, self.failed_creates
        for index, task_patch in enumerate(patch.task_patches):
            op = task_patch.op
            if op is Op.CREATE:
                if not create(index, task_patch):
                    failed_creates.setdefault(task_patch.task_id, index)
            elif op is Op.UPDATE:
                update(index, task_patch)
            else:
                delete(index, task_patch)
        self.check_final_state()
        return self.result(meta_before)

    def result(self, meta_before: dict[str, Any] | None = None) -> Result:
        if self.next_key != self.tree.project.next_key:
            self.tree.project.next_key = self.next_key
        self.problems.sort(key=lambda p: (-1 if p.op_index is None else p.op_index))
        ok = not self.problems
        resolved = inverse = None
        if ok:
            new_project = self.tree.project
            new_project.version = self.original.project.version + 1
            patch = self.patch
            resolved = Draft(patch.project_id, patch.base_version, patch.rationale, patch.meta_updates, self.resolved_ops)
            inverse_ops = []
            for group in reversed(self.inverse_groups):  # an operation's inverse: one document, or a list
                if type(group) is list:
                    inverse_ops += group
                else:
                    inverse_ops.append(group)
            inverse = Draft(
                patch.project_id, new_project.version, "", MetaUpdates.model_validate(meta_before or {}), inverse_ops
            )
        return Result(self.problems, self.tree, self.key_map, self.steps, meta_before or {}, resolved, inverse)

    def problem(
        self, code: ProblemCode, reason: str, index: int | None = None, task_patch: TaskPatch | None = None,
        cycle: tuple[str, ...] = (),
    ) -> None:
        op = task_patch.op.value if task_patch else None
        task_id = task_patch.task_id if task_patch else None
        self.problems.append(Problem(reason, index, op, task_id, code=code, cycle=cycle))

    # -- project metadata ----------------------------------------------------------------------

    def apply_meta(self) -> dict[str, Any]:
        given = {name: getattr(self.patch.meta_updates, name) for name in self.patch.meta_updates.model_fields_set}
        if not given:
            return {}
        if self.mode is Mode.TASK:
            self.problem(ProblemCode.OUT_OF_SCOPE, "meta_updates: task mode cannot change the project's title, summary or status")
            return {}
        if any(value is None for value in given.values()):
            nulls = ", ".join(sorted(name for name, value in given.items() if value is None))
            self.problem(ProblemCode.NULL_FIELD, f"meta_updates: {nulls} cannot be null")
            return {}
        project = self.tree.project
        before = {name: getattr(project, name) for name in given}
        self.tree.project = project.model_copy(update=given)
        return before

    # -- references ------------------------------------------------------------------------------

    def resolve(self, ref: str, index: int, task_patch: TaskPatch, role: str) -> str | None:
        """The real key behind `ref`, or None after recording why it does not name a live task."""
        key = self.key_map.get(ref, ref)
        if key in self.tree:
            return key
        if ref in self.failed_creates:
            code, reason = ProblemCode.REJECTED_REF, f"{role} {ref} refers to op {self.failed_creates[ref]}, which was rejected"
        elif key in self.deleted_by:
            code, reason = ProblemCode.DELETED_TASK, f"{role} {ref} was deleted by op {self.deleted_by[key]}"
        else:
            code, reason = ProblemCode.UNKNOWN_TASK, f"{role} {ref} is not a task in this project"
        self.problem(code, reason, index, task_patch)
        return None

    def in_scope(self, key: str | None) -> bool:
        if self.mode is not Mode.TASK:
            return True
        return key is not None and self.tree.is_within(key, self.focus)

    def resolve_dependencies(
        self, refs: list[str], owner: str | None, index: int, task_patch: TaskPatch
    ) -> list[str] | None:
        keys: list[str] = []
        ok = True
        for ref in refs:
            key = self.resolve(ref, index, task_patch, "dependency")
            if key is None:
                ok = False
            elif key == owner:
                self.problem(ProblemCode.SELF_DEPENDENCY, "a task cannot depend on itself", index, task_patch)
                ok = False
            elif key not in keys:
                keys.append(key)
        return keys if ok else None

    def check_fields(self, given: dict[str, Any], index: int, task_patch: TaskPatch) -> bool:
        if None not in given.values():
            return True
        nulls = [name for name in _NULLS_CHECKED if name in given and given[name] is None]
        if nulls:
            self.problem(ProblemCode.NULL_FIELD, f"{', '.join(nulls)} cannot be null", index, task_patch)
            return False
        return True

    # -- operations --------------------------------------------------------------------------------

    def create(self, index: int, task_patch: TaskPatch) -> bool:
        """Carry out a create; False when it was refused (later operations naming its id are then told so)."""
        tree, temp, body = self.tree, task_patch.task_id, task_patch.body
        if body is None or "title" not in body.__pydantic_fields_set__:
            self.problem(ProblemCode.MISSING_TITLE, "a create needs a body with a title", index, task_patch)
            return False
        if task_patch.cascade:
            self.problem(ProblemCode.WRONG_OP_FIELD, "cascade only applies to delete", index, task_patch)
            return False
        tasks = tree.tasks
        if temp in tasks or temp in self.key_map:
            self.problem(ProblemCode.ID_TAKEN, f"task_id {temp} is already a task; a create needs a new temporary id", index, task_patch)
            return False
        if temp in self.deleted_by:
            self.problem(
                ProblemCode.ID_TAKEN, f"{temp} was deleted by op {self.deleted_by[temp]}; a create needs a new temporary id",
                index, task_patch,
            )
            return False
        values = body.__dict__
        task_fields, not_null = _named_fields(body.__pydantic_fields_set__)
        if not_null is not None and None in not_null(values) and not self.check_fields(body.given(), index, task_patch):
            return False  # a field cleared that cannot be

        # Unnamed fields hold their default, None: the same as not giving a parent, a position or dependencies.
        parent = values["parent_task_id"]
        if parent is not None:
            parent = self.key_map.get(parent, parent)
            if parent not in tasks:
                self.resolve(values["parent_task_id"], index, task_patch, "parent")  # says why
                return False
        if self.mode is Mode.TASK and not self.in_scope(parent):
            self.problem(
                ProblemCode.OUT_OF_SCOPE, f"in task mode new tasks must go under {self.focus} or its sub-tasks", index, task_patch
            )
            return False
        depth = 1 if parent is None else (self.depths.get(parent) or self.depth(parent)) + 1
        if depth > MAX_DEPTH:
            self.problem(
                ProblemCode.DEPTH, f"the task would be at depth {depth}; the limit is {MAX_DEPTH}", index, task_patch,
            )
            return False

        # A retired key (one this project used for a task since deleted) comes back as itself; any other id
        # takes the next key.
        next_key = self.next_key
        number = key_number(temp) if temp[0] == "T" else None
        fresh = number is None or number >= next_key
        key = f"T{next_key}" if fresh else temp
        if fresh and next_key > MAX_KEY_NUMBER:
            self.problem(
                ProblemCode.KEYS_USED_UP, f"the project has used every task key (up to T{MAX_KEY_NUMBER})", index, task_patch
            )
            return False
        depends_on: list[str] = []
        if values["depends_on"]:
            resolved = self.resolve_dependencies(values["depends_on"], None, index, task_patch)
            if resolved is None:
                return False
            depends_on = resolved
            self.touched_dependencies = True

        # The new task, and the resolved create: where the task went, every field the patch gave (as the new
        # task holds it) and its dependencies when there are any, in TaskFields' order as the model writes them.
        siblings = tree.children[parent]
        position = values["position"]
        position = len(siblings) if position is None else min(position, len(siblings))
        data = {
            "key": key, "parent_key": parent, "title": "", "description": "", "status": Status.TODO,
            "priority": Priority.MEDIUM, "estimate_minutes": None, "actual_minutes": None,
            "acceptance_criteria": [], "depends_on": depends_on, "tags": [],
        }
        resolved_body = {"parent_task_id": parent, "position": position}
        for name in task_fields:
            if name == "depends_on":
                if depends_on:
                    resolved_body[name] = depends_on
                continue
            value = values[name]
            if value is None:
                value = _CLEARS_TO.get(name)
            if type(value) is list:
                value = list(value)  # the task's own list: never shared with the patch
            data[name] = resolved_body[name] = value
        task = trusted(Task, data, TASK_FIELDS_SET)

        if fresh:
            self.next_key = next_key + 1
        tree.insert(task, position)
        self.depths[key] = depth
        if depends_on:
            self.note_dependencies(key, [], depends_on)
            self.dependency_ops.append((index, key))
        if temp != key:
            self.key_map[temp] = key
        if parent is None:
            self.new_roots[key] = index
        self.resolved_ops.append({"op": "create", "task_id": key, "body": resolved_body})
        self.inverse_groups.append({"op": "delete", "task_id": key})
        if self.keep_steps:
            self.steps.append(
                Step(index, Op.CREATE, temp, key, None, task, parent_after=parent, position_after=position)
            )
        return True

    def update(self, index: int, task_patch: TaskPatch) -> None:
        tree = self.tree
        key = self.resolve(task_patch.task_id, index, task_patch, "task")
        if key is None:
            return
        if task_patch.cascade:
            self.problem(ProblemCode.WRONG_OP_FIELD, "cascade only applies to delete", index, task_patch)
            return
        given = task_patch.body.given() if task_patch.body else {}
        if not given:
            self.problem(ProblemCode.EMPTY_UPDATE, "an update needs a body with at least one field", index, task_patch)
            return
        if not self.check_fields(given, index, task_patch):
            return
        if not self.in_scope(key):
            self.problem(ProblemCode.OUT_OF_SCOPE, f"in task mode only {self.focus} and its sub-tasks can change", index, task_patch)
            return

        before = tree[key]
        parent_before = before.parent_key
        position_before = tree.position(key)
        moving = "parent_task_id" in given or "position" in given
        parent = parent_before
        if "parent_task_id" in given:
            parent = None
            if given["parent_task_id"] is not None:
                parent = self.resolve(given["parent_task_id"], index, task_patch, "parent")
                if parent is None:
                    return
        if moving:
            if self.mode is Mode.TASK and key == self.focus:
                self.problem(ProblemCode.OUT_OF_SCOPE, "in task mode the focused task itself cannot move", index, task_patch)
                return
            if not self.in_scope(parent):
                self.problem(ProblemCode.OUT_OF_SCOPE, f"in task mode tasks can only move within {self.focus}", index, task_patch)
                return
            if parent is not None and tree.is_within(parent, key):
                self.problem(
                    ProblemCode.OWN_ANCESTOR, f"moving {key} under {parent} would make it its own ancestor", index, task_patch
                )
                return
            new_depth = self.depth(parent) + tree.height(key)
            if new_depth > MAX_DEPTH:
                self.problem(
                    ProblemCode.DEPTH, f"the move would put tasks at depth {new_depth}; the limit is {MAX_DEPTH}", index, task_patch
                )
                return

        changes = {}
        for name in _TASK_FIELDS:
            if name in given:
                value = given[name]
                changes[name] = _CLEARS_TO.get(name) if value is None else value
        if "depends_on" in changes:
            resolved = self.resolve_dependencies(changes["depends_on"], key, index, task_patch)
            if resolved is None:
                return
            changes["depends_on"] = resolved
            self.touched_dependencies = True

        update = {**changes, "parent_key": parent} if parent != parent_before else changes
        after = _changed(before, update) if update else before
        self.note_dependencies(key, before.depends_on, after.depends_on)
        if moving:
            position = given.get("position")
            if position is None and parent == parent_before:
                position = position_before  # restating the current parent is not a reason to reorder
            tree.move(key, parent, position, after)
            if parent != parent_before:
                self.depths.clear()
            position_after = tree.position(key)
        else:
            tree.replace(after)
            position_after = position_before

        body: dict[str, Any] = {}
        inverse_body: dict[str, Any] = {}
        if moving:
            body.update(parent_task_id=parent, position=position_after)
            inverse_body.update(parent_task_id=parent_before, position=position_before)
            if parent_before != parent and key in self.new_roots:
                del self.new_roots[key]
            if parent is None and parent_before is not None and key not in self.original:
                self.new_roots[key] = index
        body.update(changes)
        held = before.__dict__
        for name in changes:
            inverse_body[name] = held[name]
        self.resolved_ops.append({"op": "update", "task_id": key, "body": body})
        self.inverse_groups.append({"op": "update", "task_id": key, "body": inverse_body})
        if after.depends_on:
            self.dependency_ops.append((index, key))
        if self.keep_steps:
            self.steps.append(
                Step(
                    index, Op.UPDATE, task_patch.task_id, key, before, after,
                    parent_before, parent, position_before, position_after,
                    fields=tuple(sorted(given)),
                )
            )

    def delete(self, index: int, task_patch: TaskPatch) -> None:
        tree = self.tree
        key = self.resolve(task_patch.task_id, index, task_patch, "task")
        if key is None:
            return
        if task_patch.body is not None:
            self.problem(ProblemCode.WRONG_OP_FIELD, "a delete takes no body", index, task_patch)
            return
        if self.mode is Mode.TASK and (key == self.focus or not self.in_scope(key)):
            self.problem(ProblemCode.OUT_OF_SCOPE, f"in task mode only sub-tasks of {self.focus} can be deleted", index, task_patch)
            return
        removed = tree.subtree(key)
        if len(removed) > 1 and not task_patch.cascade:
            count = len(tree.children[key])
            self.problem(
                ProblemCode.HAS_SUBTASKS,
                f"{key} has {count} sub-task{'s' if count != 1 else ''}; set \"cascade\": true to delete them too",
                index, task_patch,
            )
            return
        gone = set(removed)
        index_ = self.depended_on()
        blockers: dict[str, list[str]] = {}
        for target in removed:
            for owner in index_.get(target, ()):
                if owner not in gone:
                    blockers.setdefault(owner, []).append(target)
        if blockers:
            described = ", ".join(f"{owner} depends on {'/'.join(deps)}" for owner, deps in sorted(blockers.items()))
            self.problem(
                ProblemCode.DEPENDED_ON, f"other tasks still depend on what this deletes ({described})", index, task_patch
            )
            return

        parent = tree[key].parent_key
        position = tree.position(key)
        before = tree[key]
        restore: list[dict[str, Any]] = []
        restore_dependencies: list[dict[str, Any]] = []
        for sub in removed:
            task = tree[sub]
            held = task.__dict__
            body = {"parent_task_id": task.parent_key, "position": tree.position(sub)}
            for name in _RESTORED_FIELDS:
                body[name] = held[name]
            restore.append({"op": "create", "task_id": sub, "body": body})
            if task.depends_on:
                restore_dependencies.append({"op": "update", "task_id": sub, "body": {"depends_on": task.depends_on}})
        for sub in reversed(removed):
            self.note_dependencies(sub, tree[sub].depends_on, [])
            tree.remove(sub)
            self.deleted_by[sub] = index
            self.new_roots.pop(sub, None)

        self.resolved_ops.append({"op": "delete", "task_id": key, "cascade": len(removed) > 1})
        self.inverse_groups.append(restore + restore_dependencies)
        if self.keep_steps:
            self.steps.append(
                Step(index, Op.DELETE, task_patch.task_id, key, before, None,
                     parent_before=parent, position_before=position, removed=removed)
            )

    # -- whole-patch invariants ----------------------------------------------------------------------

    def check_final_state(self) -> None:
        if self.mode is Mode.PROJECT and len(self.new_roots) > self.limits.max_new_roots:
            index = sorted(self.new_roots.values())[self.limits.max_new_roots]
            self.problems.append(
                Problem(
                    f"project mode allows at most {self.limits.max_new_roots} new root tasks per patch "
                    f"(this one makes {len(self.new_roots)})",
                    index, "create", self.patch.task_patches[index].task_id, code=ProblemCode.TOO_MANY_ROOTS,
                )
            )
        if self.touched_dependencies:
            cycle = find_dependency_cycle(self.tree)
            if cycle:
                index = self._last_dependency_op(set(cycle))
                task_patch = self.patch.task_patches[index] if index is not None else None
                self.problem(
                    ProblemCode.CYCLE, "dependencies would form a cycle: " + " → ".join(cycle + [cycle[0]]),
                    index, task_patch, cycle=tuple(cycle),
                )

    def _last_dependency_op(self, keys: set[str]) -> int | None:
        for index, key in reversed(self.dependency_ops):
            if key in keys:
                return index
        return None


def find_dependency_cycle(tree: Tree) -> list[str]:
    """One cycle in `depends_on`, as the keys along it, or [] when there is none."""
    return dependency_cycle({key: task.depends_on for key, task in tree.tasks.items()})


def dependency_cycle(depends: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle in a graph of key -> the keys it depends on (keys not in the graph are left out), as the
    keys along it, or [] when there is none; without recursion, so a chain may be 10,000 long."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(depends, white)
    for start in depends:
        if colour[start] != white or not depends[start]:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            key, next_child = stack.pop()
            deps = [d for d in depends[key] if d in colour]
            if next_child == 0:
                colour[key] = grey
                path.append(key)
            if next_child < len(deps):
                stack.append((key, next_child + 1))
                dep = deps[next_child]
                if colour[dep] == grey:
                    return path[path.index(dep):]
                if colour[dep] == white:
                    stack.append((dep, 0))
            else:
                colour[key] = black
                path.pop()
    return []

