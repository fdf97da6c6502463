"""The code blocks of the project's documentation (README.md and docs/*.md), with where they are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the first line of code, 1-based
    language: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    def lines(self) -> list[tuple[int, str]]:
        """(line number, text) of each line, with `\\`-continued lines joined and comments dropped."""
        result: list[tuple[int, str]] = []
        pending, start = "", 0
        for offset, text in enumerate(self.code.splitlines()):
            if not pending:
                start = self.line + offset
            text = re.sub(r"\s+#\s.*$", "", text) if not text.lstrip().startswith("#") else ""
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            joined = (pending + text).strip()
            pending = ""
            if joined:
                result.append((start, joined))
        return result


def blocks(*languages: str, pages: list[Path] | None = None) -> list[Block]:
    """Every fenced block whose language is one of `languages` ("" for unmarked fences)."""
    found = []
    for page in pages or PAGES:
        language, code, first = None, [], 0
        for number, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            fence = FENCE.match(text)
            if fence and language is None:
                language, code, first = fence[1], [], number + 1
            elif text.strip() == "```" and language is not None:
                if language in languages:
                    found.append(Block(page, first, language, "\n".join(code)))
                language = None
            elif language is not None:
                code.append(text)
    return found
