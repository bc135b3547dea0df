"""MkDocs hook: fill ``docs/cli.md`` with the ``--help`` text of every ``fairmot`` command.

The page holds the marker ``<!-- fairmot-cli-help -->``; the text comes from the same argparse parser the
command line uses (``fairmot.cli.main.build_parser``), so the reference cannot drift from the code.
"""
from __future__ import annotations

import argparse
import os

MARKER = "<!-- fairmot-cli-help -->"


def _help_sections() -> str:
    os.environ.setdefault("COLUMNS", "110")  # argparse wraps at the terminal width; fix it for a stable page
    from fairmot.cli.main import build_parser

    parser = build_parser()
    parts = ["## fairmot\n", "```text\n" + parser.format_help() + "```\n"]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        parts.append(f"## fairmot {name}\n")
        parts.append("```text\n" + sub.format_help() + "```\n")
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, _help_sections())
    return markdown
