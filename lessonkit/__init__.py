"""lessonkit: branching, adaptive notebook lessons for Jupyter.

The core (this package minus ``widgets`` and ``integrations``) imports nothing from Jupyter,
so lessons load, validate, play and grade in a terminal, a test or a grader alike.

>>> import lessonkit
>>> lesson = lessonkit.load_lesson("lessons/loops/loops.lesson.yaml")  # doctest: +SKIP
"""

from typing import Any

from . import checks
from .engine.play import play
from .engine.session import LessonSession
from .errors import (
    LessonDefinitionError,
    LessonkitError,
    PluginError,
    Problem,
    SessionStateError,
    StorageError,
)
from .evidence.stores import open_store
from .lesson.loader import check_file, load_lesson, loads_lesson, save_lesson
from .lesson.model import (
    Branch,
    Choice,
    ChoiceOption,
    Competency,
    Content,
    End,
    Exercise,
    Feedback,
    Lesson,
    MasteryParams,
    Param,
    Practice,
    Question,
    Rule,
    Settings,
    Step,
    WrongAnswer,
)
from .lesson.validate import lint


def show(lesson: Any, **kwargs: Any) -> Any:
    """Display a lesson player for ``lesson`` (a path or a :class:`Lesson`) in a notebook.

    A thin, lazy wrapper so that ``import lessonkit`` stays free of Jupyter imports; see
    :func:`lessonkit.widgets.show` for the options (learner, store, namespace, resume).
    """
    from .widgets import show as _show

    return _show(lesson, **kwargs)


__version__ = "0.1.0"

__all__ = [
    "Branch",
    "Choice",
    "ChoiceOption",
    "Competency",
    "Content",
    "End",
    "Exercise",
    "Feedback",
    "Lesson",
    "LessonDefinitionError",
    "LessonSession",
    "LessonkitError",
    "MasteryParams",
    "Param",
    "PluginError",
    "Practice",
    "Problem",
    "Question",
    "Rule",
    "SessionStateError",
    "Settings",
    "Step",
    "StorageError",
    "WrongAnswer",
    "__version__",
    "check_file",
    "checks",
    "lint",
    "load_lesson",
    "loads_lesson",
    "open_store",
    "play",
    "save_lesson",
    "show",
]
