"""README.md's "Library" example of building, adding and removing runs as written (on a tiny
synthetic corpus, with the fake model) and does what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ARTICLES, write_corpus

from evqa.engine import Engine

README = Path(__file__).resolve().parents[1] / "README.md"


def library_blocks(text: str) -> list[str]:
    """The python code blocks of the README's "## Library" section."""
    section = text.split("\n## Library\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_build_add_remove_example_runs(tmp_path, fake_model, monkeypatch):
    blocks = [b for b in library_blocks(README.read_text(encoding="utf-8")) if "evqa.build" in b]
    assert len(blocks) == 1, "README's Library section should show build/add/remove once"
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "my_articles", {**ARTICLES, "old_story": "Old News\n\nA ferry sank."})
    (tmp_path / "new_story.txt").write_text(
        "Electric Ferry Launched\n\nThe electric ferry Aurora carries 300 cars across the fjord.",
        encoding="utf-8",
    )
    names: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), names)  # noqa: S102 - our own README

    assert names["report"].articles == 4  # build() with every default
    assert names["report"].index == Path("my_index")
    fresh = Engine.open("my_index")
    assert "new_story" in fresh.articles and "old_story" not in fresh.articles
    # the Engine opened before the edits still answers from the generation it opened
    old = names["engine"]
    assert "old_story" in old.articles and "new_story" not in old.articles
    assert {h.doc_id for h in old.search("ferry", k=5)} <= set(ARTICLES) | {"old_story"}
    assert fresh.search("electric ferry cars", k=1)[0].doc_id == "new_story"
