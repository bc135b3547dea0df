"""Prints the one-line shell command of a README quick-start block.

A block is a ```bash fence right after an HTML comment ``<!-- quickstart:NAME ...-->``; CI runs
exactly what it prints, so the README and CI cannot drift apart.

    python3 .ci/readme_command.py run|test|cpu [README.md]
"""
import re
import sys
from pathlib import Path


def command(readme: str, name: str) -> str:
    found = re.findall(r"<!-- quickstart:" + re.escape(name) + r"\b[^>]*-->\s*```bash\n(.*?)```", readme, re.S)
    if len(found) != 1:
        sys.exit(f"README: expected one quickstart:{name} block, found {len(found)}")
    lines = [ln for ln in found[0].splitlines() if ln.strip()]
    if len(lines) != 1:
        sys.exit(f"README: the quickstart:{name} block must be one command line, got {len(lines)} lines")
    return lines[0].strip()


if __name__ == "__main__":
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[1] / "README.md"
    print(command(path.read_text(encoding="utf-8"), sys.argv[1]))
