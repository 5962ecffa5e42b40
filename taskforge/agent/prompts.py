"""The prompts in `prompts/`, filled in: the mode's rules with the reply schema and a worked example."""

from __future__ import annotations

import json
from typing import Any

from taskforge.agent.context import user_prompt
from taskforge.agent.planner import PlanRequest
from taskforge.agent.schema import model_schema
from taskforge.core.models import Mode
from taskforge.core.patches import Problem
from taskforge.resources import prompt

PROBLEMS_SHOWN = 20

PROJECT_EXAMPLE: dict[str, Any] = {
    "rationale": "Three deliverables: the journeys first, then the API and the screens that build on them.",
    "meta_updates": {"title": "New user authentication flow", "summary": "Sign-up, login and recovery."},
    "task_patches": [
        {
            "op": "create",
            "task_id": "n1",
            "body": {
                "title": "User journeys and security requirements",
                "description": "Map sign-up, login, logout and password recovery; agree on session rules.",
                "priority": "high",
                "estimate_minutes": 2400,
                "acceptance_criteria": ["Journeys reviewed by product and security"],
            },
        },
        {
            "op": "create",
            "task_id": "n2",
            "body": {
                "title": "Authentication API",
                "description": "Endpoints for sign-up, login, logout and recovery.",
                "estimate_minutes": 4800,
                "depends_on": ["n1"],
                "acceptance_criteria": ["Every endpoint has integration tests"],
            },
        },
        {
            "op": "update",
            "task_id": "T4",
            "body": {"title": "Login and sign-up screens", "depends_on": ["n2"]},
        },
    ],
}

TASK_EXAMPLE: dict[str, Any] = {
    "rationale": "Split the login form into its markup, validation and the call to the API.",
    "meta_updates": {},
    "task_patches": [
        {
            "op": "create",
            "task_id": "n1",
            "body": {
                "parent_task_id": "T3",
                "title": "Form markup and accessible labels",
                "estimate_minutes": 240,
                "acceptance_criteria": ["Passes an axe accessibility check"],
            },
        },
        {
            "op": "create",
            "task_id": "n2",
            "body": {
                "parent_task_id": "T3",
                "title": "Client-side validation",
                "description": "Email format, required fields, inline errors.",
                "estimate_minutes": 240,
                "depends_on": ["n1"],
                "acceptance_criteria": ["Errors show next to the field that caused them"],
            },
        },
    ],
}


def _fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    return template


def system_prompt(request: PlanRequest) -> str:
    schema = json.dumps(model_schema(), separators=(",", ":"), ensure_ascii=False)
    if request.mode is Mode.TASK:
        example = json.dumps(TASK_EXAMPLE, indent=1).replace('"T3"', json.dumps(request.focus or "T3"))
        return _fill(prompt("task_mode"), schema=schema, example=example, focus=str(request.focus))
    return _fill(prompt("project_mode"), schema=schema, example=json.dumps(PROJECT_EXAMPLE, indent=1))


def messages(request: PlanRequest) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt(request)},
        {"role": "user", "content": user_prompt(request)},
    ]


def repair_prompt(problems: list[Problem]) -> str:
    lines = [f"- {problem}" for problem in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"- … and {len(problems) - PROBLEMS_SHOWN} more problems of the same kinds")
    return _fill(prompt("repair"), errors="\n".join(lines))
