"""Evaluate: score the store (through its watchfloor-json/1 export) against gold files."""

from watchfloor.evaluate.formats import GoldFile, SystemExport, load_export, load_gold, parse_export
from watchfloor.evaluate.scoring import DocumentScore, EvaluationReport, Tally, evaluate_export

__all__ = [
    "DocumentScore",
    "EvaluationReport",
    "GoldFile",
    "SystemExport",
    "Tally",
    "evaluate_export",
    "load_export",
    "load_gold",
    "parse_export",
]
