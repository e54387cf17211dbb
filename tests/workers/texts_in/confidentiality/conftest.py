"""The corpus test's figures, printed at the end of the run."""

from __future__ import annotations

import pytest

SCORES: list[str] = []


@pytest.fixture
def corpus_scores() -> list[str]:
    """Where each corpus test puts its one-line score for the report."""
    return SCORES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the confidentiality check's recall and false holds on each corpus file."""
    if SCORES:
        terminalreporter.section("confidentiality corpus")
        for line in SCORES:
            terminalreporter.write_line(line)
