"""Shared helpers for the offline planner's tests (this module holds no tests itself).

`ask` runs the planner the way the service does: with the validator as `check`, and then asserts that
a reply it understood validates with `replay` in the same mode and focus, and applies it, so each test
can assert on the tree a user would see.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskforge.agent.offline import OfflinePlanner
from taskforge.agent.planner import Draft, PlanReply, PlanRequest
from taskforge.core.models import Mode, Project
from taskforge.core.patches import ProjectPatch, apply, replay
from taskforge.core.tree import Tree
from tests.builders import chain, create, patch


@dataclass
class Answer:
    draft: Draft
    tree: Tree  # after applying the reply; the tree asked about when there was nothing to apply

    @property
    def understood(self) -> bool:
        return self.draft.understood

    @property
    def rationale(self) -> str:
        return self.draft.reply.rationale

    @property
    def ops(self):
        return self.draft.reply.task_patches


def wrap(reply: PlanReply, tree: Tree) -> ProjectPatch:
    data = reply.model_dump(mode="json", exclude_unset=True)
    data.update(project_id=tree.project.id, base_version=tree.project.version)
    return ProjectPatch.model_validate(data)


def ask(tree: Tree, message: str, mode: Mode = Mode.PROJECT, focus: str | None = None, new_project: bool = False) -> Answer:
    def check(reply: PlanReply) -> list:
        return replay(wrap(reply, tree), tree, mode, focus).problems

    request = PlanRequest(tree, mode, focus if mode is Mode.TASK else None, message, new_project=new_project)
    draft = OfflinePlanner().plan(request, check)
    assert draft.reply.rationale.startswith("Offline planner:")
    assert draft.model is None
    if not draft.understood:
        assert draft.reply.empty, "a reply it did not understand carries no patch"
        return Answer(draft, tree)
    assert not draft.reply.empty
    result = replay(wrap(draft.reply, tree), tree, mode, focus)
    assert result.ok, [str(problem) for problem in result.problems]
    return Answer(draft, apply(wrap(draft.reply, tree), tree, mode, focus).tree)


def refused(tree: Tree, message: str, mode: Mode = Mode.PROJECT, focus: str | None = None) -> str:
    answer = ask(tree, message, mode, focus)
    assert not answer.understood, f"expected a refusal, got: {answer.rationale}"
    return answer.rationale


def titles(tree: Tree, parent: str | None = None) -> list[str]:
    return [tree[key].title for key in tree.children[parent]]


def by_title(tree: Tree, title: str) -> str:
    (key,) = [key for key, task in tree.tasks.items() if task.title == title]
    return key


# -- trees of several shapes ----------------------------------------------------------------------


def empty_tree(title: str = "Empty") -> Tree:
    return Tree.empty(Project(id="p", title=title))


def new_project(goal: str) -> Tree:
    """What the service hands the planner for `taskforge plan GOAL`: an empty project at version 0."""
    return Tree.empty(Project(id="new", title=goal[:200]))


def flat_tree() -> Tree:
    """T1 Alpha, T2 Beta→T1, T3 Gamma→T2, T4 Delta, T5 Epsilon; estimates on the first three."""
    ops = [
        create("a", "Alpha", estimate_minutes=480),
        create("b", "Beta", estimate_minutes=960, depends_on=["a"], acceptance_criteria=["Beta works"]),
        create("c", "Gamma", estimate_minutes=240, depends_on=["b"], tags=["core"]),
        create("d", "Delta"),
        create("e", "Epsilon", priority="low"),
    ]
    return apply(patch(*ops, base=0, project="p"), empty_tree("Flat")).tree


def deep_tree() -> Tree:
    """T1 > T2 > T3 > T4 > T5, one task per level, T5 at the deepest level; T6 a second root."""
    ops = [create("l1", "Level l1"), *chain("l1", ["l2", "l3", "l4", "l5"]), create("r2", "Second root")]
    return apply(patch(*ops, base=0, project="p"), empty_tree("Deep")).tree


def scaffolded(goal: str = "Build a new user authentication flow") -> Tree:
    return ask(new_project(goal), goal, new_project=True).tree


# Fields the planner fills in for a new task beyond what the user named (the title and the place).
GENERATED = ("description", "acceptance_criteria", "tags", "estimate_minutes")


def proposed_on(tree: Tree, message: str) -> list[tuple]:
    """The patch the planner proposes for `message` on `tree`, as (op, target, fields) in order."""
    answer = ask(tree, message)
    assert answer.understood, answer.rationale
    result = []
    for op in answer.ops:
        fields = op.body.model_dump(mode="json", exclude_unset=True) if op.body is not None else {}
        if op.op.value == "create":
            fields = {name: value for name, value in fields.items() if name not in GENERATED}
        if op.cascade:
            fields["cascade"] = True
        result.append((op.op.value, op.task_id, fields))
    return result
