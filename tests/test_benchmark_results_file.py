"""benchmarks/report.py rewrites only its own block of RESULTS.md; hand-recorded sections survive."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from results_file import BEGIN, END, merge_generated  # noqa: E402


def test_new_file_is_the_marked_block():
    assert merge_generated(None, "# report\nrow\n") == f"{BEGIN}\n# report\nrow\n{END}\n"


def test_only_the_marked_block_is_replaced():
    old = f"{BEGIN}\n# old report\n{END}\n\n## GPU\nhand numbers\n\n## Streams\nmore\n"
    new = merge_generated(old, "# new report")
    assert new == f"{BEGIN}\n# new report\n{END}\n\n## GPU\nhand numbers\n\n## Streams\nmore\n"
    assert merge_generated(new, "# newer") .endswith("## Streams\nmore\n")


def test_a_file_without_markers_keeps_its_text_below_the_block():
    new = merge_generated("## Hand section\nkeep me\n", "# report")
    assert new == f"{BEGIN}\n# report\n{END}\n\n## Hand section\nkeep me\n"


@pytest.mark.parametrize("text", [f"{BEGIN}\nx\n", f"x\n{END}\n", f"{END}\n{BEGIN}\n"])
def test_broken_markers_are_refused(text):
    with pytest.raises(ValueError, match="marker"):
        merge_generated(text, "# report")


def test_the_repository_results_file_has_both_markers_in_order():
    text = (Path(__file__).resolve().parents[1] / "benchmarks" / "RESULTS.md").read_text()
    assert text.index(BEGIN) < text.index(END) < text.index("## GPU")
