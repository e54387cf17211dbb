"""Summary: this `make bench` run's figures against the throughput targets, met or not, and why.

Reads the JSON files the benches wrote to bench/results/ since --since (a
YYYYmmddTHHMMSS stamp, as in their names), prints one table, and for each target
not met says what limits it, from the worker profile and the CPU figures.

    python -m bench.summary --since 20261128T080000
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.end_to_end import RESULTS

CORES = 2  # the machine the targets were set for
LOCAL_TARGET = 200  # texts/s end to end, local accounts
SLOW_TARGET = 50  # texts/s end to end, a platform answering after 300 ms
SLOW_RSS_MB = 1024  # all processes together, in that run
WEBHOOK_RATIO = 0.25  # of the bare Flask endpoint, at saturation
WEBHOOK_P99_MS = 25.0  # at a steady 200 req/s
CHECK_MS = 5.0  # the confidentiality check, per text: the worker runs it on every post
CHECK_RECALL = 0.95  # of the corpus's identifying texts held
CHECK_FALSE_HOLDS = 0.05  # of its innocent ones held


@dataclass(frozen=True)
class Line:
    """One row of the table."""

    figure: str
    measured: str
    target: str
    met: bool


def main() -> None:
    """Print the table and the reasons for what is not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", default="", help="only files stamped at or after this")
    args = parser.parse_args()
    lines, reasons = summarise(read_results(RESULTS, args.since))
    if not lines:
        raise SystemExit(f"no bench results in {RESULTS} since {args.since or 'ever'}")
    print()
    print(f"{'figure':58} {'measured':30} {'target':16} verdict")
    for line in lines:
        verdict = "met" if line.met else "NOT MET"
        print(f"{line.figure:58} {line.measured:30} {line.target:16} {verdict}")
    for reason in reasons:
        print(f"- {reason}")


def read_results(folder: Path, since: str) -> dict[str, list[Any]]:
    """Return each bench's results since the stamp, oldest first, by bench name."""
    found: dict[str, list[Any]] = {}
    for path in sorted(folder.glob("*-*.json"), key=lambda p: p.stem.rsplit("-", 1)[1]):
        name, stamp = path.stem.rsplit("-", 1)
        if stamp >= since:
            found.setdefault(name, []).append(json.loads(path.read_text()))
    return found


def summarise(results: dict[str, list[Any]]) -> tuple[list[Line], list[str]]:
    """Turn the results into table lines and the reasons for the targets not met."""
    lines: list[Line] = []
    reasons: list[str] = []
    runs = [run for batch in results.get("end_to_end", []) for run in batch]
    profiles = {
        found.get("platform", "local"): found for found in results.get("worker_profile", [])
    }
    for backend in dict.fromkeys(run["backend"] for run in runs):
        mine = [run for run in runs if run["backend"] == backend]
        best = max(mine, key=lambda run: run["texts_per_second"])
        rates = ", ".join(f"{r['workers']}: {r['texts_per_second']:.0f}" for r in mine)
        slow = "Mastodon peer" in backend
        target = SLOW_TARGET if slow else LOCAL_TARGET
        met = best["texts_per_second"] >= target
        lines.append(
            Line(
                f"end to end, {backend}"[:58],
                f"{best['texts_per_second']:.0f}/s ({rates} procs)",
                f">= {target}/s",
                met,
            )
        )
        if slow:
            rss = sum(best["rss_mb"].values())
            lines.append(
                Line(
                    "  RSS of web and workers, that run",
                    f"{rss:.0f} MB",
                    "< 1 GiB",
                    rss < SLOW_RSS_MB,
                )
            )
        if not met:
            reasons.append(
                cpu_reason(best, target, profiles.get("mastodon" if slow else "local"), slow)
            )
    for webhook in results.get("webhook", []):
        ratio = webhook["ratio"]
        lines.append(
            Line(
                f"webhook at saturation vs bare Flask, {webhook['backend']}"[:58],
                f"{ratio:.2f}x ({webhook['ours_per_second']:.0f} vs "
                f"{webhook['bare_per_second']:.0f}/s)",
                f">= {WEBHOOK_RATIO}x",
                ratio >= WEBHOOK_RATIO,
            )
        )
        lines.append(
            Line(
                f"webhook p50/p99 at a steady {webhook['steady_per_second']:.0f}/s",
                f"{webhook['steady_p50_ms']:.1f} / {webhook['steady_p99_ms']:.1f} ms",
                f"p99 <= {WEBHOOK_P99_MS:.0f} ms",
                webhook["steady_p99_ms"] <= WEBHOOK_P99_MS,
            )
        )
        if ratio < WEBHOOK_RATIO:
            ours_ms = CORES * 1000 / webhook["ours_per_second"]
            bare_ms = CORES * 1000 / webhook["bare_per_second"]
            reasons.append(
                f"webhook: {ours_ms:.1f} ms of the machine a request against the bare "
                f"endpoint's {bare_ms:.2f} ms; the difference is the signature check, one "
                "durable insert and one enqueue, each a round trip the bare endpoint skips"
            )
    for check in results.get("confidentiality", []):
        lines.append(
            Line(
                f"confidentiality check per text ({check['texts']} texts)",
                f"{check['mean_ms']:.2f} ms mean, {check['p99_ms']:.2f} p99",
                f"< {CHECK_MS:.0f} ms",
                check["p99_ms"] < CHECK_MS,
            )
        )
        lines.append(
            Line("  memory the check adds", f"{check['memory_added_mb']:.1f} MB", "reported", True)
        )
        good = check["recall"] >= CHECK_RECALL and check["false_holds"] <= CHECK_FALSE_HOLDS
        lines.append(
            Line(
                "  recall / false holds on the labelled corpus",
                f"{check['recall']:.1%} / {check['false_holds']:.1%}",
                f">= {CHECK_RECALL:.0%} / <= {CHECK_FALSE_HOLDS:.0%}",
                good,
            )
        )
        if not good:
            reasons.append(
                "confidentiality check: it finds numbers, addresses and 'my client', not yet "
                "people (names with a situation, young people's ages, families, titles): "
                "issue 13"
            )
    if runs or results.get("webhook"):
        # Each bench exits with an error when a count is off, so reaching here means none was.
        lines.append(
            Line("nothing lost, nothing doubled", "every run's counts checked", "all", True)
        )
    return lines, reasons


def cpu_reason(run: dict[str, Any], target: int, profile: dict[str, Any] | None, slow: bool) -> str:
    """Say why an end-to-end rate falls short, from its CPU per text and the profile."""
    cpu = run["cpu_ms_per_text"]
    used = cpu["web"] + cpu["workers"]
    budget = CORES * 1000 / target
    reason = (
        f"{run['backend']}: {target}/s on {CORES} cores leaves {budget:.0f} ms of CPU a text "
        f"for every process; the web and workers used {used:.0f} ms "
        f"({cpu['workers']:.0f} in the workers)"
    )
    if slow:
        reason += ", and each worker thread waits 300 ms a post"
    if profile:
        split = profile["split_ms"]
        total = sum(split.values())
        top = ", ".join(f"{name} {ms / total:.0%}" for name, ms in list(split.items())[:4])
        reason += (
            f"; the worker's profile ({profile['cpu_ms_per_text']:.0f} ms a text under "
            f"cProfile) splits as {top}"
        )
    return reason


if __name__ == "__main__":
    main()
