"""Running a tool of tools/ as a person would, in a process of its own, for its messages and exit status."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_tool(code: str, folder: Path) -> subprocess.CompletedProcess:
    """Run `code` (Python, with `folder` as sys.argv[1]) from the repository root, with a bare environment."""
    return subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder)},
    )
