"""The documentation: README.md is a map of at most 200 lines whose every relative link resolves,
and the pages under docs/ build as an MkDocs site with ``mkdocs build --strict`` (mkdocs.yml's
``validation`` makes a broken link or anchor, an absolute link and a page left out of the nav a
warning, and --strict makes every warning an error)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


def anchors(page: Path) -> set[str]:
    """The ids MkDocs' toc extension gives the page's headings."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slugify(m.group(1).strip(), "-") for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_site_builds_without_a_warning(tmp_path: Path) -> None:
    result = build(ROOT, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode == 0 and "WARNING" not in log, log
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "images" / "mlflow_runs.png").is_file()


def test_a_broken_link_an_anchor_a_link_out_of_docs_or_a_page_outside_the_nav_fail_the_build(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n[a](missing.md) [b](method.md#no-such-heading) [c](../Makefile)\n")
    (tmp_path / "docs" / "orphan.md").write_text("# Not in the nav\n")
    result = build(tmp_path, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    for warning in ("'missing.md'", "'#no-such-heading'", "'../Makefile'", "orphan.md"):
        assert warning in log, (warning, log)


def test_the_readme_is_a_map_of_at_most_200_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_every_relative_link_in_the_readme_resolves() -> None:
    links = relative_links(README)
    assert links
    for link in links:
        path, _, anchor = link.partition("#")
        target = (ROOT / path) if path else README
        assert target.exists(), f"README.md links to {link}: no such file"
        if anchor and target.suffix == ".md":
            assert anchor in anchors(target), f"README.md links to {link}: {path or 'README.md'} has no such heading"


def test_the_readme_links_every_page() -> None:
    linked = {(ROOT / link.partition("#")[0]).resolve() for link in relative_links(README)}
    pages = {page.resolve() for page in (ROOT / "docs").glob("*.md") if page.name != "index.md"}
    assert not pages - linked, f"pages README.md doesn't link: {sorted(p.name for p in pages - linked)}"
