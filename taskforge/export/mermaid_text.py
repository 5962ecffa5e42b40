"""User text inside Mermaid source: one line, and no character that Mermaid's grammars give a meaning.

`#` starts a comment or an entity, `:` separates a gantt task's name from its data, `;` ends a
statement, `%` starts a comment or directive, `"` ends a quoted label and a leading backtick makes one
Markdown; labels may be drawn as HTML, where `<`, `>` and `&` mean markup. Each becomes its full-width
twin, which reads the same and means nothing to Mermaid or to HTML.
"""

from __future__ import annotations

from taskforge.core.text import clean_line

_FULL_WIDTH = str.maketrans(
    {"#": "＃", ":": "：", ";": "；", "%": "％", '"': "＂", "`": "｀", "<": "＜", ">": "＞", "&": "＆"}
)


def label(text: str) -> str:
    return clean_line(text).translate(_FULL_WIDTH)
