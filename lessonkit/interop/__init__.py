"""Question banks in and out: Moodle XML, GIFT, QTI and JupyterQuiz.

``import_banks`` reads bank files into lesson files an author then edits, reporting per item
what was imported, approximated or skipped; ``export_bank`` writes a lesson's questions as a
bank an LMS imports (QTI 1.2 for Canvas, Moodle XML), reporting what the target format cannot
express. Bank files are untrusted input: see :mod:`lessonkit.interop.untrusted`.

Layer: above ``lesson`` and ``checks``, beside ``grading`` and ``simulation``; builds lesson
models and YAML, and imports nothing from Jupyter.
"""

from .bank import BankAnswer, BankItem, Finding, Where
from .importing import ImportResult, import_banks

__all__ = ["BankAnswer", "BankItem", "Finding", "ImportResult", "Where", "import_banks"]
