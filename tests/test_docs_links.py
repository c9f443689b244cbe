"""Every relative link and picture in README.md and docs/ leads somewhere: the file exists and,
for a `#section` link, the page has a heading of that name (GitHub's anchor rule)."""

import re
from pathlib import Path

import pytest

from tests.doc_snippets import documented_pages

ROOT = Path(__file__).resolve().parent.parent
PAGES = documented_pages(ROOT)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        path, _, section = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists():
            broken.append(f"{target}: no file {destination.relative_to(ROOT)}")
        elif section and section not in anchors(destination):
            broken.append(f"{target}: no heading #{section} in {destination.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_anchor_follows_githubs_rule():
    assert anchor(" How `auto` chooses") == "how-auto-chooses"
    assert anchor("Any model: `ops.convert` and `with ops.backend(...)`") == (
        "any-model-opsconvert-and-with-opsbackend")
