"""Task-mode prompt size for one task of the 10k-task project, against the size of the full outline.

The prompt is what the litellm planner sends (system prompt with schema and example, plus the user
message with the bounded context), counted with litellm's tokenizer for gpt-4o. The figure is the
largest prompt over the tasks that stress the context most (most children, most siblings, deepest)
and a sample of others; the baseline is the outline of the whole project, as a naive prompt would
embed it. Target: at most 6,000 tokens.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import Row, database, project_id, run_figure  # noqa: E402

FIGURE = "task-mode prompt size, one task in a 10k project vs full outline"
TARGET_TOKENS = 6_000
MODEL = "gpt-4o"


def measure() -> Row:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm  # noqa: F401  (loaded, so count_tokens uses litellm's tokenizer, not the estimate)

    from taskforge.agent import prompts
    from taskforge.agent.context import count_tokens, outline
    from taskforge.agent.planner import PlanRequest
    from taskforge.core.models import Mode
    from taskforge.store.reader import open_reader

    with open_reader(str(database(10_000))) as reader:
        tree = reader.load(project_id(10_000))

    def tokens(text: str) -> int:
        return count_tokens(text, MODEL)

    most_children = max(tree.tasks, key=lambda k: len(tree.children.get(k, ())))
    most_siblings = max(tree.tasks, key=lambda k: len(tree.children.get(tree[k].parent_key, ())))
    deepest = max(tree.tasks, key=tree.depth)
    sample = random.Random(5).sample(sorted(tree.tasks), 20)
    sizes = {}
    for focus in {most_children, most_siblings, deepest, *sample}:
        messages = prompts.messages(PlanRequest(tree, Mode.TASK, focus, "break this down"))
        sizes[focus] = sum(tokens(m["content"]) for m in messages)
    worst = max(sizes, key=sizes.get)
    full = tokens(outline(tree, 10**9))
    ratio = sizes[worst] / full
    return Row(
        FIGURE,
        ours=f"{sizes[worst]:,} tokens (largest of {len(sizes)} tasks, {worst})",
        baseline=f"{full:,} tokens",
        ratio=f"{ratio:.3f}×",
        target=f"≤ {TARGET_TOKENS:,} tokens",
        met="yes" if sizes[worst] <= TARGET_TOKENS else "no",
    )


if __name__ == "__main__":
    run_figure(FIGURE, f"≤ {TARGET_TOKENS:,} tokens", measure)
