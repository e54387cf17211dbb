"""The check against the labelled corpus: recall at least 95 %, false holds at most 5 %.

All the files of tests/fixtures/confidentiality/ together must reach 95 % recall
with at most 5 % false holds, and each file on its own 90 % and 5 % (the later
files were written to be hard, by writers who never saw the rules); the figures
are printed at the end of the run. The fixtures' README says who wrote each file
and what the check scored on it before it had seen it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from workers.texts_in.confidentiality import find_identifying

CORPUS = Path(__file__).parents[3] / "fixtures" / "confidentiality"
FILES = sorted(CORPUS.glob("*.jsonl"))
TODAY = date(2026, 11, 28)  # the texts' dates of birth are judged as of their writing
MIN_RECALL = 0.95  # over the whole corpus
MIN_RECALL_EACH = 0.90  # over any one file
MAX_FALSE_HOLDS = 0.05


@dataclass(frozen=True)
class Score:
    """How the check did on a set of labelled texts."""

    name: str
    held: int
    identifying: int
    false_holds: int
    innocent: int
    missed: tuple[str, ...]
    wrongly_held: tuple[str, ...]

    @property
    def recall(self) -> float:
        """The share of identifying texts held."""
        return self.held / self.identifying

    @property
    def false_hold_rate(self) -> float:
        """The share of innocent texts held."""
        return self.false_holds / self.innocent

    def line(self) -> str:
        """One line for the report."""
        return (
            f"{self.name}: recall {self.recall:.1%} ({self.held}/{self.identifying}), "
            f"false holds {self.false_hold_rate:.1%} ({self.false_holds}/{self.innocent})"
        )


def score(name: str, rows: list[dict]) -> Score:
    """Run the check over labelled rows."""
    missed, wrongly_held = [], []
    for row in rows:
        held = bool(find_identifying(row["text"], TODAY))
        if row["identifies"] and not held:
            missed.append(row["text"])
        if not row["identifies"] and held:
            wrongly_held.append(row["text"])
    identifying = sum(1 for row in rows if row["identifies"])
    return Score(
        name,
        identifying - len(missed),
        identifying,
        len(wrongly_held),
        len(rows) - identifying,
        tuple(missed),
        tuple(wrongly_held),
    )


def read(path: Path) -> list[dict]:
    """The labelled rows of one file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_file_is_labelled_and_balanced() -> None:
    rows = [row for path in FILES for row in read(path)]
    assert len(rows) >= 300
    assert all(set(row) == {"text", "identifies", "kind"} for row in rows)
    assert all(isinstance(row["identifies"], bool) and row["text"].strip() for row in rows)
    identifying = sum(row["identifies"] for row in rows)
    assert 0.4 <= identifying / len(rows) <= 0.6  # about half and half


@pytest.mark.parametrize("path", [*FILES, None], ids=[*(path.stem for path in FILES), "all"])
def test_the_check_holds_what_identifies_and_passes_the_rest(
    path: Path | None, corpus_scores: list[str]
) -> None:
    rows = read(path) if path else [row for each in FILES for row in read(each)]
    result = score(path.stem if path else "all", rows)
    corpus_scores.append(result.line())
    floor = MIN_RECALL if path is None else MIN_RECALL_EACH
    assert result.recall >= floor, f"{result.line()}; missed: {result.missed}"
    assert result.false_hold_rate <= MAX_FALSE_HOLDS, (
        f"{result.line()}; held: {result.wrongly_held}"
    )


def test_the_score_counts_misses_and_false_holds() -> None:
    rows = [
        {"text": "call her on 021 555 1234", "identifies": True, "kind": "contact"},
        {"text": "great keynote", "identifies": True, "kind": "contact"},  # labelled wrongly
        {"text": "Tama's FGC was adjourned", "identifies": False, "kind": "general"},  # too
        {"text": "coffee queue is huge", "identifies": False, "kind": "general"},
    ]
    result = score("made up", rows)
    assert (result.recall, result.false_hold_rate) == (0.5, 0.5)
    assert result.missed == ("great keynote",)
    assert result.wrongly_held == ("Tama's FGC was adjourned",)
