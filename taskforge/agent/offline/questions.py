"""Questions about the plan, answered in words with nothing proposed: what is left, what to do next, how a
task stands, and how long the rest will take.

An answer is raised as `Answer` (a `Refusal` that is no failure: the reply carries no patch). The facts
come from where the CLI gets them, `core.schedule` for what is next and the critical path and `present`
for how remaining work reads, so that the planner never disagrees with `taskforge next` or `show`.
"""

from __future__ import annotations

import re

from taskforge.agent.offline.common import Edit, Refusal, listed, plural
from taskforge.agent.offline.language import NotAReference, Scope, resolve_one
from taskforge.core.limits import MINUTES_PER_DAY
from taskforge.core.models import Status

_SHOWN = 10  # tasks named in an answer; more are counted


class Answer(Refusal):
    """A question answered with the plan's state: no patch, as with a refusal, but nothing went wrong."""


# -- the questions -----------------------------------------------------------------------------------

_LEFT = re.compile(
    r"^(?:what(?:'s| is| are)?\s+(?:still\s+)?(?:left|remaining|open|outstanding|not done|undone|unfinished|pending)"
    r"(?:\s+to\s+do)?|what\s+remains|what\s+still\s+needs\s+doing|what(?:'s| is)\s+still\s+to\s+do|"
    r"what\s+(?:do|have|did)\s+(?:we|i)\s+(?:still\s+)?(?:(?:got|have|need)\s+)?(?:left|to do|to finish)|"
    r"how\s+much\s+is\s+(?:still\s+)?left|how\s+(?:are\s+we|am\s+i|is\s+it|is\s+the\s+project)\s+(?:doing|going)|"
    r"(?:show|give)\s+(?:me\s+|us\s+)?(?:the\s+|an?\s+)?(?:plan|status|progress|overview|update|summary)|"
    r"what(?:'s| is)\s+the\s+status|where\s+are\s+we|status|progress|(?:show|list)\s+(?:me\s+)?(?:the\s+)?"
    r"(?:open|remaining|unfinished)?\s*tasks)(?:\s+(?:now|today|then))?$",
    re.I,
)
_NEXT = re.compile(r"^(?:what(?:'s| is| should)\s+(?:i|we)?\s*(?:do\s+)?next|what\s+(?:now|next)|"
                   r"what\s+should\s+(?:i|we)\s+(?:do|work on|start|start with|begin with|tackle|pick)(?:\s+next|\s+now|\s+first)?|next\s+task|what\s+to\s+do\s+next|"
                   r"what(?:'s| is)\s+(?:the\s+)?(?:next\s+step|most\s+important(?:\s+task)?|top\s+priority)|"
                   r"where\s+(?:should|do)\s+(?:i|we)\s+(?:start|begin)|which\s+task\s+(?:should\s+(?:i|we)\s+"
                   r"(?:do|start|pick)|is\s+next)(?:\s+next|\s+first)?)$", re.I)
_STARTABLE = re.compile(r"^(?:what\s+(?:can|could)\s+(?:i|we)\s+(?:start|do|work on|pick up|begin)(?:\s+now|\s+next|\s+today)?|"
                        r"what(?:'s| is| are)\s+(?:actionable|ready|unblocked|startable|ready to start)(?:\s+now)?|"
                        r"which\s+tasks\s+(?:are|can)\s+(?:ready|actionable|unblocked|be started|start)(?:\s+now)?)$", re.I)
# "status of T2", "what's the status of the rollout", "how is T2 going", "is T3 done?"
_STATUS_OF = [
    re.compile(r"^(?:what(?:'s| is)\s+)?(?:the\s+)?(?:current\s+)?(?:status|state|progress)\s+(?:of|on|for)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?:how(?:'s|\s+is|\s+are)|where(?:'s|\s+is|\s+are))\s+(?P<t>.+?)\s+(?:going|doing|coming\s+along|"
               r"getting\s+on|progressing|looking|at)(?:\s+(?:now|today|so far))?$", re.I),
    re.compile(r"^where\s+(?:are|do|am)\s+(?:we|i)\s+(?:at\s+|standing\s+|stand\s+)?(?:with|on)\s+(?P<t>.+)$", re.I),
    re.compile(r"^(?:is|are|has|have)\s+(?P<t>.+?)\s+(?:been\s+)?(?:done|finished|complete|completed|started|blocked|"
               r"in progress|ready)(?:\s+yet|\s+already)?$", re.I),
    re.compile(r"^(?P<t>.+?)(?:'s|’s)?\s+status$|^status\s+(?:of\s+)?(?P<u>.+)$", re.I),
    re.compile(r"^(?:tell\s+me\s+about|show(?:\s+me)?|details\s+(?:of|for|on))\s+(?P<t>.+)$", re.I),
    re.compile(r"^what(?:'s|\s+is)\s+(?:blocking|holding\s+up|holding\s+back|stopping)\s+(?P<t>.+)$", re.I),
    re.compile(r"^what\s+(?:is|are|does|do)\s+(?P<t>.+?)\s+(?:waiting\s+(?:for|on)|depend(?:ing)?\s+on|blocked\s+(?:by|on)|need)$",
               re.I),
]
# "what depends on T3?", "which tasks wait for the design"
_DEPENDENTS = re.compile(r"^(?:what|which\s+tasks?|who)\s+(?:depends?\s+on|waits?\s+(?:for|on)|is\s+waiting\s+(?:for|on)|"
                         r"are\s+waiting\s+(?:for|on)|needs?|is\s+blocked\s+by|are\s+blocked\s+by)\s+(?P<t>.+)$", re.I)
# "which tasks are blocked", "what's in progress", "what am I working on", "what's done"
_IN_STATE = re.compile(r"^(?:what(?:'s|\s+is|\s+are)|which\s+(?:tasks?|ones?)\s+(?:are|is))\s+(?:still\s+|currently\s+|now\s+)?"
                       r"(?P<s>blocked|stuck|on hold|in progress|underway|being worked on|started|doing|done|finished|"
                       r"complete|completed|todo|to do|not started)(?:\s+now|\s+so far|\s+already)?$|"
                       r"^what\s+(?:am\s+i|are\s+we)\s+(?P<doing>working\s+on|doing)(?:\s+now|\s+right\s+now)?$", re.I)
_STATES = {"blocked": Status.BLOCKED, "stuck": Status.BLOCKED, "on hold": Status.BLOCKED, "done": Status.DONE,
           "finished": Status.DONE, "complete": Status.DONE, "completed": Status.DONE, "todo": Status.TODO,
           "to do": Status.TODO, "not started": Status.TODO}
_UNDO = re.compile(r"^(?:undo|redo|revert|roll\s*back|go\s+back|take\s+(?:that|it)\s+back)(?:\s+(?:that|it|this|the\s+last\s+"
                   r"(?:change|patch|step|one)|my\s+last\s+change|please))?$", re.I)
# People and dates: the plan has neither, and the reply says what orders work instead
_NO_PEOPLE_OR_DATES = re.compile(
    r"^(?:(?:re)?assign\s+.+\s+to\s+.+|who(?:'s|\s+is)\s+(?:working\s+on|doing|on|assigned\s+to|responsible\s+for|"
    r"the\s+owner\s+of)\s+.+|.+\s+is\s+(?:assigned|given)\s+to\s+.+|(?:set|add|give|change|put)\s+(?:a\s+|the\s+)?"
    r"(?:due\s+date|deadline)\b.*|.+\s+is\s+due\s+(?:on|by|in|at|next)\s+.+|when\s+is\s+the\s+deadline(?:\s+.+)?)$", re.I)
_HOW_MANY = re.compile(r"^how\s+many\s+(?:tasks|things|items)\s+(?:are\s+there|do\s+we\s+have|are\s+(?:still\s+)?(?:left|open|"
                       r"remaining)|remain|(?:still\s+)?to\s+go|are\s+not\s+done)$", re.I)
# "is there a task for docs?", "do we have a task for password reset?"
_IS_THERE = re.compile(r"^(?:is\s+there|do\s+we\s+(?:already\s+)?have|have\s+we\s+got|does\s+the\s+plan\s+(?:have|include|cover))"
                       r"\s+(?:a|an|any|already\s+a)\s+(?:task|step|item)s?\s+(?:for|about|on|covering|called|named)\s+(?P<t>.+)$",
                       re.I)
# "how long will it take", "when will the rollout be done", "how much work is left on T3", "critical path"
_HOW_LONG = [
    re.compile(r"^how\s+long\s+(?:will|would|does|do|should|is|did|could)\s+(?P<t>.+?)\s+(?:take|last|need|be)"
               r"(?:\s+to\s+(?:finish|complete|do|build|get\s+done))?(?:\s+still|\s+now)?$", re.I),
    re.compile(r"^how\s+long\s+(?:until|till|before)\s+(?P<t>.+?)\s+(?:is|are|will be|'s)\s+(?:done|finished|complete|"
               r"ready|over|shipped|live)$", re.I),
    re.compile(r"^when\s+(?:will|would|can|could|should|is|are|do|does)\s+(?P<t>.+?)\s+(?:be\s+)?(?:done|finished|"
               r"complete|completed|ready|over|shipped|live|ship|launch|go\s+live|finish|end|due)(?:\s+by)?$", re.I),
    re.compile(r"^how\s+(?:long|much\s+(?:longer|more\s+time|time|work|effort))\s*(?:is\s+|are\s+)?(?:still\s+)?"
               r"(?:left|remaining|remains|to\s+go)?(?:\s+(?:on|for|in|with)\s+(?P<t>.+))?$", re.I),
    re.compile(r"^(?:how\s+(?:long|big|large)\s+is\s+(?P<t>.+?)|what(?:'s|\s+is)\s+(?:the\s+)?(?:estimate|size)\s+(?:for|of|on)\s+"
               r"(?P<u>.+?)|what(?:'s|\s+is)\s+(?P<v>.+?)(?:'s|’s)\s+(?:estimate|size))$", re.I),
    re.compile(r"^how\s+many\s+(?:days|hours|weeks)\s+(?:of\s+work\s+)?(?:are\s+|is\s+)?(?:still\s+)?(?:left|remaining|to\s+go)"
               r"(?:\s+(?:on|for|in)\s+(?P<t>.+))?$", re.I),
    re.compile(r"^(?:what(?:'s| is)\s+|show(?:\s+me)?\s+)?(?:the\s+)?(?:critical\s+path|eta|timeline|estimated\s+"
               r"(?:completion|finish|end)|total\s+(?:estimate|work|effort)|remaining\s+(?:work|effort|time))"
               r"(?:\s+(?:of|for|on)\s+(?P<t>.+))?$", re.I),
]
_WHOLE = re.compile(r"^(?:it|this|that|everything|all(?:\s+of\s+(?:it|this|them))?|we|us|i|things|the\s+rest|"
                    r"(?:the|this|our|my)\s+(?:whole\s+|entire\s+)?(?:project|plan|thing|work|lot|tasks))$", re.I)


def question(text: str, bare: str, scope: Scope) -> Edit | None:
    if _LEFT.match(bare):
        raise Answer(_left(scope))
    if _NEXT.match(bare):
        raise Answer(_next(scope))
    if _STARTABLE.match(bare):
        raise Answer(_startable(scope))
    if _HOW_MANY.match(bare):
        raise Answer(_left(scope))
    if match := _IN_STATE.match(bare):
        said = "doing" if match["doing"] else match["s"].lower()
        raise Answer(_in_state(scope, _STATES.get(said, Status.DOING), said))
    if _NO_PEOPLE_OR_DATES.match(bare):
        raise Answer("taskforge plans the work, not people or dates: tasks have no assignee or due date to set. "
                     "Priority, order and dependencies say what comes first (“make T3 urgent”, “move T3 to the top”, "
                     "“T3 depends on T2”), and “how long will it take?” answers from the estimates. Nothing was changed.")
    if _UNDO.match(bare):
        raise Answer("undoing is yours, not a change I propose: press ctrl+z in the app (ctrl+y redoes it), or run "
                     "“taskforge undo PROJECT” (“taskforge redo PROJECT”); every applied change comes back exactly. "
                     "Nothing was changed.")
    if (match := _DEPENDENTS.match(bare)) and (key := resolve_one(scope, match["t"])):
        raise Answer(_dependents(scope, key))
    if match := _IS_THERE.match(bare):
        raise Answer(_is_there(scope, match["t"]))
    for pattern in _HOW_LONG:
        if (match := pattern.match(bare)) and (subject := _subject(scope, _named(match))) is not None:
            raise Answer(_how_long(scope, subject or None))
    for pattern in _STATUS_OF:
        if (match := pattern.match(bare)) and (subject := _subject(scope, _named(match))):
            raise Answer(_status(scope, subject))
        if match and subject == "":  # "how is it going": the whole plan
            raise Answer(_left(scope))
    return None


def _named(match: re.Match) -> str | None:
    """The task phrase of a question pattern, whichever of its alternatives (t, u, v) caught it."""
    return next((phrase for name in ("t", "u", "v") if (phrase := match.groupdict().get(name))), None)


def _subject(scope: Scope, phrase: str | None) -> str | None:
    """What a question is about: a task's key, "" for the whole plan (or the focus in task mode), None when
    the phrase names nothing, so the question is not this one."""
    if phrase is None or _WHOLE.match(phrase.strip()):
        return scope.focus or ""
    return resolve_one(scope, phrase)


# -- the answers -------------------------------------------------------------------------------------


def _left(scope: Scope) -> str:
    tree = scope.tree
    keys = _in_scope(scope)
    left = [key for key in keys if tree[key].status is not Status.DONE]
    if not left:
        return f"everything is done ({plural(len(keys), 'task')}). Nothing was changed."
    shown = _some([f"{scope.label(key)} ({tree[key].status.value})" for key in left])
    return (f"{len(left)} of {len(keys)} tasks are not done: {shown}. Say “mark T3 done” as they get done; "
            "nothing was changed.")


def _in_scope(scope: Scope) -> list[str]:
    return list(scope.tree.subtree(scope.focus)) if scope.task_mode else list(scope.tree.walk())


def _some(items: list[str], separator: str = ", ") -> str:
    """The first few items of an answer's list, and how many more there are."""
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return separator.join(items[:_SHOWN]) + more


def _in_state(scope: Scope, status: Status, said: str) -> str:
    found = [key for key in _in_scope(scope) if scope.tree[key].status is status]
    if not found:
        return f"no task is {said}{'' if said == status.value else f' ({status.value})'}. Nothing was changed."
    shown = _some([scope.label(key) for key in found])
    return f"{plural(len(found), 'task')} {'is' if len(found) == 1 else 'are'} {status.value}: {shown}. Nothing was changed."


def _dependents(scope: Scope, key: str) -> str:
    tree = scope.tree
    waiting = [other for other in tree.walk() if key in tree[other].depends_on]
    if not waiting:
        return f"nothing depends on {scope.label(key)}. Nothing was changed."
    return (f"{listed(scope.label(other) for other in waiting)} {'waits' if len(waiting) == 1 else 'wait'} for {key}. "
            "Nothing was changed.")


def _is_there(scope: Scope, phrase: str) -> str:
    try:
        keys = scope.many(phrase)
    except NotAReference:
        return f"no task’s title has the words “{phrase}”: say “add {phrase}” to add one. Nothing was changed."
    return f"yes: {listed(scope.label(key) for key in keys)}. Nothing was changed."


def _next(scope: Scope) -> str:
    ready, outside, why_not = _actionable(scope)
    if not ready:
        return f"nothing can start: {why_not}. Nothing was changed."
    first = ready[0]
    why = first.reason.removeprefix(f"{first.key}: ")
    return (f"{outside}do {scope.label(first.key)} next: {why}. Say “start {first.key}” to mark it doing; "
            "nothing was changed.")


def _startable(scope: Scope) -> str:
    ready, outside, why_not = _actionable(scope)
    if not ready:
        return f"nothing can start: {why_not}. Nothing was changed."
    shown = _some([f"{scope.label(s.key)} ({s.reason.removeprefix(f'{s.key}: ')})" for s in ready], "; ")
    return f"{outside}{plural(len(ready), 'task')} can start now, best first: {shown}. Nothing was changed."


def _actionable(scope: Scope) -> tuple[list, str, str]:
    """What `taskforge next --all` lists, best first: in task mode what lies in the focus, or when nothing
    there can start, the whole project's with a sentence saying so; and why nothing can, when nothing can."""
    from taskforge.core.schedule import schedule  # what `taskforge next` says, from the same place

    plan = schedule(scope.tree)
    inside = [suggestion for suggestion in plan.actionable if scope.contains(suggestion.key)]
    if inside or not plan.actionable:
        return inside, "", plan.none_reason
    return list(plan.actionable), f"nothing in {scope.label(scope.focus)} can start yet. In the whole project, ", ""


def _status(scope: Scope, key: str) -> str:
    """ "T5 “Roll out” is todo, high priority, estimated at 6d, waiting for T3 and T4, on the critical path"."""
    from taskforge.core.schedule import schedule
    from taskforge.core.tree import format_minutes

    tree = scope.tree
    task = tree[key]
    facts = [f"{task.priority.value} priority"]
    if task.estimate_minutes:
        facts.append(f"estimated at {format_minutes(task.estimate_minutes)}")
    if task.actual_minutes:
        facts.append(f"{format_minutes(task.actual_minutes)} spent")
    below = tree.subtree(key)[1:]
    if below:
        done = sum(tree[sub].status is Status.DONE for sub in below)
        facts.append(f"{done} of its {plural(len(below), 'sub-task')} done")
    if task.status is not Status.DONE:
        waiting = [dep for dep in task.depends_on if dep in tree and tree[dep].status is not Status.DONE]
        plan = schedule(tree)
        if waiting:
            facts.append(f"waiting for {listed(waiting)}")
        elif any(suggestion.key == key for suggestion in plan.actionable):
            facts.append("ready to work on now")
        if key in plan.critical:
            facts.append("on the critical path")
    return f"{scope.label(key)} is {task.status.value}: {', '.join(facts)}. Nothing was changed."


def _how_long(scope: Scope, key: str | None) -> str:
    """The remaining estimated work of the plan along its critical path, or of one task."""
    from taskforge.core.schedule import schedule
    from taskforge.core.tree import format_minutes
    from taskforge.present import path_keys, remaining_text

    tree = scope.tree
    plan = schedule(tree)
    if key is not None:
        task, work = tree[key], tree.rollups()[key].estimate_minutes
        if task.status is Status.DONE:
            return f"{scope.label(key)} is done. Nothing was changed."
        if not work:
            return (f"{scope.label(key)} has no estimate, so I cannot say: “estimate {key} at 2 days” gives it one. "
                    "Nothing was changed.")
        on_path = ", on the critical path" if key in plan.critical else ""
        whole = f" The whole plan: {remaining_text(plan)}." if plan.remaining_minutes else ""
        return f"{scope.label(key)} is estimated at {format_minutes(work)} of work{on_path}.{whole} Nothing was changed."
    if not plan.remaining_minutes:
        if plan.none_reason and not plan.actionable:
            return f"{plan.none_reason}. Nothing was changed."
        return ("no open task has an estimate, so I cannot say how long the rest takes: estimate them (“estimate T3 "
                "at 2 days”) and ask again. Nothing was changed.")
    return (f"the rest takes at least {format_minutes(plan.path_minutes)} of work, along the critical path "
            f"{path_keys(plan.path)}; {format_minutes(plan.remaining_minutes)} of work is left in all (a day is "
            f"{MINUTES_PER_DAY // 60} hours; tasks off the path can run alongside it). Nothing was changed.")
