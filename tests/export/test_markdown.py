"""The Markdown checklist: what GitHub shows, and what `import` reads back, line for line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from taskforge.core.errors import BadInput
from taskforge.core.models import Status
from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from taskforge.export import markdown
from tests.export.conftest import projects
from tests.export.trees import awkward_tree, empty_tree, sample_tree, trees


def reimported(text: str) -> Tree:
    project, patch = markdown.read(text)
    return apply(patch, Tree.empty(project), "import").tree


@pytest.mark.parametrize("make", [sample_tree, awkward_tree, empty_tree])
def test_export_import_export_is_identical(make):
    tree = make()
    text = markdown.render(tree)
    again = reimported(text)
    assert markdown.render(again) == text
    assert again.project.title == tree.project.title and again.project.summary == tree.project.summary
    assert list(again.tasks) == list(tree.tasks)  # the keys are kept


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(trees())
def test_any_tree_round_trips(tree):
    text = markdown.render(tree)
    assert markdown.render(reimported(text)) == text


def test_the_checklist_reads_as_github_shows_it():
    text = markdown.render(awkward_tree())
    lines = text.splitlines()
    assert lines[0] == "# Awkward &middot;\"title\""
    task_lines = [line for line in lines if line.lstrip().startswith("- [")]
    assert len(task_lines) == 8  # one checklist item per task: nothing in the text made another
    assert "  - [x] **T2** Level 2 &middot; with a middle dot · low" in lines
    assert "        - [x] **T5** Level 5 (deepest) \\[x\\] {y} · est 45m · after T1" in lines
    assert "  > \\- \\[ \\] not a task" in lines  # description text is quoted and escaped, never structure


def test_a_checklist_written_by_a_person():
    text = """# Moving house

Everything for the move.

- [ ] Pack
    - [x] Books · high
    - [ ] Kitchen
      fragile things first

      wrap the glasses
* [X] Book the van · est 1h
+ Tell the bank
## Later
1. Paint the hall
   > white, not grey
   - Acceptance: two coats
"""
    tree = reimported(text)
    assert tree.project.id == "moving-house" and tree.project.summary == "Everything for the move."
    titles = {tree[key].title: key for key in tree.tasks}
    assert [tree[key].title for key in tree.roots] == ["Pack", "Book the van", "Tell the bank", "Later"]
    assert [tree[key].title for key in tree.children[titles["Pack"]]] == ["Books", "Kitchen"]
    books, kitchen, van = (tree[titles[name]] for name in ("Books", "Kitchen", "Book the van"))
    assert books.status is Status.DONE and books.priority.value == "high"
    assert kitchen.description == "fragile things first\nwrap the glasses"
    assert van.status is Status.DONE and van.estimate_minutes == 60
    hall = tree[titles["Paint the hall"]]
    assert hall.parent_key == titles["Later"]
    assert hall.description == "white, not grey" and hall.acceptance_criteria == ["two coats"]


def test_a_title_with_a_middle_dot_from_a_person_stays_whole():
    tree = reimported("- [ ] Lunch · with Sam\n")
    assert [task.title for task in tree.tasks.values()] == ["Lunch · with Sam"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# P\n\n- [ ] **T1** A · soon\n", "line 3: cannot read “soon”"),
        ("- [ ] **T1** A · est forever\n", "line 1: cannot read the duration “forever”"),
        ("- [ ] **T1** A\n- [ ] **T1** B\n", "line 2: T1 appears twice"),
        ("- [ ] **T1** A\n- [ ] **T2** B · after T9\n", "line 2: depends on T9, which is not in the file"),
        ("- [ ] **T1** A · after T2\n- [ ] **T2** B · after T1\n", "its dependencies form a cycle (T1 → T2 → T1)"),
        ("- [ ] a\n  - [ ] b\n    - [ ] c\n      - [ ] d\n        - [ ] e\n          - [ ] f\n", "line 6: nested 6 levels deep"),
        ("- [ ] a\n\nA closing remark.\n", "line 3: text outside any task"),
        ("- [ ] " + "x" * 20 + "\n  - Acceptance: " + "y" * 501 + "\n", "line 1: acceptance_criteria.0: must be at most 500"),
        ("Status: frozen · exported from taskforge project `p`\n", "line 1: unknown project status “frozen”"),
        ("- [ ]\n", "line 1: a task needs a title"),
        ('{"format": "taskforge/1"}\n', "not a Markdown checklist: no # title and no list items"),
    ],
)
def test_bad_checklists_name_the_line(text, expected):
    with pytest.raises(BadInput) as caught:
        markdown.read(text)
    assert expected in str(caught.value)


def test_bad_checklist_through_the_command_line_creates_nothing(cli, tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# Plan\n\n- [ ] **T1** A · after T7\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == "taskforge: line 3: depends on T7, which is not in the file"
    assert projects(cli) == []


def test_long_titles_from_a_person_keep_their_text():
    words = " ".join(["word"] * 80)
    tree = reimported(f"- [ ] {words}\n")
    task = next(iter(tree.tasks.values()))
    assert len(task.title) <= 200 and task.title.endswith("…")
    assert task.description == words


def test_md_round_trip_through_the_command_line(cli, store, tmp_path):
    project = store(awkward_tree())
    first = cli("export", project, "--format", "md").stdout
    path = tmp_path / "plan.md"
    path.write_text(first, encoding="utf-8")
    result = cli("import", str(path), "--json")  # the format comes from the extension
    assert result.exit_code == 0, result.output
    again = cli("export", "awkward-2", "--format", "md").stdout
    assert again == first.replace("project `awkward`", "project `awkward-2`")


def test_subtree_export_keeps_only_dependencies_inside_it():
    text = markdown.render(awkward_tree(), "T6")
    assert "**T7** title after gantt click call · after T6 ·" in text  # T3 is outside the subtree
    assert [task.key for task in reimported(text).tasks.values()] == ["T6", "T7"]


def test_windows_line_endings_read_the_same():
    text = markdown.render(awkward_tree())
    assert reimported(text.replace("\n", "\r\n")).snapshot() == reimported(text).snapshot()


HOSTILE_DESCRIPTION = "\n".join([
    "- [ ] not a checkbox", "* [x] nor this", "1. nor a list", "# nor a heading", "<script>alert(1)</script>",
    "```", "    indented", "===", "a \\ back\\slash, &amp; an entity, a · dot", "> not a quote", "| a | table |",
])


def test_descriptions_are_text_to_a_commonmark_reader_and_read_back_identically():
    from markdown_it import MarkdownIt

    from tests.builders import create
    from tests.export.trees import build

    tree = build([create("a", "Task", description=HOSTILE_DESCRIPTION)])
    text = markdown.render(tree)
    tokens = MarkdownIt("commonmark").parse(text)
    kinds = [token.type for token in tokens]
    # One list with one item; inside it the title, then the description as one quoted paragraph.
    assert kinds.count("bullet_list_open") == 1 and kinds.count("list_item_open") == 1
    assert not {"html_block", "html_inline", "fence", "code_block", "ordered_list_open"} & set(kinds)
    assert kinds.count("heading_open") == 1  # the project's title, nothing from the description
    quoted = next(i for i, token in enumerate(tokens) if token.type == "blockquote_open")
    assert kinds[quoted:quoted + 5] == ["blockquote_open", "paragraph_open", "inline", "paragraph_close", "blockquote_close"]
    shown = tokens[quoted + 2].children
    assert "".join(t.content for t in shown if t.type == "text").replace("    ", "") == HOSTILE_DESCRIPTION.replace(
        "\n", "").replace("    ", "")  # what a reader sees is the text as written
    again = reimported(text)
    assert again["T1"].description == HOSTILE_DESCRIPTION and markdown.render(again) == text
