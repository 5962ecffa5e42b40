"""`trusted` builds models that behave exactly like validated ones (it leans on pydantic's internals,
so this is what tells us when a pydantic upgrade changes them)."""

from __future__ import annotations

import copy
import pickle

from taskforge.core.models import Priority, Status, Task, trusted
from taskforge.core.patches import Op, TaskFields, TaskPatch


def test_a_trusted_task_is_a_validated_task():
    values = {
        "key": "T3", "parent_key": "T1", "title": "Write docs", "description": "d", "status": Status.DOING,
        "priority": Priority.HIGH, "estimate_minutes": 30, "actual_minutes": None,
        "acceptance_criteria": ["a"], "depends_on": ["T2"], "tags": ["x"],
    }
    fast, slow = trusted(Task, dict(values)), Task(**values)
    assert fast == slow and slow == fast
    assert repr(fast) == repr(slow)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"title": "New"}) == slow.model_copy(update={"title": "New"})
    assert copy.deepcopy(fast) == slow
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert hash(fast.title) == hash(slow.title)


def test_trusted_keeps_which_fields_were_set():
    body = dict.fromkeys(TaskFields.model_fields) | {"title": "T", "position": 2}
    fast = trusted(TaskFields, body, {"title", "position"})
    slow = TaskFields(title="T", position=2)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.given() == slow.given()
    op = trusted(TaskPatch, {"op": Op.CREATE, "task_id": "n1", "body": fast, "cascade": False}, {"op", "task_id", "body"})
    assert op.model_dump(mode="json", exclude_unset=True) == TaskPatch(op="create", task_id="n1", body=slow).model_dump(
        mode="json", exclude_unset=True
    )
