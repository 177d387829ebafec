"""Courses: course files, learner records across lessons, learning plans, placement, teachers.

Layer: above ``engine``, ``evidence``, ``policies`` and ``simulation`` (a course simulation runs
simulated learners lesson after lesson); below ``analytics``, ``widgets`` and ``commands``, which
show plans and run the ``lessonkit course`` commands. It never imports Jupyter, and it reads and
writes evidence only through a store's ``read`` and ``append`` methods.

>>> from lessonkit.course import load_course, read_record, recommend  # doctest: +SKIP
>>> course = load_course("lessons/python-basics/python-basics.course.yaml")  # doctest: +SKIP
>>> plan = recommend(course, read_record(course, store, "ada"))  # doctest: +SKIP
>>> plan.next.reason  # doctest: +SKIP
'You have mastered lists, which for loops requires.'
"""

from __future__ import annotations

from .loader import COURSE_SUFFIXES, check_course, load_course
from .model import Course, CourseCompetency, CourseDefinitionError, CourseLesson, Milestone
from .recommend import Plan, PlanItem, recommend
from .record import LearnerRecord, build_record
from .storage import assign, read_record, read_records, set_goal

__all__ = [
    "COURSE_SUFFIXES",
    "Course",
    "CourseCompetency",
    "CourseDefinitionError",
    "CourseLesson",
    "LearnerRecord",
    "Milestone",
    "Plan",
    "PlanItem",
    "assign",
    "build_record",
    "check_course",
    "load_course",
    "read_record",
    "read_records",
    "recommend",
    "set_goal",
]
