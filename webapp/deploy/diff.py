"""The exact change a deploy would make: a unified diff per file, a summary, and a hash of
the content so that what was reviewed is what lands."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


@dataclass(frozen=True)
class FileDiff:
    """One file's change: how, and its unified diff (text files) or a note (binary)."""

    path: str
    change: str  # ADDED, CHANGED or REMOVED
    diff: str
    added_lines: int
    removed_lines: int

    def lines(self) -> list[tuple[str, str]]:
        """(kind, text) of each diff line, kind one of add, remove, hunk, meta or context."""
        result = []
        for line in self.diff.splitlines():
            kind = ("meta" if line.startswith(("+++", "---", "\\")) else
                    "add" if line.startswith("+") else "remove" if line.startswith("-") else
                    "hunk" if line.startswith("@@") else "context")
            result.append((kind, line))
        return result


@dataclass(frozen=True)
class Diff:
    """Every file a deploy would change, in path order; empty when nothing would."""

    files: tuple[FileDiff, ...]
    content_hash: str

    @property
    def unchanged(self) -> bool:
        """Whether the deploy would commit nothing."""
        return not self.files

    def summary(self) -> str:
        """One line: how many files change and how many lines, e.g. for a pull request."""
        if not self.files:
            return "No changes."
        counts = {kind: sum(1 for f in self.files if f.change == kind)
                  for kind in (ADDED, CHANGED, REMOVED)}
        parts = [f"{count} {kind}" for kind, count in counts.items() if count]
        plus = sum(f.added_lines for f in self.files)
        minus = sum(f.removed_lines for f in self.files)
        count = len(self.files)
        files = f"{count} file{'s' if count != 1 else ''}"
        lines = "line" if plus + minus == 1 else "lines"
        return f"{files} ({', '.join(parts)}), +{plus} −{minus} {lines}."

    def markdown(self) -> str:
        """The summary and each file's diff, for a pull request's description."""
        parts = [self.summary()]
        for item in self.files:
            parts.append(f"\n`{item.path}` ({item.change})\n\n```diff\n{item.diff}```")
        return "\n".join(parts)


def content_hash(files: Mapping[str, bytes | None]) -> str:
    """A hash of exactly what a deploy would write (paths and contents; None deletes)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        digest.update(path.encode() + b"\0")
        digest.update(b"-" if content is None else b"+" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def diff(before: Mapping[str, bytes | None], after: Mapping[str, bytes | None]) -> Diff:
    """The change from before (what the branch holds of the paths that differ; None where a
    path is missing) to after (every file the deploy writes; None deletes)."""
    files = []
    for path in sorted(before):
        old, new = before[path], after.get(path)
        if old == new:
            continue
        change = ADDED if old is None else REMOVED if new is None else CHANGED
        files.append(_file_diff(path, change, old, new))
    return Diff(tuple(files), content_hash(after))


def _file_diff(path: str, change: str, old: bytes | None, new: bytes | None) -> FileDiff:
    try:
        old_lines = (old or b"").decode("utf-8").splitlines(keepends=True)
        new_lines = (new or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return FileDiff(path, change, "Binary file differs.\n", 0, 0)
    lines = list(difflib.unified_diff(
        old_lines, new_lines, fromfile="/dev/null" if old is None else f"a/{path}",
        tofile="/dev/null" if new is None else f"b/{path}", lineterm="\n"))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return FileDiff(path, change, text, added, removed)
