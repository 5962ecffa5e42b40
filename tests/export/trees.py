"""Trees for export tests: awkward text, every status and priority, full depth, none at all, or 10,000 tasks."""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from taskforge.core.models import MAX_DEPTH, Priority, Project, Status
from taskforge.core.patches import apply, parse_patch
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree
from tests.builders import create, patch
from tests.generators import generated_patch

AWKWARD = 'Ünïcødé — 日本語 «ok» "double" \'single\' `tick` *star* _under_ [link](x) <b>&amp; · #3 50% a:b; c,d \\ | ~'


def build(ops: list[dict], *, project: str = "awkward", title: str = "Awkward ·\"title\"", summary: str = "") -> Tree:
    meta = {"title": title, "summary": summary} if summary else {"title": title}
    return apply(patch(*ops, base=0, project=project, meta=meta), Tree.empty(Project(id=project, title="x")), "import").tree


def awkward_tree() -> Tree:
    """Everything a format must survive, in eight tasks five levels deep."""
    return build(
        [
            create("a", AWKWARD, description='Line one\n\n  indented "quoted" line\n> not a quote\n- [ ] not a task\n\ttab',
                   status="doing", priority="critical", estimate_minutes=1500, actual_minutes=90,
                   acceptance_criteria=["Works with «ünïcode»", 'Says "hello, world"; twice'], tags=["ux", "two words", "c#"]),
            create("b", "Level 2 · with a middle dot", parent_task_id="a", status="done", priority="low"),
            create("c", "Level 3: colon; semicolon", parent_task_id="b", status="blocked", depends_on=["b"]),
            create("d", "Level 4 %% not a comment", parent_task_id="c", estimate_minutes=0),
            create("e", "Level 5 (deepest) [x] {y}", parent_task_id="d", status="done", depends_on=["a"], estimate_minutes=45),
            create("f", "section Second root", priority="high", depends_on=["e"], description="Only\nlines\r\nand\rbreaks"),
            create("g", "title after gantt click call", parent_task_id="f", depends_on=["f", "c"], tags=["=1+1"]),
            create("h", "=SUM(A1:A2) @cmd -x +y", acceptance_criteria=["=HYPERLINK(\"x\")"]),
        ],
        summary="Summary line one.\n\n> quoted-looking line\n- [ ] not a task either",
    )


def sample_tree() -> Tree:
    from tests.conftest import sample_tree as sample

    return sample()


def empty_tree() -> Tree:
    return build([], project="empty", title="Nothing yet")


@functools.cache
def big_tree(count: int = 10_000) -> Tree:
    """Built once per run and shared: exporters only read it."""
    return apply(generated_patch("big", count), Tree.empty(Project(id="big", title="Big")), "import").tree


_PIECES = st.sampled_from(
    list('·&;:#%*_[]<>|~`\\"\',{}()=+-@ \n\t\r\u2028') + ["&amp;", "&middot;", " · ", "**T1**", "- [ ] ", "\n> ", "\n# "]
)
_TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), _PIECES), max_size=16).map("".join)
_LINE = _TEXT.filter(lambda text: clean_line(text) != "")
_TAG = _LINE.filter(lambda text: len(clean_line(text)) <= 50)


@st.composite
def trees(draw) -> Tree:
    """Random projects: shape, dependencies and every field, with text full of syntax."""
    count = draw(st.integers(0, 14))
    depth: list[int] = []
    ops = []
    for n in range(count):
        parents = [i for i in range(n) if depth[i] < MAX_DEPTH]
        parent = draw(st.none() | st.sampled_from(parents)) if parents else None
        depth.append(1 if parent is None else depth[parent] + 1)
        earlier = list(range(n))
        depends = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        body = {
            "description": draw(_TEXT),
            "status": draw(st.sampled_from(list(Status))).value,
            "priority": draw(st.sampled_from(list(Priority))).value,
            "estimate_minutes": draw(st.none() | st.integers(0, 100_000)),
            "actual_minutes": draw(st.none() | st.integers(0, 100_000)),
            "acceptance_criteria": draw(st.lists(_LINE, max_size=2)),
            "tags": draw(st.lists(_TAG, max_size=2, unique_by=clean_line)),
            "depends_on": [f"n{i}" for i in depends],
        }
        if parent is not None:
            body["parent_task_id"] = f"n{parent}"
        ops.append(create(f"n{n}", draw(_LINE), **body))
    summary = draw(_TEXT)
    document = {"project_id": "random", "base_version": 0, "task_patches": ops,
                "meta_updates": {"title": draw(_LINE), "summary": summary}}
    return apply(parse_patch(document), Tree.empty(Project(id="random", title="x")), "import").tree
