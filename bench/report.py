"""How the bench scripts report their figures, in one place: latency percentiles as the load benches give them,
the report as JSON (on --json) before the lines of its summary, a child process's figures read back from the
last line it prints, and memory from /proc."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_figures(latencies: list[float]) -> dict:
    """p50, p95 and max in seconds, to the hundredth; None for each when nothing was timed."""
    return {
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 2) if latencies else None,
        "max_s": round(max(latencies), 2) if latencies else None,
    }


def print_report(report: dict, as_json: bool, *lines: str, indent: int | None = None) -> None:
    """The whole report as JSON when asked for, then the summary a reader looks at."""
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=indent))
    for line in lines:
        print(line)


def child_figures(command: list[str], cwd: Path) -> dict:
    """Run a measurement in a fresh process; its figures are the JSON on the last line it prints."""
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def proc_mb(field: str, pid: int | str = "self") -> float:
    """A memory line of /proc/<pid>/status in MB: VmRSS (now) or VmHWM (the peak); NaN when it has none."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")
