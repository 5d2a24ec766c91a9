"""The sections benchmarks write into docs/benchmarks.md.

`make bench` writes the file's head; every other benchmark owns one section
between markers of its own (`<!-- make NAME: begin -->` ... `end -->`), which
it replaces whole and which the others keep as they are.
"""

from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(name):
    return f"<!-- make {name}: begin -->", f"<!-- make {name}: end -->"


def write_section(name, text):
    """Puts `text` (which must not contain the markers) in the section `name`."""
    begin, end = markers(name)
    text = f"{begin}\n\n{text.strip()}\n\n{end}"
    report = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    if begin in report:
        report = report[:report.index(begin)] + text + report[report.index(end) + len(end):]
    else:
        report = report.rstrip("\n") + "\n\n" + text + "\n"
    REPORT.write_text(report)
