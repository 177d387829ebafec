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
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from ..i18n import Translator, translator
from ..lesson.model import Question
from .classview import _STYLE, tabs

__all__ = ["GradingPage", "of_points", "render_grading_page"]

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
    """Why the last save was refused (in the grader's language)."""
    t: Translator = field(default_factory=translator)
    """The grader's language: every word of the page's own."""
    lang: str = ""
    """The ``?lang=`` the page was asked with, kept in its links ("": none)."""


def _words(t: Translator) -> SimpleNamespace:
    """The page's fixed words in ``t``'s language, escaped (named here, not inside the
    f-strings: Babel does not read an f-string's expressions)."""
    _ = t.gettext
    words = {
        "answers_": _("Answers"),
        "comment_to_the_learner": _("Comment to the learner"),
        "every_other_answer_is": _("every other answer is graded"),
        "grades_and_comments_so": _("Grades and comments so far"),
        "hide_names": _("Hide names"),
        "learners_are_shown_under": _(
            "Learners are shown under pseudonyms, so that grading stays fair."
        ),
        "lessons_": _("Lessons:"),
        "mastered": _("mastered"),
        "names_are_shown": _("Names are shown."),
        "next_answer": _("Next answer"),
        "next_answer_to_grade": _("Next answer to grade"),
        "no_answers_yet": _("No answers yet."),
        "no_comment": _("no comment"),
        "no_grade_or_comment": _("No grade or comment yet."),
        "not_yet": _("not yet"),
        "previous_answer": _("Previous answer"),
        "questions_with_a_rubric": _("Questions with a rubric:"),
        "save_grade": _("Save grade"),
        "show_names": _("Show names"),
    }
    return SimpleNamespace(**{k: html.escape(v) for k, v in words.items()})


def _link(page: GradingPage, **changes: Any) -> str:
    query: dict[str, Any] = {"lesson": page.lesson}
    if page.question is not None:
        query["question"] = page.question.id
    query["n"] = page.index + 1
    if page.reveal:
        query["reveal"] = 1
    if page.lang:
        query["lang"] = page.lang
    query.update(changes)
    return "grading?" + urlencode({k: v for k, v in query.items() if v is not None})


def _count(points: float) -> int:
    """The count a plural form is chosen by: a whole number itself; a fraction (``2.5``
    points) 100, which every shipped language puts in its "other" form, as CLDR does
    fractions (Arabic's dual would read 2.5 as "two points")."""
    return int(points) if float(points).is_integer() else 100


def _points(t: Translator, points: float) -> str:
    """ "4 points" in ``t``'s language."""
    n = t.number(points)
    return t.ngettext("{n} point", "{n} points", _count(points)).format(n=n)


def of_points(t: Translator, points: float, max_points: float) -> str:
    """ "1 of 4 points" in ``t``'s language."""
    return t.ngettext(
        "{points} of {max} point", "{points} of {max} points", _count(max_points)
    ).format(points=t.number(points), max=t.number(max_points))


def _criteria(question: Question, current: Any, t: Translator) -> list[str]:
    esc = html.escape
    out = []
    assert question.rubric is not None
    picked = dict(current.levels) if current is not None else {}
    for criterion in question.rubric.criteria:
        title = criterion.title or criterion.id
        legend = t.gettext("{criterion} ({points})").format(
            criterion=title, points=_points(t, criterion.max_points)
        )
        out.append(f'<fieldset id="criterion-{esc(criterion.id)}"><legend>{esc(legend)}</legend>')
        if criterion.description:
            out.append(f'<p class="desc">{esc(criterion.description)}</p>')
        for i, level in enumerate(criterion.levels):
            ident = f"{esc(criterion.id)}-{i}"
            checked = " checked" if picked.get(criterion.id) == level.label else ""
            if level.description:
                text = t.gettext("{level}, {points}: {description}").format(
                    level=level.label,
                    points=_points(t, level.points),
                    description=level.description,
                )
            else:
                text = t.gettext("{level}, {points}").format(
                    level=level.label, points=_points(t, level.points)
                )
            key = f"<kbd>{i + 1}</kbd> " if i < 9 else ""
            out.append(
                f'<div><input type="radio" id="{ident}" name="level-{esc(criterion.id)}" '
                f'value="{esc(level.label)}"{checked} required>'
                f'<label for="{ident}">{key}{esc(text)}</label></div>'
            )
        out.append("</fieldset>")
    return out


def _earlier(answer: Any, t: Translator) -> str:
    esc = html.escape
    _ = t.gettext
    w = _words(t)
    grades = [*answer.earlier, *([answer.grade] if answer.grade is not None else [])]
    if not grades:
        return f"<p>{w.no_grade_or_comment}</p>"
    items = []
    for g in grades:
        when = g.timestamp.strftime("%Y-%m-%d %H:%M")
        comment = esc(g.comment) if g.comment else f"<em>{w.no_comment}</em>"
        current = answer.grade is not None and g.id == answer.grade.id
        points = of_points(t, g.points, g.max_points)
        heading = (
            _("{when} by {grader}: {points} (current).")
            if current
            else _("{when} by {grader}: {points}.")
        ).format(when=when, grader=g.grader.id, points=points)
        reply = answer.replies.get(g.id)
        said = ""
        if reply is not None:
            replied = _("The learner replied ({when}):").format(
                when=reply.timestamp.strftime("%Y-%m-%d %H:%M")
            )
            said = f"<blockquote class='lk-reply'>{esc(replied)} {esc(reply.text)}</blockquote>"
        items.append(f"<li>{esc(heading)} {comment}{said}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _answer_section(page: GradingPage) -> list[str]:
    esc = html.escape
    t = page.t
    _ = t.gettext
    w = _words(t)
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
        f' · <a href="{esc(_link(page, n=after[0] + 1))}">{w.next_answer_to_grade}</a>'
        if after
        else f" · {w.every_other_answer_is}"
    )
    state = _("graded") if answer.grade is not None else _("not graded yet")
    if answer.changed_since_graded:
        state = _("not graded yet: the learner changed it after it was graded")
    where = _("Answer {n} of {total}, {graded} graded").format(
        n=t.number(page.index + 1), total=t.number(total), graded=t.number(graded)
    )
    whose = _("Answer of {learner} ({state})").format(learner=label, state=state)
    rubric = _("Rubric ({points})").format(points=_points(t, page.question.points))
    saving = _("(<kbd>Enter</kbd>; in the comment box <kbd>Ctrl</kbd>+<kbd>Enter</kbd>)")
    return [
        f'<nav aria-label="{w.answers_}">'
        f'<a id="prev" rel="prev" href="{esc(_link(page, n=prev_n))}">'
        f"{w.previous_answer}</a> "
        f"(<kbd>k</kbd>) · {esc(where)} · "
        f'<a id="next" rel="next" href="{esc(_link(page, n=next_n))}">{w.next_answer}</a> '
        f"(<kbd>j</kbd>){to_grade}</nav>",
        '<section aria-labelledby="answer-h">',
        f'<h2 id="answer-h">{esc(whose)}</h2>',
        f'<pre class="answer">{esc(answer.response)}</pre></section>',
        f'<form id="grade" method="post" action="{esc(_link(page))}">',
        f'<input type="hidden" name="_xsrf" value="{esc(page.xsrf)}">',
        f'<input type="hidden" name="answer" value="{esc(answer.answer_id)}">',
        '<input type="hidden" name="replaces" '
        f'value="{answer.grade.version if answer.grade is not None else 0}">',
        f"<h2>{esc(rubric)}</h2>",
        *_criteria(page.question, answer.grade, t),
        f'<p><label for="comment">{w.comment_to_the_learner}</label></p>',
        f'<textarea id="comment" name="comment" rows="4">'
        f"{esc(answer.grade.comment if answer.grade is not None else '')}</textarea>",
        f'<p><button id="save" type="submit">{w.save_grade}</button> {saving}</p></form>',
        '<section aria-labelledby="comments-h"><h2 id="comments-h">'
        f"{w.grades_and_comments_so}</h2>{_earlier(answer, t)}</section>",
    ]


def render_grading_page(page: GradingPage) -> str:
    """The grading tab (no external assets; one fixed script), in ``page.t``'s language."""
    esc = html.escape
    t = page.t
    _ = t.gettext
    w = _words(t)
    title = f"{page.course}: {page.lesson}"
    lang = {"lang": page.lang} if page.lang else {}
    lessons = " | ".join(
        f'<a href="grading?{esc(urlencode({"lesson": name, **lang}))}">{esc(name)}</a>'
        if name != page.lesson
        else esc(name)
        for name in page.lessons
    )
    heading = _("{title}: grading").format(title=title)
    window = _("{page} – grading – lessonkit class view").format(page=title)
    parts = [
        f'<!DOCTYPE html><html lang="{esc(t.language)}" dir="{t.direction}"><head>'
        '<meta charset="utf-8">',
        f"<title>{esc(window)}</title>",
        f"<style>{_STYLE}{_GRADING_STYLE}</style></head><body><main>",
        f"<h1>{esc(heading)}</h1>{tabs(page.lesson, 'grading', t)}",
        f"<p>{w.lessons_} {lessons}</p>",
    ]
    if page.question is None:
        none = esc(_("This lesson has no question with a rubric."))
        parts.append(f"<p>{none}</p></main></body></html>")
        return "\n".join(parts)
    questions = " | ".join(
        f'<a href="{esc(_link(page, question=q.id, n=1))}">{esc(q.title or q.id)}</a>'
        if q.id != page.question.id
        else f"<strong>{esc(q.title or q.id)}</strong>"
        for q in page.questions
    )
    names = (
        f'{w.names_are_shown} <a href="{esc(_link(page, reveal=None))}">{w.hide_names}</a>'
        if page.reveal
        else f"{w.learners_are_shown_under} "
        f'<a href="{esc(_link(page, reveal=1))}">{w.show_names}</a>'
    )
    status = f'<p class="status" role="status">{esc(page.message)}</p>'
    if page.error:
        refused = _("Not saved: {reason}").format(reason=page.error)
        status = f'<p class="status error" role="alert">{esc(refused)}</p>'
    question = _("Question {question}").format(question=page.question.title or page.question.id)
    keys = _(
        "Keys: <kbd>j</kbd> next answer, <kbd>k</kbd> previous, <kbd>1</kbd>–<kbd>9</kbd> "
        "pick a level of the criterion in focus, <kbd>Enter</kbd> save."
    )
    parts += [
        f"<p>{w.questions_with_a_rubric} {questions}</p>",
        status,
        f'<p class="note">{names}</p>',
        '<section aria-labelledby="question-h">',
        f'<h2 id="question-h">{esc(question)}</h2>',
        f'<div class="prompt">{esc(page.question.prompt)}</div></section>',
    ]
    if not page.answers:
        parts.append(f"<p>{w.no_answers_yet}</p>")
    else:
        parts += _answer_section(page)
    parts += [f"<p>{keys}</p>", f"<script>{_SCRIPT}</script></main></body></html>"]
    return "\n".join(parts)
