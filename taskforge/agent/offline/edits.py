"""What the offline planner does once it has understood a message: each function returns an `Edit`.

Here: scaffolding a goal, decomposing a task, adding tasks and editing fields. Restructuring (delete,
combine, split, move) lives in `restructure`. Every edit is a list of patch operations that the
validator accepts on the current tree as they stand; anything that cannot be done raises `Refusal` with
a sentence for the user (both from `common`).
"""

from __future__ import annotations

import re

from taskforge.agent.offline.common import (
    Edit,
    Refusal,
    create,
    fit,
    format_duration,
    inline,
    listed,
    plural,
    quoted,
    sentence,
    update,
)
from taskforge.agent.offline.language import Scope, clean_title
from taskforge.agent.offline.playbooks import (
    StepTemplate,
    choose_breakdown,
    choose_playbook,
    choose_topic,
    templates_for,
)
from taskforge.core.limits import DESCRIPTION_MAX, MAX_DEPTH, MINUTES_PER_DAY
from taskforge.core.models import Priority, Status
from taskforge.core.patches import MetaUpdates
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree

MAX_CHILDREN = 7


# -- scaffolding a goal ---------------------------------------------------------------------------

_GOAL_PREAMBLE = re.compile(
    r"^(?:i want to|i'd like to|i would like to|we need to|we want to|i need to|help me|help us|let's|lets|"
    r"please|can you|could you|(?:a|the|our|my) goal is to|goal:)\s+",
    re.IGNORECASE,
)
_GOAL_VERB = re.compile(
    r"^(?:build|create|make|plan|organi[sz]e|set up|setup|develop|design|write|implement|put together|start|run|"
    r"prepare|deliver|produce|do|host|arrange)\s+",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:a|an|the|our|my|some)\s+", re.IGNORECASE)


def goal_title(goal: str) -> str:
    """ "Build a new user authentication flow" → "New user authentication flow"; verbs that carry
    meaning ("Migrate …", "Launch …") stay."""
    text = clean_line(goal).rstrip(".!?")
    while _GOAL_PREAMBLE.match(text):
        text = _GOAL_PREAMBLE.sub("", text)
    short = _ARTICLE.sub("", _GOAL_VERB.sub("", text, count=1), count=1)
    return clean_title(short) or clean_title(text) or "New project"


def scaffold(tree: Tree, goal: str, retitle: bool, title: str | None = None) -> Edit:
    """3–6 root deliverables from the playbook the goal matches, with real dependencies between them."""
    goal = clean_line(goal) or tree.project.title
    book, match = choose_playbook(goal)
    title = title or goal_title(goal)
    ops = []
    for template in book.tasks:
        ops.append(
            create(
                f"new-{template.id}",
                title=template.title,
                description=template.description,
                priority=template.priority,
                estimate_minutes=round(template.days * MINUTES_PER_DAY),
                acceptance_criteria=list(template.acceptance_criteria),
                depends_on=[f"new-{dep}" for dep in template.depends_on],
                tags=list(template.tags),
            )
        )
    summary = f"{sentence(fit(goal, 1_000))}\n\nPlan: {book.summary}"
    meta = MetaUpdates(title=title, summary=summary) if retitle else MetaUpdates(summary=summary)
    if match.score:
        source = f"the {book.name} playbook (matched {listed(quoted(word) for word in match.keywords)})"
    else:
        source = "a generic project lifecycle, as no playbook matched the goal"
    return Edit(
        f"scaffolded {quoted(title)} into {plural(len(ops), 'deliverable')} from {source}. "
        "Refine them with commands such as “combine the first two tasks”, or set TASKFORGE_MODEL for a tailored plan.",
        ops,
        meta,
    )


# -- task-mode decomposition ------------------------------------------------------------------------


def decompose(scope: Scope, key: str) -> Edit:
    """3–7 children for `key`: the matching playbook steps, or a generic breakdown about its title."""
    tree = scope.tree
    task = tree[key]
    depth = tree.depth(key)
    if depth >= MAX_DEPTH:
        raise Refusal(
            f"{scope.label(key)} is at depth {depth}, the deepest level taskforge allows, so it cannot have "
            f"sub-tasks. Split it into siblings instead (“split {key} into A and B”) or edit it directly."
        )
    context = " ".join([tree.project.title, tree.project.summary, *(tree[a].title for a in tree.ancestors(key))])
    found = templates_for(task.title, context)
    if found is not None:
        book, templates = found
        share = max(1, MAX_CHILDREN // len(templates))
        candidates = [(step.title, step) for template in templates for step in template.steps[:share]]
        source = f"the {book.name} playbook"
    else:
        breakdown, subject = choose_breakdown(task.title)
        candidates = [(_about(step.title, subject, task.title), step) for step in breakdown.steps]
        source = f"a generic {breakdown.name} breakdown"

    # Never suggest what is already there: decomposing twice adds only what is missing.
    taken = {tree[child].title.casefold() for child in tree.children[key]}
    taken.add(task.title.casefold())  # "Draft the agenda" is not a step of itself
    steps = []
    for title, step in candidates[:MAX_CHILDREN]:
        if fit(title).casefold() not in taken:
            taken.add(fit(title).casefold())
            steps.append((fit(title), step))
    if not steps:
        raise Refusal(
            f"{scope.label(key)} already has the sub-tasks I would suggest. Refine them with commands, "
            "or set TASKFORGE_MODEL for a free-form breakdown."
        )
    minutes = _share_estimate([step for _title, step in steps], task.estimate_minutes)
    ops = []
    stage: list[str] = []  # the steps running side by side right now
    before: list[str] = []  # what that stage waits for
    for index, ((title, step), estimate) in enumerate(zip(steps, minutes, strict=True), start=1):
        temp = f"step-{index}"
        if not (step.parallel and stage):
            before, stage = stage, []
        stage.append(temp)
        ops.append(
            create(
                temp,
                parent_task_id=key,
                title=title,
                description=_step_description(step),
                priority=task.priority,
                estimate_minutes=estimate,
                acceptance_criteria=[_about(done, "", task.title) for done in step.done],
                depends_on=list(before),
            )
        )
    return Edit(
        f"broke {scope.label(key)} into {plural(len(ops), 'sub-task')} from {source}; each waits for the step "
        "before it where order matters.",
        ops,
    )


def _about(template: str, subject: str, title: str) -> str:
    return template.replace("{subject}", inline(clean_line(subject) or title)).replace("{title}", inline(title))


def _step_description(step: StepTemplate) -> str:
    return "Steps:\n" + "\n".join(f"{n}. {item}" for n, item in enumerate(step.do, start=1)) if step.do else ""


def _share_estimate(steps: list[StepTemplate], budget: int | None) -> list[int]:
    """Each step's minutes: the template's hours, scaled so they add up to the parent's estimate."""
    raw = [step.hours * 60 for step in steps]
    if budget:
        raw = [minutes * budget / sum(raw) for minutes in raw]
    return [_human_minutes(minutes) for minutes in raw]


def _human_minutes(minutes: float) -> int:
    """Round to what a person would write: half hours under half a day, hours under two days, else half days."""
    step = 30 if minutes < MINUTES_PER_DAY / 2 else 60 if minutes < 2 * MINUTES_PER_DAY else MINUTES_PER_DAY // 2
    return max(30, round(minutes / step) * step)


# -- adding ------------------------------------------------------------------------------------------


def add(scope: Scope, titles: list[str], parent: str | None, position: int | None, where: str = "",
        given: dict | None = None) -> Edit:
    """New tasks under `parent` (at `position` among its children, or last), described sensibly.

    `where` says where they went when a position was asked for ("before T3"); `given` holds the fields the
    user set in the same breath (priority, estimate_minutes, depends_on)."""
    tree = scope.tree
    if parent is not None and tree.depth(parent) >= MAX_DEPTH:
        raise Refusal(f"{scope.label(parent)} is at depth {MAX_DEPTH}, the deepest level: it cannot have sub-tasks.")
    context = tree[parent].title if parent is not None else tree.project.title
    ops = []
    for index, title in enumerate(titles):
        fields = {**_new_task_fields(title, context or "the project"), **(given or {})}
        if position is not None:
            fields["position"] = position + index
        ops.append(create(f"new-{index + 1}", parent_task_id=parent, title=title, **fields))
    where = where or (f"under {scope.label(parent)}" if parent is not None else "at the top level")
    names = listed(quoted(title) for title in titles)
    return Edit(f"added {names} {where}{_given_text(given or {})}.", ops)


def _given_text(given: dict) -> str:
    """ " (high priority, estimated at 2 days, waits for T3)": what the user set on a new task."""
    said = []
    if "priority" in given:
        said.append(f"{given['priority'].value} priority")
    if "estimate_minutes" in given:
        said.append(f"estimated at {format_duration(given['estimate_minutes'])}")
    if given.get("depends_on"):
        said.append(f"waits for {listed(given['depends_on'])}")
    return f" ({', '.join(said)})" if said else ""


def _new_task_fields(title: str, context: str) -> dict:
    topic = choose_topic(title)
    if topic is None:
        return {
            "description": f"{title} for “{context}”: agree what done looks like, do the work, and check it "
            "against the acceptance criteria.",
            "acceptance_criteria": [f"What “done” means for {inline(title)} is written down",
                                    "Done, reviewed and accepted by whoever asked for it"],
        }
    fields = {
        "description": topic.description.replace("{context}", f"“{context}”"),
        "acceptance_criteria": list(topic.acceptance_criteria),
        "tags": list(topic.tags),
    }
    if topic.hours:
        fields["estimate_minutes"] = round(topic.hours * 60)
    return fields


# -- editing fields ----------------------------------------------------------------------------------


def rename(scope: Scope, key: str, title: str) -> Edit:
    old = scope.tree[key].title
    if old == title:
        raise Refusal(f"{key} is already called {quoted(title)}.")
    return Edit(f"renamed {key} {quoted(old)} to {quoted(title)}.", [update(key, title=title)])


def describe(scope: Scope, key: str, text: str, append: bool = False) -> Edit:
    """A new description, or with `append` a note added after the one there is ("add a note to T3: …")."""
    said = sentence(text)
    if not said:
        raise Refusal("the new description is empty: say “describe T3 as …”.")
    current = scope.tree[key].description.strip()
    description = (f"{current}\n\n{said}" if append and current else said)[:DESCRIPTION_MAX]
    verb = "added a note to the description of" if append else "set the description of"
    return Edit(f"{verb} {scope.label(key)}.", [update(key, description=description)])


def _set_field(scope: Scope, keys: list[str], name: str, value, done: str, already: str) -> Edit:
    """One field set on the tasks that differ; `done`/`already` are templates for {tasks} and {value}."""
    changing = [key for key in keys if getattr(scope.tree[key], name) is not value]
    if not changing:
        raise Refusal(already.format(tasks=listed(keys), value=value.value))
    return Edit(
        done.format(tasks=listed(scope.label(key) for key in changing), value=value.value),
        [update(key, **{name: value}) for key in changing],
    )


def set_status(scope: Scope, keys: list[str], status: Status) -> Edit:
    verb = "is" if len(keys) == 1 else "are"
    return _set_field(scope, keys, "status", status, "marked {tasks} as {value}.", f"{{tasks}} {verb} already {{value}}.")


def set_priority(scope: Scope, keys: list[str], priority: Priority) -> Edit:
    verb = "has" if len(keys) == 1 else "have"
    return _set_field(
        scope, keys, "priority", priority,
        "set the priority of {tasks} to {value}.", f"{{tasks}} already {verb} {{value}} priority.",
    )


def set_estimate(scope: Scope, keys: list[str], minutes: int) -> Edit:
    return Edit(
        f"set the estimate of {listed(scope.label(key) for key in keys)} to {format_duration(minutes)} "
        f"({minutes} minutes; a day is {MINUTES_PER_DAY}).",
        [update(key, estimate_minutes=minutes) for key in keys],
    )


def log_time(scope: Scope, keys: list[str], minutes: int) -> Edit:
    ops, totals = [], []
    for key in keys:
        total = (scope.tree[key].actual_minutes or 0) + minutes
        ops.append(update(key, actual_minutes=total))
        totals.append(f"{key} now {format_duration(total)}")
    return Edit(f"logged {format_duration(minutes)} on {listed(keys)} ({', '.join(totals)} spent).", ops)


def add_dependencies(scope: Scope, keys: list[str], needed: list[str]) -> Edit:
    ops, said = [], []
    for key in keys:
        if key in needed:
            raise Refusal(f"{key} cannot depend on itself.")
        current = scope.tree[key].depends_on
        new = [dep for dep in needed if dep not in current]
        if new:
            ops.append(update(key, depends_on=[*current, *new]))
            said.append(f"{scope.label(key)} now depends on {listed(new)}")
    if not ops:
        raise Refusal(f"{listed(keys)} already {'depends' if len(keys) == 1 else 'depend'} on {listed(needed)}.")
    return Edit("; ".join(said) + ".", ops)


def remove_dependencies(scope: Scope, keys: list[str], dropped: list[str]) -> Edit:
    ops, said = _undepend(scope, keys, dropped)
    if not ops:
        raise Refusal(f"{listed(keys)} {'does' if len(keys) == 1 else 'do'} not depend on {listed(dropped)}.")
    return Edit("; ".join(said) + ".", ops)


def remove_dependencies_between(scope: Scope, first: list[str], second: list[str]) -> Edit:
    """ "remove the dependency between T2 and T1": whichever way round it runs (both, if both)."""
    ops, said = _undepend(scope, first, second)
    more_ops, more_said = _undepend(scope, second, first)
    if not ops and not more_ops:
        raise Refusal(f"{listed(first)} and {listed(second)} do not depend on each other.")
    return Edit("; ".join(said + more_said) + ".", ops + more_ops)


def _undepend(scope: Scope, keys: list[str], dropped: list[str]) -> tuple[list, list[str]]:
    """The updates that take `dropped` out of each of `keys`' dependencies, and what each says."""
    ops, said = [], []
    for key in keys:
        current = scope.tree[key].depends_on
        kept = [dep for dep in current if dep not in dropped]
        if kept != current:
            ops.append(update(key, depends_on=kept))
            said.append(f"{key} no longer depends on {listed(dep for dep in current if dep in dropped)}")
    return ops, said


def clear_dependencies(scope: Scope, keys: list[str]) -> Edit:
    changing = [key for key in keys if scope.tree[key].depends_on]
    if not changing:
        raise Refusal(f"{listed(keys)} {'has' if len(keys) == 1 else 'have'} no dependencies.")
    return Edit(
        f"removed every dependency of {listed(scope.label(key) for key in changing)}.",
        [update(key, depends_on=[]) for key in changing],
    )


def clear_estimate(scope: Scope, keys: list[str]) -> Edit:
    changing = [key for key in keys if scope.tree[key].estimate_minutes is not None]
    if not changing:
        raise Refusal(f"{listed(keys)} {'has' if len(keys) == 1 else 'have'} no estimate already.")
    return Edit(
        f"cleared the estimate of {listed(scope.label(key) for key in changing)}.",
        [update(key, estimate_minutes=None) for key in changing],
    )


def unblock(scope: Scope, keys: list[str]) -> Edit:
    """Blocked tasks back to todo; one that is not blocked is left as it is rather than reset."""
    blocked = [key for key in keys if scope.tree[key].status is Status.BLOCKED]
    if not blocked:
        if len(keys) == 1:
            raise Refusal(f"{keys[0]} is not blocked (it is {scope.tree[keys[0]].status.value}), so there is nothing to unblock.")
        states = listed(f"{key} is {scope.tree[key].status.value}" for key in keys)
        raise Refusal(f"none of {listed(keys)} is blocked ({states}), so there is nothing to unblock.")
    return set_status(scope, blocked, Status.TODO)


def add_criteria(scope: Scope, key: str, criteria: list[str]) -> Edit:
    current = scope.tree[key].acceptance_criteria
    known = {criterion.casefold() for criterion in current}
    new = [criterion for criterion in dict.fromkeys(criteria) if criterion.casefold() not in known]
    if not new:
        raise Refusal(f"{key} already has that acceptance criterion.")
    return Edit(
        f"added the acceptance {'criterion' if len(new) == 1 else 'criteria'} {listed(quoted(c) for c in new)} "
        f"to {scope.label(key)}.",
        [update(key, acceptance_criteria=[*current, *new])],
    )


def add_tags(scope: Scope, keys: list[str], tags: list[str]) -> Edit:
    ops, changed = [], []
    for key in keys:
        current = scope.tree[key].tags
        new = [tag for tag in tags if tag not in current]
        if new:
            ops.append(update(key, tags=[*current, *new]))
            changed.append(scope.label(key))
    if not ops:
        raise Refusal(f"{listed(keys)} already {'has' if len(keys) == 1 else 'have'} {listed(tags)}.")
    return Edit(f"tagged {listed(changed)} with {listed(tags)}.", ops)


def remove_tags(scope: Scope, keys: list[str], tags: list[str] | None) -> Edit:
    """Tags off tasks; `None` takes every tag off."""
    ops, changed = [], []
    for key in keys:
        current = scope.tree[key].tags
        kept = [] if tags is None else [tag for tag in current if tag not in tags]
        if kept != current:
            ops.append(update(key, tags=kept))
            changed.append(scope.label(key))
    if not ops:
        what = "no tags" if tags is None else f"no tag {listed(tags)}"
        raise Refusal(f"{listed(keys)} {'has' if len(keys) == 1 else 'have'} {what}.")
    what = "every tag" if tags is None else f"the tag{'s' if len(tags) > 1 else ''} {listed(tags)}"
    return Edit(f"removed {what} from {listed(changed)}.", ops)


def replace_dependencies(scope: Scope, keys: list[str], old: list[str], new: list[str]) -> Edit:
    """ "make T4 depend on T2 instead of T3": the old dependencies out, the new ones in their place."""
    ops, said = [], []
    for key in keys:
        if key in new:
            raise Refusal(f"{key} cannot depend on itself.")
        current = scope.tree[key].depends_on
        if not any(dep in current for dep in old):
            raise Refusal(f"{key} does not depend on {listed(old)}; say “{key} depends on {listed(new)}” to add it.")
        replaced: list[str] = []
        for dep in current:
            for value in (new if dep in old else [dep]):
                if value not in replaced:
                    replaced.append(value)
        ops.append(update(key, depends_on=replaced))
        said.append(f"{scope.label(key)} now depends on {listed(new)} instead of {listed(old)}")
    return Edit("; ".join(said) + ".", ops)


def set_criteria(scope: Scope, key: str, criteria: list[str], done: str) -> Edit:
    """`done` begins the summary: "removed every" (acceptance criteria of …), "removed “X” from the"."""
    if criteria == scope.tree[key].acceptance_criteria:
        raise Refusal(f"{key} has no acceptance criteria to remove." if not criteria
                      else f"{key} already has exactly those acceptance criteria.")
    return Edit(f"{done} acceptance criteria of {scope.label(key)}.", [update(key, acceptance_criteria=criteria)])


def set_tags(scope: Scope, keys: list[str], tags: list[str]) -> Edit:
    return Edit(
        f"set the tags of {listed(scope.label(key) for key in keys)} to {listed(tags)}.",
        [update(key, tags=list(tags)) for key in keys],
    )
