"""A written brief (a Markdown PRD, a numbered plain-text spec) turned into a plan by its own structure.

The author already said what the deliverables are: the top-level headings, or the numbered sections of
plain text. Each becomes a root task (at most `MAX_NEW_ROOTS`; later ones go under a last "Further work"
task), its paragraphs the description, and its bullets the sub-tasks. A bullet that says "must" or "should"
is a requirement: it becomes the sub-task's acceptance criterion and sets its priority. Sections that
describe rather than ask (Overview, Background, Non-goals, Open questions …) go into the project summary.
A brief with fewer than two such sections has no structure to follow: the caller falls back to the
playbooks. Everything here is the user's text, used as data: cleaned of control characters, never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from taskforge.agent.offline.common import Edit, create, fit, plural, quoted
from taskforge.agent.offline.language import clean_title
from taskforge.core.limits import DESCRIPTION_MAX, MAX_NEW_ROOTS
from taskforge.core.models import Priority
from taskforge.core.patches import MetaUpdates
from taskforge.core.text import clean_line
from taskforge.core.tree import Tree

MAX_SUBTASKS = 12  # per section; the rest are listed in the section task's description
SUMMARY_MAX = 1_500

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(?:=+|-+)\s*$")
_NUMBERED_SECTION = re.compile(r"^(?:section\s+|part\s+)?(?P<n>\d{1,2}|[ivx]{1,4})[.):]\s+(?P<text>\S.*)$", re.I)
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+•▪◦]|\d{1,3}[.)]|[a-z][.)]|\[[ xX]\])\s+(?P<text>\S.*)$")
_CHECKBOX = re.compile(r"^\[[ xX]\]\s+")
_NOT_WORK = re.compile(
    r"^(?:overview|background|context|introduction|intro|summary|executive summary|problem(?: statement)?|"
    r"motivation|why|goals?(?: and non-goals)?|objectives?|non-goals?|out of scope|not in scope|open questions?|"
    r"questions|references?|links|appendix|glossary|table of contents|contents|toc|notes?|risks?|"
    r"assumptions?|success metrics|metrics|stakeholders|audience|personas?|timeline|faq)\b",
    re.I,
)
_REQUIREMENT = re.compile(r"\b(must|shall|should|needs? to|has to|have to|required)\b", re.I)
_MUST = re.compile(r"\b(must|shall|needs? to|has to|have to|required)\b", re.I)
_NICE = re.compile(r"\b(could|may|nice to have|optional(?:ly)?|if time allows|stretch)\b", re.I)
_TITLE_PREFIX = re.compile(r"^(?:prd|brief|spec(?:ification)?|product requirements?(?: document)?|rfc)\s*[:\-–—]\s*", re.I)
_TITLE_SUFFIX = re.compile(r"\s+[:\-–—(]+\s*(?:project\s+)?(?:brief|prd|spec|draft|notes)\)?$", re.I)
_LABEL = re.compile(r"^(?:must|should|could|shall|req(?:uirement)?\s*\d*|r\d+|p[0-3])\s*[:\-–—]\s+", re.I)
_MARKDOWN = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images: their text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](\S.*?)[*_](?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"<[^>\n]{1,80}>"), ""),  # inline HTML tags
]


@dataclass
class Bullet:
    text: str
    details: list[str] = field(default_factory=list)  # its indented bullets


@dataclass
class Section:
    title: str
    prose: list[str] = field(default_factory=list)
    bullets: list[Bullet] = field(default_factory=list)

    @property
    def is_work(self) -> bool:
        return not _NOT_WORK.match(self.title)


@dataclass
class Brief:
    title: str
    preface: list[str]  # the text before the first section
    sections: list[Section]

    @property
    def work(self) -> list[Section]:
        return [section for section in self.sections if section.is_work]

    @property
    def structured(self) -> bool:
        return len(self.work) >= 2


def plain(text: str) -> str:
    """One line of Markdown as plain text: emphasis, code marks, links and tags gone; control characters too."""
    text = clean_line(text)
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def parse(text: str) -> Brief:
    lines = text.replace("\t", "    ").split("\n")
    headings = _headings(lines)
    title = ""
    if headings:
        levels = [level for _index, level, _text in headings]
        if levels.count(1) == 1 and levels[0] == 1 and len(headings) > 1:
            title = headings[0][2]
            headings = headings[1:]
        top = min(level for _index, level, _text in headings) if headings else 0
        starts = [(index, heading) for index, level, heading in headings if level == top]
    else:
        starts = [(index, match["text"]) for index, line in enumerate(lines)
                  if (match := _NUMBERED_SECTION.match(line)) and not line[:1].isspace()]
    if not starts:
        return Brief(_first_line(lines), [line for line in lines if line.strip()], [])
    if not title:
        title = _first_line(lines[: starts[0][0]]) or ""
    preface = [plain(line) for line in lines[: starts[0][0]] if line.strip() and plain(line) != title
               and not _HEADING.match(line) and not _SETEXT.match(line)]
    sections = []
    for number, (index, heading) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        sections.append(_section(heading, lines[index + 1: end]))
    return Brief(title, preface, sections)


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, level, text) of Markdown headings, outside code fences; setext ones too."""
    found, fenced = [], False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        if match := _HEADING.match(line):
            found.append((index, len(match["hashes"]), plain(match["text"])))
        elif index and _SETEXT.match(line) and lines[index - 1].strip() and not _BULLET.match(lines[index - 1]) \
                and len(line.strip()) >= 3:
            found.append((index - 1, 1 if line.strip()[0] == "=" else 2, plain(lines[index - 1])))
    return [(index, level, text) for index, level, text in found if text]


def _first_line(lines: list[str]) -> str:
    for line in lines:
        if line.strip() and not _SETEXT.match(line):
            match = _HEADING.match(line)
            return plain(match["text"] if match else line)
    return ""


def _section(heading: str, body: list[str]) -> Section:
    section = Section(heading)
    base: int | None = None
    fenced = False
    for line in body:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not line.strip() or _SETEXT.match(line) or fenced:
            continue
        if match := _HEADING.match(line):  # a sub-heading reads as a sub-task
            section.bullets.append(Bullet(plain(match["text"])))
            base = None
            continue
        if match := _BULLET.match(line):
            indent = len(match["indent"])
            item = plain(_CHECKBOX.sub("", match["text"]))
            if base is None or indent <= base or not section.bullets:
                base = indent if base is None or indent < base else base
                section.bullets.append(Bullet(item))
            else:
                section.bullets[-1].details.append(item)
            continue
        if section.bullets and line[:1].isspace():  # a bullet's wrapped continuation
            section.bullets[-1].text += " " + plain(line)
            continue
        section.prose.append(plain(line))
    return section


def brief_title(brief: Brief) -> str:
    """ "PRD: Team workspaces" → "Team workspaces"; "" when the brief has no title line."""
    return clean_title(_TITLE_SUFFIX.sub("", _TITLE_PREFIX.sub("", brief.title)))


def document_title(text: str) -> str:
    """The title a project planned from this document gets (its first heading or line)."""
    return brief_title(parse(text)) if text.strip() else ""


# -- the plan ------------------------------------------------------------------------------------


def requirement_priority(text: str) -> Priority:
    if _MUST.search(text):
        return Priority.HIGH
    if _NICE.search(text) and not _REQUIREMENT.search(text):
        return Priority.LOW
    return Priority.MEDIUM


def _bullet_title(text: str) -> str:
    text = _LABEL.sub("", text).strip()
    first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]  # the first sentence names it
    return clean_title(fit(first.rstrip("."), 120))


def _criteria(bullet: Bullet) -> list[str]:
    sentences = [_LABEL.sub("", bullet.text).strip()] + [_LABEL.sub("", detail) for detail in bullet.details]
    return [fit(sentence.rstrip("."), 500) for sentence in sentences if _REQUIREMENT.search(sentence)]


def _prose(lines: list[str], limit: int = DESCRIPTION_MAX) -> str:
    return fit(" ".join(lines).strip(), limit) if lines else ""


def plan_from_brief(tree: Tree, brief: Brief, retitle: bool) -> Edit:
    """The brief's sections as root tasks (in the brief's order) with their bullets as sub-tasks."""
    work = brief.work
    kept, extra = (work, []) if len(work) <= MAX_NEW_ROOTS else (work[: MAX_NEW_ROOTS - 1], work[MAX_NEW_ROOTS - 1:])
    ops, requirements = [], 0
    for number, section in enumerate(kept, start=1):
        temp = f"section-{number}"
        ops.append(create(temp, **_root_fields(section)))
        for index, bullet in enumerate(section.bullets[:MAX_SUBTASKS], start=1):
            criteria = _criteria(bullet)
            requirements += bool(criteria)
            details = [detail for detail in bullet.details if not _REQUIREMENT.search(detail)]
            description = fit(bullet.text, DESCRIPTION_MAX) if len(bullet.text) > 120 or details else ""
            if details:
                description = "\n".join([description or bullet.text, *(f"- {d}" for d in details)])[:DESCRIPTION_MAX]
            ops.append(create(
                f"{temp}-{index}", parent_task_id=temp, title=_bullet_title(bullet.text) or f"Item {index}",
                description=description, acceptance_criteria=criteria[:50],
                priority=requirement_priority(" ".join([bullet.text, *bullet.details])),
            ))
    if extra:
        temp = f"section-{MAX_NEW_ROOTS}"
        ops.append(create(temp, title="Further work",
                          description="The brief's remaining sections, each a sub-task here: "
                          + "; ".join(section.title for section in extra) + "."))
        for index, section in enumerate(extra, start=1):
            fields = _root_fields(section)
            listed_bullets = "\n".join(f"- {bullet.text}" for bullet in section.bullets)
            fields["description"] = "\n\n".join(filter(None, [fields["description"], listed_bullets]))[:DESCRIPTION_MAX]
            ops.append(create(f"{temp}-{index}", parent_task_id=temp, **fields))
    title = brief_title(brief) or (tree.project.title if not retitle else "New project")
    summary = _summary(brief)
    meta = MetaUpdates(title=title, summary=summary) if retitle else MetaUpdates(summary=summary)
    roots = len(kept) + bool(extra)
    said = (f"planned {quoted(title)} from the brief's structure: {plural(roots, 'deliverable')} from its sections"
            f" and {plural(len(ops) - roots, 'sub-task')} from their points")
    if requirements:
        said += f", {plural(requirements, 'requirement')} (“must”/“should”) as acceptance criteria"
    if extra:
        said += f"; its last {len(extra)} sections went under “Further work”"
    skipped = [section.title for section in brief.sections if not section.is_work]
    if skipped:
        said += f". {', '.join(skipped)} went into the project summary"
    return Edit(said + ".", ops, meta)


def _root_fields(section: Section) -> dict:
    criteria = [fit(line.rstrip("."), 500) for line in section.prose if _REQUIREMENT.search(line)]
    return {
        "title": clean_title(re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", section.title)) or "Section",
        "description": _prose(section.prose) or f"The brief's section “{plain(section.title)}”.",
        "acceptance_criteria": criteria[:50],
        "priority": max((requirement_priority(b.text) for b in section.bullets), key=list(Priority).index,
                        default=Priority.MEDIUM),
    }


def _summary(brief: Brief) -> str:
    parts = [_prose(brief.preface, SUMMARY_MAX)]
    for section in brief.sections:
        if not section.is_work:
            body = _prose(section.prose + [bullet.text for bullet in section.bullets], SUMMARY_MAX)
            parts.append(f"{section.title}: {body}" if body else "")
    return fit("\n\n".join(part for part in parts if part), SUMMARY_MAX)
