"""The agent service with a scripted planner: what is stored, what is written, and when."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from taskforge.agent.planner import Draft, PlannerError, PlanReply, PlanRequest, Usage
from taskforge.agent.service import AgentService
from taskforge.core.errors import BadInput, UnknownTask
from taskforge.core.models import Mode
from taskforge.core.patches import PatchError
from tests.builders import chain, create, delete, patch, update


@dataclass
class ScriptedPlanner:
    replies: list[dict]
    name: str = "scripted"
    requests: list[PlanRequest] = field(default_factory=list)

    def plan(self, request, check, progress=None, cancel=None) -> Draft:
        self.requests.append(request)
        reply = PlanReply.model_validate(self.replies.pop(0))
        return Draft(reply, model="scripted-1", usage=Usage(prompt_tokens=10, completion_tokens=5))


def reply(*ops, rationale="Because.", **meta) -> dict:
    return {"rationale": rationale, "meta_updates": meta, "task_patches": list(ops)}


def test_a_goal_makes_a_new_project_only_when_accepted(repo):
    planner = ScriptedPlanner([reply(create("n1", "Design"), create("n2", "Build", depends_on=["n1"]), title="Auth")])
    service = AgentService(repo, planner)

    proposal = service.propose(None, Mode.PROJECT, None, "Build a new user authentication flow")

    assert proposal.new_project is not None and proposal.project_id == "build-a-new-user-authentication-flow"
    assert planner.requests[0].new_project and not len(planner.requests[0].tree)
    assert repo.projects() == []
    applied = service.accept(proposal)
    tree = repo.load(applied.tree.project.id)
    assert [tree[k].title for k in tree.roots] == ["Design", "Build"] and tree.project.title == "Auth"
    assert [(m.role, m.content) for m in repo.messages(tree.project.id, None)][:2] == [
        ("user", "Build a new user authentication flow"),
        ("agent", "Because."),
    ]


def test_a_second_project_from_the_same_goal_gets_its_own_id(repo):
    goal = "Plan the offsite"
    for _ in range(2):
        service = AgentService(repo, ScriptedPlanner([reply(create("n1", "Venue"))]))
        service.accept(service.propose(None, Mode.PROJECT, None, goal))
    assert sorted(p.id for p in repo.projects()) == ["plan-the-offsite", "plan-the-offsite-2"]


def test_the_conversation_is_kept_per_focus_and_fed_back(repo, sample):
    planner = ScriptedPlanner([reply(update("T1", title="Design v2")), reply(create("n1", "Step", parent_task_id="T1")), reply(update("T6", title="Ship it"))])
    service = AgentService(repo, planner)

    service.reject(service.propose("sample", Mode.PROJECT, None, "rename the first"))
    service.propose("sample", Mode.TASK, "T1", "break this down")
    service.propose("sample", Mode.PROJECT, None, "rename the last")

    project_talk = [(m.role, m.content) for m in repo.messages("sample", None)]
    assert project_talk == [
        ("user", "rename the first"), ("agent", "Because."), ("note", "Rejected: nothing was changed."),
        ("user", "rename the last"), ("agent", "Because."),
    ]
    assert [m.content for m in repo.messages("sample", "T1")] == ["break this down", "Because."]
    third = planner.requests[2]
    assert [m.content for m in third.conversation] == ["rename the first", "Because.", "Rejected: nothing was changed."]
    assert planner.requests[1].conversation == ()  # task mode has its own conversation


def test_accepting_some_operations_records_the_rejected_ones(repo, sample):
    ops = [create("n1", "Docs"), create("n2", "API reference", parent_task_id="n1"), update("T6", title="Ship it")]
    service = AgentService(repo, ScriptedPlanner([reply(*ops)]))
    proposal = service.propose("sample", Mode.PROJECT, None, "docs")

    applied = service.accept(proposal, kept={1, 2})  # n2 needs n1, which is off: n2 goes too

    tree = repo.load("sample")
    assert tree["T6"].title == "Ship it" and "Docs" not in {t.title for t in tree.tasks.values()}
    record = repo.history("sample")[-1]
    assert [r.index for r in record.rejected_ops] == [0, 1]
    assert record.planner == "scripted" and record.model == "scripted-1" and record.usage["prompt_tokens"] == 10
    assert repo.messages("sample", None)[-1].content == f"Applied as change #{applied.record.seq} (1 of 3 operations kept)."


def test_a_proposal_made_stale_by_another_change_is_refused_whole(repo, sample):
    service = AgentService(repo, ScriptedPlanner([reply(update("T1", title="Mine")), reply(update("T6", title="Theirs"))]))
    mine = service.propose("sample", Mode.PROJECT, None, "a")
    service.accept(service.propose("sample", Mode.PROJECT, None, "b"))
    before = repo.load("sample").snapshot()

    with pytest.raises(PatchError) as caught:
        service.accept(mine)
    assert caught.value.conflict and caught.value.exit_code == 3
    assert repo.load("sample").snapshot() == before


def test_an_invalid_planner_reply_is_never_offered(repo, sample):
    service = AgentService(repo, ScriptedPlanner([reply(delete("T99"))]))
    with pytest.raises(PlannerError, match="T99"):
        service.propose("sample", Mode.PROJECT, None, "delete it")


def test_task_mode_needs_a_real_focus_that_can_still_have_children(repo, sample):
    service = AgentService(repo, ScriptedPlanner([]))
    with pytest.raises(UnknownTask):
        service.propose("sample", Mode.TASK, "T42", "break this down")
    repo.apply_patch(patch(*chain(None, ["d1", "d2", "d3", "d4", "d5"]), base=1), mode=Mode.PROJECT)
    tree = repo.load("sample")
    deepest = max(tree.tasks, key=tree.depth)
    with pytest.raises(BadInput, match="deepest"):
        service.propose("sample", Mode.TASK, deepest, "break this down")


@pytest.mark.parametrize("message", ["", "   \n\t", "\x00\x07 \x1b"])
def test_an_empty_message_is_refused(repo, sample, message):
    with pytest.raises(BadInput, match="empty"):
        AgentService(repo, ScriptedPlanner([])).propose("sample", Mode.PROJECT, None, message)


def test_turning_every_operation_off_writes_nothing(repo, sample):
    service = AgentService(repo, ScriptedPlanner([reply(update("T1", title="x"))]))
    proposal = service.propose("sample", Mode.PROJECT, None, "a")
    with pytest.raises(BadInput, match="turned off"):
        service.accept(proposal, kept=set())
    assert repo.load("sample").snapshot() == sample.snapshot()


def test_the_exchange_is_one_write_and_a_caller_may_keep_it_out(repo, sample, monkeypatch):
    service = AgentService(repo, ScriptedPlanner([reply(), reply(update("T1", title="Design v2"))]))
    nothing = service.propose("sample", Mode.PROJECT, None, "hello", remember=False)
    assert not nothing.has_patch and repo.messages("sample", None) == []  # `plan` exits 1: nothing written

    writes = []
    monkeypatch.setattr(repo, "add_message", lambda *args, **kw: pytest.fail("one message per transaction"))
    original = repo.add_messages
    monkeypatch.setattr(repo, "add_messages", lambda *args: writes.append(args) or original(*args))
    service.propose("sample", Mode.PROJECT, None, "rename the first")
    assert len(writes) == 1  # the user's message and the answer land together, or neither does
    assert [(m.role, m.content) for m in repo.messages("sample", None)] == [("user", "rename the first"), ("agent", "Because.")]
