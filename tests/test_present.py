"""The presentation layer both shells use: literal user text, one glyph per status, history rows, diffs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console
from rich.text import Text

from taskforge import present
from taskforge.core.diff import diff
from taskforge.core.history import Provenance
from taskforge.core.models import Project, Status
from taskforge.core.patches import parse_patch
from tests.builders import create, patch, update
from tests.conftest import sample_tree
from tests.test_import_hygiene import loaded_after

HOSTILE = "[b]x[/b] [@click=app.quit]y [red]z"


def plain_lines(renderable) -> list[str]:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def test_it_loads_neither_textual_nor_the_models():
    # The CLI uses it without Textual; the TUI imports it before its first paint, before pydantic loads.
    assert not loaded_after("import taskforge.present") & {"textual", "pydantic", "sqlmodel", "litellm"}


def glyph_style(text: Text, glyph: str):
    [style] = [span.style for span in text.spans if text.plain[span.start:span.end] == glyph]
    return style


@pytest.mark.parametrize("status", list(Status))
def test_the_cli_and_the_tui_show_each_status_with_the_same_glyph_and_style(status):
    from taskforge.core.patches import apply

    tree = apply(parse_patch({"project_id": "sample", "base_version": 1,
                              "task_patches": [update("T2", status=status.value)]}), sample_tree()).tree
    cli = present.task_line(tree, "T2", tree.rollups()["T2"])
    tui = present.task_label(tree["T2"], None, False)
    glyph = present.glyph(status)
    for text in (cli, tui):
        assert text.plain.startswith(f"T2 {glyph.plain} Wireframes")
        assert glyph_style(text, glyph.plain) == glyph.style == present.STATUS_STYLES[status]
    assert set(present.GLYPHS) == set(present.STATUS_STYLES) == {s.value for s in Status}


def test_the_shown_tree_uses_the_tree_panes_glyph_for_every_task():
    tree = sample_tree()
    shown = "\n".join(plain_lines(present.project_tree(tree)))
    for key in tree.walk():
        task = tree[key]
        assert f"{key} {present.GLYPHS[task.status]} {task.title}" in shown
        assert present.task_label(task, None, False).plain.startswith(f"{key} {present.GLYPHS[task.status]} {task.title}")


def test_hostile_titles_stay_literal_everywhere():
    tree = sample_tree()
    proposed = parse_patch({"project_id": "sample", "base_version": 1,
                            "task_patches": [update("T6", title=HOSTILE, depends_on=["T1"])]})
    from taskforge.core.patches import apply

    after = apply(proposed, tree).tree
    task = after["T6"]
    texts = [
        present.task_line(after, "T6", after.rollups()["T6"]),
        present.task_label(task, None, False),
        present.detail_text(task, None, after),
        present.message_text("user", HOSTILE),
        present.message_text("error", HOSTILE),
    ]
    for text in texts:
        start = text.plain.index(HOSTILE)
        end = start + len(HOSTILE)
        # markup would have styled a part of the title: no span may begin or end inside it
        assert not any(start < edge < end for span in text.spans for edge in (span.start, span.end))
    assert HOSTILE in "\n".join(plain_lines(present.project_tree(after)))


def test_a_diff_keeps_markup_in_titles_literal():
    title = "[b]x[/b] [@click=app.quit]y"
    proposed = parse_patch(
        {"project_id": "sample", "base_version": 1, "rationale": "Why [i]not[/i]",
         "task_patches": [create("n1", title, tags=["[red]t[/red]"]), update("T6", title=title)]}
    )
    text = present.diff_text(diff(proposed, sample_tree()), proposed.rationale)
    plain = text.plain
    assert plain.startswith("Why [i]not[/i]")
    assert f"+ n1 → T7  {title}" in plain
    assert f"~ T6  {title}" in plain
    assert "    tags: [red]t[/red]" in plain
    assert f'    title: "Ship" → "{title}"' in plain
    styles = {str(span.style) for span in text.spans}
    assert styles <= {"italic", "bold green", "bold yellow", "dim", "yellow"}
    assert title not in Text.from_markup(title).plain  # as markup, the assertions above could not pass


def test_an_empty_diff_and_a_long_one():
    assert present.diff_text(diff(patch(), sample_tree())).plain == "(no changes)"
    many = parse_patch({"project_id": "sample", "base_version": 1,
                        "task_patches": [create(f"n{i}", f"Task {i}") for i in range(5)]})
    text = present.diff_text(diff(many, sample_tree()), limit=2, more="see --json").plain
    assert text.count("+ n") == 2 and text.endswith("… and 3 more operations (see --json)")


def test_a_wrapped_line_hangs_under_itself():
    text = Text("[x] #1  ")
    present.hanging(text, "word " * 12 + "end", "green", 8, 30)
    first, *rest = text.plain.splitlines()
    assert first.startswith("[x] #1  word") and rest
    assert all(line.startswith(" " * 8 + "word") or line.strip() == "end" for line in rest)
    assert all(len(line) <= 30 for line in text.plain.splitlines())


@pytest.fixture
def records(repo):
    """An apply with a multi-line hostile message, by a model, then its undo."""
    provenance = Provenance(message=f"Seed\n{HOSTILE}", planner="litellm", model="openai/gpt-4o", author="alice")
    repo.create_project(Project(id="p", title="P"), patch(create("n1", "A"), create("n2", "B"), base=0, project="p"),
                        provenance)
    repo.undo("p")
    return repo.history("p")


def test_a_history_row_shows_kind_mode_counts_and_author_the_same_in_both_shells(records):
    applied, undo = records
    row = [cell.plain for cell in present.history_cells(applied, utc)]
    assert [column.title for column in present.HISTORY_COLUMNS] == [
        "#", "when", "kind", "mode", "changes", "message", "author", "planner"]
    assert row == ["1", utc(applied.created_at), "apply", applied.mode.value, "+2 −0 ~0",
                   present.shorten(f"Seed {HOSTILE}", present.MESSAGE_WIDTH), "alice", "litellm · openai/gpt-4o"]
    undone = [cell.plain for cell in present.history_cells(undo, utc)]
    assert undone[2] == "undo #1" and undone[4] == "+0 −2 ~0"

    line = present.history_line(applied, utc)
    assert "\n" not in line.plain  # one line per record, whatever the message holds
    for cell in row:
        if cell != row[5]:
            assert cell in line.plain
    assert f"Seed {HOSTILE}" in line.plain and "v0→v1" in line.plain
    assert "undo #1" in present.history_line(undo, utc).plain


def test_an_undone_row_and_the_detail_heading(records):
    applied, _ = records
    cells = present.history_cells(applied, utc, undone=True)
    assert cells[5].plain.startswith("(undone) Seed")
    assert all(any(str(span.style) == "dim" and span.end - span.start == len(cell) for span in cell.spans)
               for cell in cells)
    heading = present.history_heading(applied, utc, undone=True).plain
    assert heading.startswith(f"#1 apply · {applied.mode.value} · {utc(applied.created_at)} · v0→v1 · alice · litellm")
    assert HOSTILE in heading and "Undone" in heading


def test_words():
    assert present.plural(1, "operation") == "1 operation" and present.plural(0, "task") == "0 tasks"
    assert present.numbered([0, 4]) == "#1, #5"
    assert present.numbered(list(range(12))).endswith("#10 and 2 more")
    assert present.shorten("a\n\tb  c", 10) == "a b c" and present.shorten("x" * 20, 5) == "xxxx…"
    assert present.duration(90) == "1h 30m"


def test_a_record_from_before_authors_shows_a_dash_and_a_change_note_names_the_author(records):
    applied, undo = records
    assert present.author_of(applied.model_copy(update={"author": None})) == "—"
    assert present.change_note(applied) == f"alice applied change #1: Seed {HOSTILE}"
    assert present.change_note(undo.model_copy(update={"author": "bob"})) == "bob undid change #1"
