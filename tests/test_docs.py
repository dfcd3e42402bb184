"""The code cites its spec, docs/methods.md, by anchors that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_cited_anchor_exists_and_nothing_cites_files_outside_the_repository():
    spec = (ROOT / "docs" / "methods.md").read_text()
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', spec))
    cited = {}
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        text = path.read_text()
        assert "METHODS.md" not in text, f"{path} cites a file outside the repository"
        for anchor in re.findall(r"docs/methods\.md#([a-z0-9-]+)", text):
            cited.setdefault(anchor, []).append(path.name)
    assert len(cited) >= 10
    missing = {a: files for a, files in cited.items() if a not in anchors}
    assert not missing, f"anchors cited but absent from docs/methods.md: {missing}"
