"""Property tests: random valid patches apply as a simple model predicts, and undo/redo are exact.

Patches are drawn by simulating them against a plain model of the tree (parents, sibling order,
fields, dependencies) that knows nothing of the engine: every drawn operation respects the
invariants, so the engine must accept the patch, produce the model's tree, and undo it exactly.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskforge.core.history import Provenance
from taskforge.core.models import (
    MAX_DEPTH,
    Mode,
    Priority,
    Project,
    ProjectStatus,
    Status,
)
from taskforge.core.patches import ProjectPatch, apply, invert, validate
from taskforge.core.text import clean_block, clean_line
from taskforge.core.tree import Tree
from taskforge.store.repository import SqlRepository

# Text with the awkward parts users and models produce: markup, escapes, tabs, newlines, non-ASCII.
LINE_ALPHABET = "abcXYZ09 -_[]@=/é✓\t\x1b\x07\u202e"
line = st.text(LINE_ALPHABET, min_size=1, max_size=24).filter(lambda s: clean_line(s) != "")
block = st.text(LINE_ALPHABET + "\n\r", max_size=40)
minutes = st.one_of(st.none(), st.integers(0, 100_000))
statuses = st.sampled_from([s.value for s in Status])
priorities = st.sampled_from([p.value for p in Priority])
short_lists = st.one_of(st.none(), st.lists(line, max_size=3))

FIELDS: dict[str, st.SearchStrategy] = {
    "title": line,
    "description": st.one_of(st.none(), block),
    "status": statuses,
    "priority": priorities,
    "estimate_minutes": minutes,
    "actual_minutes": minutes,
    "acceptance_criteria": short_lists,
    "tags": short_lists,
}
CLEARED = {"description": "", "acceptance_criteria": [], "tags": []}


def stored(name: str, value: Any) -> Any:
    """What the tree should hold after a patch sets `name` to `value`."""
    if value is None:
        return CLEARED.get(name)
    if name == "title":
        return clean_line(value)
    if name == "description":
        return clean_block(value)
    if name in ("acceptance_criteria", "tags"):
        return [clean_line(item) for item in value]
    return value


class Model:
    """The tree as the patch sees it: tasks named by their key, or by their temporary id when new."""

    def __init__(self, tree: Tree):
        project = tree.project
        self.project = {"id": project.id, "title": project.title, "summary": project.summary, "status": project.status.value}
        self.parent = {key: task.parent_key for key, task in tree.tasks.items()}
        self.children: dict[str | None, list[str]] = {None: list(tree.roots)}
        self.children.update({key: list(tree.children[key]) for key in tree.tasks})
        self.fields = {key: task.model_dump(exclude={"key", "parent_key"}) for key, task in tree.tasks.items()}

    def names(self) -> list[str]:
        return list(self.parent)

    def depth(self, name: str | None) -> int:
        depth = 0
        while name is not None:
            depth, name = depth + 1, self.parent[name]
        return depth

    def subtree(self, name: str) -> list[str]:
        found = [name]
        for child in self.children[name]:
            found.extend(self.subtree(child))
        return found

    def height(self, name: str) -> int:
        return 1 + max((self.height(child) for child in self.children[name]), default=0)

    def reaches(self, start: str, target: str) -> bool:
        """Whether `target` can be reached from `start` by following depends_on."""
        seen, stack = set(), [start]
        while stack:
            name = stack.pop()
            if name == target:
                return True
            if name not in seen:
                seen.add(name)
                stack.extend(self.fields[name]["depends_on"])
        return False

    def deletable(self, name: str) -> bool:
        gone = set(self.subtree(name))
        return not any(
            dep in gone for owner, fields in self.fields.items() if owner not in gone for dep in fields["depends_on"]
        )

    def place(self, name: str, parent: str | None, position: int | None) -> None:
        siblings = self.children[parent]
        siblings.insert(len(siblings) if position is None else min(position, len(siblings)), name)
        self.parent[name] = parent

    def snapshot(self, key_map: dict[str, str]) -> tuple:
        def key(name: str | None) -> str | None:
            return None if name is None else key_map.get(name, name)

        tasks = {
            key(name): {"key": key(name), "parent_key": key(self.parent[name]), **fields,
                        "depends_on": [key(d) for d in fields["depends_on"]]}
            for name, fields in self.fields.items()
        }
        children = {key(parent): tuple(key(c) for c in names) for parent, names in self.children.items() if names}
        return dict(self.project), tasks, children


@st.composite
def fields_for(draw, required: tuple[str, ...] = ()) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True, max_size=4))
    body = {name: draw(FIELDS[name]) for name in (*required, *chosen) if name in FIELDS}
    if required:  # a create: title, status and priority cannot be null (the strategies never draw None there)
        body.setdefault("title", draw(line))
    return body


@st.composite
def patches(draw, tree: Tree, min_ops: int = 0, max_ops: int = 8, creates_only: bool = False):
    """(a valid patch for `tree`, the model of the tree it should produce)."""
    model = Model(tree)
    ops: list[dict] = []
    for index in range(draw(st.integers(min_ops, max_ops))):
        names = model.names()
        kinds = ["create"] if creates_only or not names else ["create", "update", "move", "delete"]
        kind = draw(st.sampled_from(kinds))
        if kind == "create":
            temp = f"n{index}"
            parents = [None] + [n for n in names if model.depth(n) < MAX_DEPTH]
            parent = draw(st.sampled_from(parents))
            body = draw(fields_for(required=("title",)))
            if parent is not None or draw(st.booleans()):
                body["parent_task_id"] = parent
            position = draw(st.one_of(st.none(), st.integers(0, len(model.children[parent]) + 1)))
            if position is not None:
                body["position"] = position
            depends_on = draw(st.lists(st.sampled_from(names), max_size=3)) if names else []
            if depends_on:
                body["depends_on"] = depends_on
            ops.append({"op": "create", "task_id": temp, "body": body})
            model.fields[temp] = {name: stored(name, body.get(name)) for name in FIELDS}
            model.fields[temp].update(
                status=body.get("status", "todo"), priority=body.get("priority", "medium"),
                depends_on=list(dict.fromkeys(depends_on)),
            )
            model.children[temp] = []
            model.place(temp, parent, position)
        elif kind == "update":
            name = draw(st.sampled_from(names))
            body = draw(fields_for())
            allowed = [n for n in names if n != name and not model.reaches(n, name)]
            if draw(st.booleans()) and allowed:
                body["depends_on"] = draw(st.lists(st.sampled_from(allowed), max_size=3))
            if not body:
                body["status"] = draw(statuses)
            ops.append({"op": "update", "task_id": name, "body": body})
            for field, value in body.items():
                model.fields[name][field] = list(dict.fromkeys(value)) if field == "depends_on" else stored(field, value)
        elif kind == "move":
            name = draw(st.sampled_from(names))
            inside = set(model.subtree(name))
            height = model.height(name)
            parents = [None] + [n for n in names if n not in inside and model.depth(n) + height <= MAX_DEPTH]
            body = {}
            old_parent = model.parent[name]
            if draw(st.booleans()):
                body["parent_task_id"] = draw(st.sampled_from(parents))
            if "parent_task_id" not in body or draw(st.booleans()):
                body["position"] = draw(st.integers(0, len(model.children[body.get("parent_task_id", old_parent)]) + 1))
            ops.append({"op": "update", "task_id": name, "body": body})
            new_parent = body.get("parent_task_id", old_parent)
            old_index = model.children[old_parent].index(name)
            model.children[old_parent].remove(name)
            position = body.get("position")
            if position is None and new_parent == old_parent:
                position = old_index
            model.place(name, new_parent, position)
        else:
            candidates = [n for n in names if model.deletable(n)]
            if not candidates:
                continue
            name = draw(st.sampled_from(candidates))
            cascade = bool(model.children[name]) or draw(st.booleans())
            ops.append({"op": "delete", "task_id": name, **({"cascade": True} if cascade else {})})
            model.children[model.parent[name]].remove(name)
            for gone in model.subtree(name):
                del model.parent[gone], model.fields[gone]
            for gone in model.subtree(name):
                del model.children[gone]

    meta = {}
    if not creates_only:
        meta = draw(st.fixed_dictionaries({}, optional={
            "title": line, "summary": block, "status": st.sampled_from([s.value for s in ProjectStatus]),
        }))
        for name, value in meta.items():
            model.project[name] = clean_line(value) if name == "title" else clean_block(value) if name == "summary" else value
    document = {"project_id": tree.project.id, "base_version": tree.project.version,
                "meta_updates": meta, "task_patches": ops}
    return ProjectPatch.model_validate(document), model


def empty_tree() -> Tree:
    return Tree.empty(Project(id="prop", title="Property"))


@st.composite
def trees(draw) -> Tree:
    """A random valid tree: one patch of creates applied to an empty project."""
    seed, _ = draw(patches(empty_tree(), max_ops=12, creates_only=True))
    return apply(seed, empty_tree(), Mode.IMPORT).tree


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_apply_matches_the_model_and_the_inverse_restores_the_exact_tree(data):
    before = data.draw(trees(), label="tree")
    proposed, model = data.draw(patches(before, min_ops=1), label="patch")
    assert validate(proposed, before, Mode.EDIT) == []
    result = apply(proposed, before, Mode.EDIT)
    assert result.tree.snapshot() == model.snapshot(result.key_map)

    undone = apply(result.inverse, result.tree, Mode.UNDO)
    assert undone.tree.snapshot() == before.snapshot()
    assert invert(proposed, before) == result.inverse
    # Redo (the resolved patch, real keys) reproduces the result from the original tree.
    assert apply(result.resolved, before, Mode.REDO).tree.snapshot() == result.tree.snapshot()
    # And once keys have been handed out, redo after undo restores them exactly.
    assert apply(result.resolved.model_copy(update={"base_version": undone.tree.project.version}),
                 undone.tree, Mode.REDO).tree.snapshot() == result.tree.snapshot()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_repository_undo_all_then_redo_all_is_exact(new_store, data):
    """On SQLite and on PostgreSQL (`new_store`: a fresh database per example)."""
    with SqlRepository.open(new_store().url) as repo:
        seed, _ = data.draw(patches(empty_tree(), max_ops=10, creates_only=True), label="seed")
        repo.create_project(Project(id="prop", title="Property"), seed, Provenance(message="seed"), Mode.IMPORT)
        snapshots = [repo.load("prop").snapshot()]
        count = data.draw(st.integers(1, 4), label="patches")
        for _ in range(count):
            tree = repo.load("prop")
            proposed, model = data.draw(patches(tree), label="patch")
            applied = repo.apply_patch(proposed, mode=Mode.EDIT, provenance=Provenance(message="step"))
            snapshot = repo.load("prop").snapshot()
            assert snapshot == applied.tree.snapshot() == model.snapshot(applied.key_map)
            snapshots.append(snapshot)

        for expected in reversed(snapshots[:-1]):
            repo.undo("prop")
            assert repo.load("prop").snapshot() == expected
        for expected in snapshots[1:]:
            repo.redo("prop")
            assert repo.load("prop").snapshot() == expected

        history = repo.history("prop")
        assert len(history) == 1 + 3 * count
        assert [r.version_after for r in history] == list(range(1, 2 + 3 * count))
