"""The confidentiality check on the labelled corpus: time per text, memory, recall, false holds.

The worker runs the check on every post, so it must stay cheap: this times it over
every text of tests/fixtures/confidentiality/*.jsonl (best of several rounds,
so a busy machine's pauses do not count), measures the memory its module adds to a
process that has none of it, and scores it against the corpus labels.

    python -m bench.confidentiality
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from workers.texts_in.confidentiality import find_identifying

RESULTS = Path(__file__).parent / "results"

CORPUS = Path(__file__).parents[1] / "tests" / "fixtures" / "confidentiality"
ROUNDS = 5
TODAY = date(2026, 11, 28)  # the corpus's dates of birth are judged as of its writing


# In a fresh interpreter: what importing the check and running it once allocates
# (its patterns, and the phone number metadata it loads), as tracemalloc counts it.
MEMORY_PROBE = """
import tracemalloc
from datetime import date
tracemalloc.start()
from workers.texts_in.confidentiality import find_identifying
find_identifying("call 021 555 1234 or aroha@example.org, 14 Kowhai St", date(2026, 11, 28))
print(tracemalloc.get_traced_memory()[1])
"""


def memory_added_mb() -> float:
    """Peak Python memory the check adds to a process that had none of it."""
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, check=True
    )
    return int(probe.stdout.strip().splitlines()[-1]) / 1024 / 1024


def main() -> None:
    """Time and score the check; print the figures and write them to bench/results/."""
    rows = [
        json.loads(line)
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    added_mb = memory_added_mb()
    find_identifying("warm up: call 021 555 1234", TODAY)
    per_text_ms: list[float] = []
    for _ in range(ROUNDS):
        times = []
        for row in rows:
            started = time.perf_counter()
            find_identifying(row["text"], TODAY)
            times.append((time.perf_counter() - started) * 1000)
        per_text_ms = min(per_text_ms, times, key=sum) if per_text_ms else times
    held = [bool(find_identifying(row["text"], TODAY)) for row in rows]
    identifying = [h for h, row in zip(held, rows, strict=True) if row["identifies"]]
    innocent = [h for h, row in zip(held, rows, strict=True) if not row["identifies"]]
    result = {
        "texts": len(rows),
        "mean_ms": statistics.fmean(per_text_ms),
        "p99_ms": sorted(per_text_ms)[int(len(per_text_ms) * 0.99)],
        "max_ms": max(per_text_ms),
        "memory_added_mb": added_mb,
        "recall": sum(identifying) / len(identifying),
        "false_holds": sum(innocent) / len(innocent),
    }
    print(
        f"confidentiality check over {result['texts']} texts: "
        f"{result['mean_ms']:.3f} ms mean, {result['p99_ms']:.3f} ms p99, "
        f"{result['max_ms']:.3f} ms max; {added_mb:.1f} MB added; "
        f"recall {result['recall']:.1%}, false holds {result['false_holds']:.1%}"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"confidentiality-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
