"""What a fresh interpreter has loaded of torch and open_clip after running some code (for layering tests)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "open_clip")


def heavy_modules_after(code: str) -> list[str]:
    """Run `code` in a new Python process; the HEAVY modules it left in sys.modules (sorted)."""
    probe = f"{code}\nimport sys\nprint(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [m for m in out.stdout.strip().split(",") if m]
