"""The context the model is shown: complete for small projects, bounded for huge ones."""

from __future__ import annotations

import json
import re

import pytest

from taskforge.agent import prompts
from taskforge.agent.context import estimate_tokens, outline, user_prompt
from taskforge.agent.planner import PlanReply, PlanRequest
from taskforge.agent.schema import model_schema
from taskforge.core.chat import ChatMessage
from taskforge.core.models import Mode, Project
from taskforge.core.patches import apply
from taskforge.core.tree import Tree
from tests.conftest import sample_tree
from tests.generators import generated_patch

TOKEN_BOUND = 6_000


@pytest.fixture(scope="module")
def huge() -> Tree:
    patch = generated_patch("huge", 10_000)
    return apply(patch, Tree.empty(Project(id="huge", title="Huge"))).tree


def prompt_tokens(request: PlanRequest) -> int:
    return sum(estimate_tokens(m["content"]) for m in prompts.messages(request))


def test_a_small_project_is_shown_whole():
    tree = sample_tree()
    text = outline(tree, 10_000)
    for key in tree.tasks:
        assert re.search(rf"\b{key} {re.escape(tree[key].title)}\b", text)
    assert "not shown" not in text


def test_task_mode_prompt_stays_bounded_for_any_task_of_a_10k_project(huge: Tree):
    by_children = sorted(huge.tasks, key=lambda k: -len(huge.children.get(k, ())))
    deepest = max(huge.tasks, key=huge.depth)
    for focus in [*by_children[:5], deepest, huge.roots[0]]:
        request = PlanRequest(huge, Mode.TASK, focus, "break this down")
        assert prompt_tokens(request) < TOKEN_BOUND, focus
        assert f"Focused task: {focus} {huge[focus].title}" in user_prompt(request)


def test_project_mode_prompt_stays_bounded_and_says_what_it_left_out(huge: Tree):
    request = PlanRequest(huge, Mode.PROJECT, None, "Combine the first two tasks")
    text = user_prompt(request)
    assert prompt_tokens(request) < TOKEN_BOUND
    for root in huge.roots:
        assert f" {root} {huge[root].title}" in text
    assert "not shown]" in text


def test_the_focus_section_has_ancestors_siblings_and_subtree():
    tree = sample_tree()  # T1 Design (T2 Wireframes, T3 Review), T4 Build (T5 API), T6 Ship
    text = user_prompt(PlanRequest(tree, Mode.TASK, "T2", "break this down"))
    assert "Path from the top: T1 Design" in text
    assert "- T3 Review" in text  # a sibling
    assert "It has no sub-tasks yet." in text
    text = user_prompt(PlanRequest(tree, Mode.TASK, "T1", "break this down"))
    assert "Its current sub-tasks:" in text and "T2 Wireframes" in text


def test_recent_conversation_is_part_of_the_context_oldest_first():
    messages = tuple(ChatMessage("user" if i % 2 == 0 else "agent", f"message {i}", None, None, "") for i in range(20))
    text = user_prompt(PlanRequest(sample_tree(), Mode.PROJECT, None, "Combine the first two tasks", messages))
    assert "message 11" not in text
    assert text.index("message 12") < text.index("message 19") < text.index("Combine the first two tasks")


def test_prompts_are_filled_and_their_examples_are_valid_replies():
    for mode, focus in ((Mode.PROJECT, None), (Mode.TASK, "T2")):
        system = prompts.system_prompt(PlanRequest(sample_tree(), mode, focus, "x"))
        assert "{{" not in system
        blocks = re.findall(r"```json\n(.*?)\n```", system, re.DOTALL)
        schema, example = (json.loads(block) for block in blocks)
        assert schema == model_schema()  # the one a decoder gets: no long bounds, a description per field
        PlanReply.model_validate(example)
    assert "focused task `T2`" in prompts.system_prompt(PlanRequest(sample_tree(), Mode.TASK, "T2", "x"))
    assert "At most 6 root tasks" in prompts.system_prompt(PlanRequest(sample_tree(), Mode.PROJECT, None, "x"))


def test_token_counts_use_litellms_tokenizer_once_it_is_loaded_and_estimate_before():
    import subprocess
    import sys

    probe = (
        "import os; os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] = 'True'\n"
        "from taskforge.agent.context import count_tokens, estimate_tokens\n"
        "text = 'Design the sign-up and login journeys ' * 20\n"
        "before = count_tokens(text, 'gpt-4o')\n"
        "import litellm\n"
        "after = count_tokens(text, 'gpt-4o')\n"
        "print(before == estimate_tokens(text), after == litellm.token_counter(model='gpt-4o', text=text), before != after)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "True", "True"], result.stderr
