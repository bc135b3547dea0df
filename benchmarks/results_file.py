"""Where ``report.py`` writes in ``RESULTS.md``: between two markers, leaving every other section alone.

``RESULTS.md`` holds the generated report (header, summary, sections 1-4) and sections recorded by hand from
other scripts. ``report.py`` replaces only the text between :data:`BEGIN` and :data:`END`; a file without the
markers gets the generated block on top and keeps everything it had below it.
"""
from __future__ import annotations

BEGIN = "<!-- report.py: generated from here; run `python benchmarks/report.py` to refresh -->"
END = "<!-- report.py: generated up to here; the sections below are recorded by hand -->"


def merge_generated(existing: str | None, generated: str) -> str:
    """``existing`` with its generated block replaced by ``generated`` (Markdown, without markers).

    Args:
        existing: the current file's text, or None when there is no file yet.
        generated: the new report.

    Raises:
        ValueError: the file has one marker without the other, or the end marker before the begin marker.
    """
    block = f"{BEGIN}\n{generated.strip()}\n{END}\n"
    if not existing:
        return block
    has_begin, has_end = BEGIN in existing, END in existing
    if has_begin != has_end:
        raise ValueError("RESULTS.md has only one of report.py's markers; restore the other before regenerating")
    if not has_begin:
        return block + "\n" + existing.lstrip("\n")
    start, stop = existing.index(BEGIN), existing.index(END)
    if stop < start:
        raise ValueError("RESULTS.md has report.py's end marker before its begin marker")
    before, after = existing[:start], existing[stop + len(END):].lstrip("\n")
    return before + block + ("\n" + after if after else "")
