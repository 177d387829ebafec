# nbgrader settings for courses that use lessonkit lessons (nbgrader 0.9).
# Merge these lines into the course's nbgrader_config.py.
#
# Make an assignment from a lesson with
#     lessonkit nbgrader generate lessons/loops/loops.ipynb source/ps1
# then run `nbgrader generate_assignment ps1` as usual.
#
# Learners' answers are recorded in `lessonkit-evidence/` inside their assignment folder;
# submit and collect carry it with the notebook. A `lessonkit-evidence/` folder in
# source/<assignment>/ (the instructor trying the lesson there) is never released by
# generate_assignment nor copied over submissions by autograde (CourseDirectory.ignore below).

import glob
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from lessonkit.integrations.nbgrader_grader import GradeLessonCells, SnapshotLessonEvidence

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# An instructor's try-out in source/<assignment>/lessonkit-evidence/ must not reach students
# (generate_assignment copies source/ into release/) nor replace their evidence (autograde
# copies source/ over each submission). nbgrader joins each CourseDirectory.ignore glob to the
# folder it copies from and globs the result, so an absolute glob names one place: the
# evidence folders under the course's source/ only. The exchange (release, fetch, submit,
# collect) matches ignore globs against bare file names, which an absolute glob never matches,
# so students' evidence still travels with their submissions. The course root is the folder
# of this file, or where nbgrader runs, or CourseDirectory.root if it is set above this line.
_roots = {os.path.dirname(os.path.abspath(__file__)), os.getcwd()}
if "root" in c.CourseDirectory:
    _roots.add(os.path.abspath(c.CourseDirectory.root))
_source = c.CourseDirectory.get("source_directory", "source")
c.CourseDirectory.ignore.extend(
    sorted(
        os.path.join(glob.escape(root), _source, *middle, "*", "lessonkit-evidence")
        for root in _roots
        for middle in ((), (".",))  # nbgrader names a source folder <root>/source/./<assignment>
    )
)

# Tamper-resistant grading. nbgrader's defaults, plus lessonkit's two steps: the submission's
# evidence is read before any of its code runs, and every lessonkit grade cell is computed in
# the nbgrader process and written over the kernel's output, so nothing a student's cell does
# (monkeypatching lessonkit, rewriting the evidence) can change the grade. Without these two
# lines, grade cells compute the grade inside the student's kernel: NOT tamper-resistant.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
    SnapshotLessonEvidence,
]
c.Autograde.autograde_preprocessors = [
    Execute,
    GradeLessonCells,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback must not contain the answer key: nbgrader 0.9 renders the restored hidden-test
# region of every grade cell (where lessonkit keeps the key) into the feedback HTML unless
# ClearHiddenTests removes it first.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

# Grade cells re-check every recorded answer; questions with code or math run checkers that
# import SymPy or start a sandbox process. Allow more than nbgrader's default per-cell time on
# a busy grading machine.
c.ExecutePreprocessor.timeout = 120
