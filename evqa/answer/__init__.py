"""Answers from retrieved passages: the learned reader's spans (``candidates``), judged on
their evidence (``features``, and the answer ``verifier``'s reading of the chosen span) by a
fitted, calibrated combination (``calibration``), with
the answer sentence and verified citations (``citations``) and figures side by side
(``figures``)."""

from evqa.answer.calibration import Calibration
from evqa.answer.citations import CitationMismatchError, cite
from evqa.answer.extract import READ_PASSAGES, candidates_and_features, extract_answer

__all__ = [
    "READ_PASSAGES",
    "Calibration",
    "CitationMismatchError",
    "candidates_and_features",
    "cite",
    "extract_answer",
]
