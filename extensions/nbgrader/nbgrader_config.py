# nbgrader settings for courses that use lessonkit lessons.
# Merge these lines into the course's nbgrader_config.py.
#
# Make an assignment from a lesson with
#     lessonkit nbgrader generate lessons/loops/loops.ipynb source/ps1
# then run `nbgrader generate_assignment ps1` as usual.
#
# Learners' answers are recorded in `lessonkit-evidence/` inside their assignment folder;
# submit and collect carry it with the notebook. Autograde copies every file of
# source/<assignment>/ over the submission (except names in Autograde.exclude_overwriting),
# so never keep a `lessonkit-evidence/` folder in source/<assignment>/: if you try the lesson
# there yourself, delete the folder before generating (`lessonkit nbgrader generate` warns).

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# Grade cells re-check every recorded answer; questions with code or math may import SymPy or
# pandas. Allow more than nbgrader's default per-cell time on a busy grading machine.
c.ExecutePreprocessor.timeout = 120
