"""Sources are cited by name, never by the course material's internal file numbers ("seed 002")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".md", ".txt", ".css", ".js", ".html", ".json", ".toml"}
FILE_NUMBER = re.compile(r"\bseeds? 00\d|seed 00", re.IGNORECASE)


def _files() -> list[Path]:
    """What a user or a reader of the code can see: the UI, the engine, the app, the README and docs."""
    files = [ROOT / "app.py", ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for folder in ("tabs", "demo"):
        files += sorted(p for p in (ROOT / folder).rglob("*")
                        if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts)
    return [p for p in files if p.exists()]


def test_the_walk_covers_the_app() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert {"app.py", "README.md", "tabs/tasks/qa.py", "demo/course_texts.py"} <= names


@pytest.mark.parametrize("text", ["seed 002", "Seeds 002 and 004", "seed 000's table", "(SEED 004)"])
def test_the_pattern_catches_file_numbers(text: str) -> None:
    assert FILE_NUMBER.search(text)


@pytest.mark.parametrize("text", ["seed 42", "same seed", "seed=0", "the seed, at its default"])
def test_the_pattern_leaves_random_seeds_alone(text: str) -> None:
    assert not FILE_NUMBER.search(text)


def test_no_source_is_cited_by_file_number() -> None:
    hits = []
    for path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if FILE_NUMBER.search(line):
                hits.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}")
    assert not hits, ("Cite the source by its name (see demo/course_texts.py), not 'seed 00N':\n" + "\n".join(hits))
