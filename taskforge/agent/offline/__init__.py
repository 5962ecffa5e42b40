"""The offline planner: the rule-based default when no model is configured.

`planner` holds `OfflinePlanner` (the planner the service asks); `language` reads a message (`words`
matches tasks named by the words of their title), `commands` matches it against the command language,
`brief` turns a written brief's structure into a plan, `edits` and `restructure` turn it into patch operations,
`playbooks` loads the shipped knowledge from `data/playbooks/`, and `common` holds what several of them
share (the `Edit` and `Refusal` they return or raise, patch operations, wording helpers).
"""

from taskforge.agent.offline.planner import OfflinePlanner

__all__ = ["OfflinePlanner"]
