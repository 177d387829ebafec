"""The class view's "Grading" tab: one answer at a time, its question, rubric and comments.

Built for grading a class quickly and fairly: learners are shown under pseudonyms unless the
grader asks for names, answers come in the pseudonyms' order (not the class list's), and the
keyboard does everything: ``j``/``k`` next and previous answer, ``1`` to ``9`` pick a level of
the criterion in focus (then focus moves on), Enter saves. Without JavaScript it is a plain
form: radio groups (one ``fieldset`` per criterion), a comment box and a save button.

Everything shown is escaped: a learner's answer is the learner's text (hostile, possibly), and
only the page's own fixed script runs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..lesson.model import Question
from .classview import _STYLE, tabs

__all__ = ["GradingPage", "render_grading_page"]

_GRADING_STYLE = """
main{max-width:60em}
.answer{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;border:1px solid #999;
padding:.6em;font-size:.95em}
.prompt{white-space:pre-wrap}
fieldset{margin:.8em 0;border:1px solid #767676}legend{font-weight:bold}
fieldset div{margin:.25em 0}label{cursor:pointer}
textarea{width:100%;font:inherit}
button{font:inherit;padding:.3em 1em}
:focus{outline:3px solid #1a5fb4;outline-offset:2px}
.status{min-height:1.5em;font-weight:bold}.error{color:#a40000}
kbd{border:1px solid #767676;border-radius:3px;padding:0 .25em;font-size:.85em}
.desc{margin:.2em 0 .4em;color:#333}
"""

# The page's only script: keyboard shortcuts and focus. It reads nothing learners wrote.
_SCRIPT = """
(function () {
  var form = document.getElementById("grade");
  if (!form) { return; }
  var sets = Array.prototype.slice.call(form.querySelectorAll("fieldset"));
  function radioOf(set) {
    return set.querySelector("input:checked") || set.querySelector("input[type=radio]");
  }
  function inFocus() {
    var here = document.activeElement && document.activeElement.closest("fieldset");
    if (here) { return here; }
    for (var i = 0; i < sets.length; i++) {
      if (!sets[i].querySelector("input:checked")) { return sets[i]; }
    }
    return sets[0];
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (t.tagName === "TEXTAREA") {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "j" || e.key === "k") {
      var link = document.getElementById(e.key === "j" ? "next" : "prev");
      if (link) { e.preventDefault(); window.location.href = link.href; }
    } else if (/^[1-9]$/.test(e.key) && sets.length) {
      var set = inFocus();
      var radios = set.querySelectorAll("input[type=radio]");
      var pick = radios[Number(e.key) - 1];
      if (!pick) { return; }
      e.preventDefault();
      pick.checked = true;
      var next = sets[sets.indexOf(set) + 1];
      (next ? radioOf(next) : document.getElementById("save")).focus();
    } else if (e.key === "Enter" && t.type === "radio") {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  var start = sets.length ? radioOf(sets[0]) : null;
  if (start) { start.focus(); }
})();
"""


@dataclass(slots=True, kw_only=True)
class GradingPage:
    """What the grading tab shows for one answer."""

    course: str
    lesson: str
    lessons: list[str]
    questions: list[Question]
    """The lesson's questions with a rubric."""
    question: Question | None
    """The question being graded (``None``: the lesson has none with a rubric)."""
    answers: list[Any] = field(default_factory=list)
    """:class:`~lessonkit.grading.rubrics.AnswerToGrade` of each learner, in page order."""
    labels: list[str] = field(default_factory=list)
    """How each answer's learner is shown (a pseudonym, or the name)."""
    index: int = 0
    """0-based position of the answer shown."""
    reveal: bool = False
    """Names are shown."""
    xsrf: str = ""
    """The XSRF token the form posts back."""
    message: str = ""
    """A status line (a grade just saved)."""
    error: str = ""
    """Why the last save was refused."""


def _link(page: GradingPage, **changes: Any) -> str:
    query: dict[str, Any] = {"lesson": page.lesson}
    if page.question is not None:
        query["question"] = page.question.id
    query["n"] = page.index + 1
    if page.reveal:
        query["reveal"] = 1
    query.update(changes)
    return "grading?" + urlencode({k: v for k, v in query.items() if v is not None})


def _criteria(question: Question, current: Any) -> list[str]:
    esc = html.escape
    out = []
    assert question.rubric is not None
    picked = dict(current.levels) if current is not None else {}
    for criterion in question.rubric.criteria:
        title = criterion.title or criterion.id
        out.append(
            f'<fieldset id="criterion-{esc(criterion.id)}"><legend>{esc(title)} '
            f"({criterion.max_points:g} points)</legend>"
        )
        if criterion.description:
            out.append(f'<p class="desc">{esc(criterion.description)}</p>')
        for i, level in enumerate(criterion.levels):
            ident = f"{esc(criterion.id)}-{i}"
            checked = " checked" if picked.get(criterion.id) == level.label else ""
            described = f": {esc(level.description)}" if level.description else ""
            key = f"<kbd>{i + 1}</kbd> " if i < 9 else ""
            out.append(
                f'<div><input type="radio" id="{ident}" name="level-{esc(criterion.id)}" '
                f'value="{esc(level.label)}"{checked} required>'
                f'<label for="{ident}">{key}{esc(level.label)}, {level.points:g} '
                f"points{described}</label></div>"
            )
        out.append("</fieldset>")
    return out


def _earlier(answer: Any) -> str:
    esc = html.escape
    grades = [*answer.earlier, *([answer.grade] if answer.grade is not None else [])]
    if not grades:
        return "<p>No grade or comment yet.</p>"
    items = []
    for g in grades:
        when = g.timestamp.strftime("%Y-%m-%d %H:%M")
        comment = esc(g.comment) if g.comment else "<em>no comment</em>"
        now = " (current)" if answer.grade is not None and g.id == answer.grade.id else ""
        reply = answer.replies.get(g.id)
        said = (
            f"<blockquote class='lk-reply'>The learner replied "
            f"({esc(reply.timestamp.strftime('%Y-%m-%d %H:%M'))}): {esc(reply.text)}</blockquote>"
            if reply is not None
            else ""
        )
        items.append(
            f"<li>{esc(when)} by {esc(g.grader.id)}: {g.points:g} of {g.max_points:g} points"
            f"{now}. {comment}{said}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _answer_section(page: GradingPage) -> list[str]:
    esc = html.escape
    assert page.question is not None
    answer = page.answers[page.index]
    label = page.labels[page.index]
    total = len(page.answers)
    graded = sum(1 for a in page.answers if a.grade is not None)
    prev_n = (page.index - 1) % total + 1
    next_n = (page.index + 1) % total + 1
    todo = [i for i in range(total) if page.answers[i].grade is None and i != page.index]
    after = [i for i in todo if i > page.index] or todo
    to_grade = (
        f' · <a href="{esc(_link(page, n=after[0] + 1))}">Next answer to grade</a>'
        if after
        else " · every other answer is graded"
    )
    state = "graded" if answer.grade is not None else "not graded yet"
    if answer.changed_since_graded:
        state = "not graded yet: the learner changed it after it was graded"
    return [
        '<nav aria-label="Answers">'
        f'<a id="prev" rel="prev" href="{esc(_link(page, n=prev_n))}">Previous answer</a> '
        f"(<kbd>k</kbd>) · Answer {page.index + 1} of {total}, {graded} graded · "
        f'<a id="next" rel="next" href="{esc(_link(page, n=next_n))}">Next answer</a> '
        f"(<kbd>j</kbd>){to_grade}</nav>",
        '<section aria-labelledby="answer-h">',
        f'<h2 id="answer-h">Answer of {esc(label)} ({esc(state)})</h2>',
        f'<pre class="answer">{esc(answer.response)}</pre></section>',
        f'<form id="grade" method="post" action="{esc(_link(page))}">',
        f'<input type="hidden" name="_xsrf" value="{esc(page.xsrf)}">',
        f'<input type="hidden" name="answer" value="{esc(answer.answer_id)}">',
        '<input type="hidden" name="replaces" '
        f'value="{answer.grade.version if answer.grade is not None else 0}">',
        f"<h2>Rubric ({page.question.points:g} points)</h2>",
        *_criteria(page.question, answer.grade),
        '<p><label for="comment">Comment to the learner</label></p>',
        f'<textarea id="comment" name="comment" rows="4">'
        f"{esc(answer.grade.comment if answer.grade is not None else '')}</textarea>",
        '<p><button id="save" type="submit">Save grade</button> (<kbd>Enter</kbd>; in the '
        "comment box <kbd>Ctrl</kbd>+<kbd>Enter</kbd>)</p></form>",
        '<section aria-labelledby="comments-h"><h2 id="comments-h">Grades and comments so far'
        f"</h2>{_earlier(answer)}</section>",
    ]


def render_grading_page(page: GradingPage) -> str:
    """The grading tab (no external assets; one fixed script)."""
    esc = html.escape
    title = f"{page.course}: {page.lesson}"
    lessons = " | ".join(
        f'<a href="grading?{esc(urlencode({"lesson": name}))}">{esc(name)}</a>'
        if name != page.lesson
        else esc(name)
        for name in page.lessons
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)} – grading – lessonkit class view</title>",
        f"<style>{_STYLE}{_GRADING_STYLE}</style></head><body><main>",
        f"<h1>{esc(title)}: grading</h1>{tabs(page.lesson, 'grading')}",
        f"<p>Lessons: {lessons}</p>",
    ]
    if page.question is None:
        parts.append("<p>This lesson has no question with a rubric.</p></main></body></html>")
        return "\n".join(parts)
    questions = " | ".join(
        f'<a href="{esc(_link(page, question=q.id, n=1))}">{esc(q.title or q.id)}</a>'
        if q.id != page.question.id
        else f"<strong>{esc(q.title or q.id)}</strong>"
        for q in page.questions
    )
    names = (
        f'Names are shown. <a href="{esc(_link(page, reveal=None))}">Hide names</a>'
        if page.reveal
        else "Learners are shown under pseudonyms, so that grading stays fair. "
        f'<a href="{esc(_link(page, reveal=1))}">Show names</a>'
    )
    status = f'<p class="status" role="status">{esc(page.message)}</p>'
    if page.error:
        status = f'<p class="status error" role="alert">Not saved: {esc(page.error)}</p>'
    parts += [
        f"<p>Questions with a rubric: {questions}</p>",
        status,
        f'<p class="note">{names}</p>',
        '<section aria-labelledby="question-h">',
        f'<h2 id="question-h">Question {esc(page.question.title or page.question.id)}</h2>',
        f'<div class="prompt">{esc(page.question.prompt)}</div></section>',
    ]
    if not page.answers:
        parts.append("<p>No answers yet.</p>")
    else:
        parts += _answer_section(page)
    parts += [
        "<p>Keys: <kbd>j</kbd> next answer, <kbd>k</kbd> previous, <kbd>1</kbd>–<kbd>9</kbd> "
        "pick a level of the criterion in focus, <kbd>Enter</kbd> save.</p>",
        f"<script>{_SCRIPT}</script></main></body></html>",
    ]
    return "\n".join(parts)
