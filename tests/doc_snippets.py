"""The runnable snippets of the project's Markdown, as tests/test_docs_snippets.py runs them
(its docstring states the convention): fenced blocks, a bash block's commands (comments
stripped, `\\` continuations joined) and an entry point's command line with limits appended."""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

# A block's language (the info string's first word) and what runs it; any other is only shown.
RUNNABLE = {"bash": "bash", "sh": "bash", "shell": "bash", "python": "python", "py": "python"}
NOT_RUN_FLAG = "no-test"
GPU_FLAG = "gpu"

# CommonMark fences: three or more backticks or tildes; a block in a list item is indented.
OPENING_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
# Where an entry point's own arguments end: a pipe, list operator, redirection or subshell end.
SHELL_OPERATORS = "|&;<>)"


def documented_pages(root: Path) -> list[Path]:
    """README.md and every Markdown page under docs/: what the docs tests read."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


@dataclass(frozen=True)
class Snippet:
    path: str  # the Markdown file, relative to the project root
    line: int  # the opening fence's line, 1-based
    language: str  # "bash" or "python"
    flags: frozenset  # the info string's other words (gpu, ...)
    text: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def runnable_snippets(markdown: str, path: str) -> list[Snippet]:
    """Every fenced block of a runnable language whose info string lacks `no-test`."""
    snippets, lines, index = [], markdown.splitlines(), 0
    while index < len(lines):
        opening = OPENING_FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        fence, indent, first_line = opening["fence"], len(opening["indent"]), index
        body = []
        while index < len(lines) and not re.fullmatch(
                rf"\s*{re.escape(fence[0])}{{{len(fence)},}}\s*", lines[index]):
            # A list item's block is indented: its lines lose the fence's indentation.
            line = lines[index]
            body.append(line[min(indent, len(line) - len(line.lstrip())):])
            index += 1
        index += 1  # the closing fence (or the end of the file)
        words = opening["info"].split()
        language = RUNNABLE.get(words[0].lower()) if words else None
        if language and NOT_RUN_FLAG not in words[1:]:
            snippets.append(Snippet(path, first_line, language,
                                    frozenset(words[1:]), "\n".join(body) + "\n"))
    return snippets


def _unquoted(text: str):
    """(index, character, preceding character) of every character outside shell quotes."""
    quote, escaped = None, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            yield i, char, text[i - 1] if i else ""


def strip_comment(line: str) -> str:
    """`line` without its `#` comment (a `#` that starts a word, outside quotes)."""
    for i, char, before in _unquoted(line):
        if char == "#" and (not before or before.isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def shell_commands(text: str) -> list[tuple[int, str]]:
    """A bash block's commands with the 0-based line each starts on: `#` comments and blank
    lines dropped, a line ending in `\\` joined with the next."""
    commands, pending, start = [], "", 0
    for offset, line in enumerate(text.splitlines()):
        code = strip_comment(line)
        if not pending:
            start = offset
        if code.endswith("\\"):
            pending += code[:-1].rstrip() + " "
            continue
        command = (pending + code.strip()).strip()
        pending = ""
        if command:
            commands.append((start, command))
    if pending.strip():
        commands.append((start, pending.strip()))
    return commands


def _arguments_end(command: str, start: int) -> int:
    """Where the arguments from `start` on end: the first unquoted shell operator (a
    redirection's file-descriptor number, as in `2>&1`, belongs to the operator) or the end."""
    for i, char, _ in _unquoted(command):
        if i >= start and char in SHELL_OPERATORS:
            if char in "<>":
                digits = re.search(r"(?:^|\s)(\d+)$", command[start:i])
                return i - len(digits[1]) if digits else i
            return i
    return len(command)


def with_limits(command: str, limits: dict[str, list[str]]) -> str:
    """`command` with each entry point it runs (`python3 train.py`, `python3 -m
    benchmarks.suite`, the keys of `limits`) given that entry's extra arguments last, before
    any pipe, `&&`, `;` or redirection; each argument quoted for the shell."""
    insertions = []
    for entry, extra in limits.items():
        name = re.escape(entry).replace(r"\ ", r"\s+")
        pattern = rf"(?:^|(?<=[\s;&|(]))python3?(?:\s+-[A-Za-z]+)*?\s+{name}(?=$|[\s{SHELL_OPERATORS}])"
        for match in re.finditer(pattern, command):
            insertions.append((_arguments_end(command, match.end()), shlex.join(extra)))
    for end, arguments in sorted(insertions, reverse=True):
        head, tail = command[:end].rstrip(), command[end:]
        command = f"{head} {arguments}" + (f" {tail}" if tail else "")
    return command
