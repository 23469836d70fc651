"""The README's API examples run as written (documentation that cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "README has no python example"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own docs
    assert namespace["r"].table is not None
    assert len(namespace["checks"]) > 0


def test_readme_has_the_two_fresh_machine_commands():
    text = README.read_text(encoding="utf-8")
    assert "pip install -e . && .venv/bin/python -m app" in text
    assert 'pip install -e ".[test]" && .venv/bin/python -m pytest' in text
    assert "apt-get install -y chromium redis-server" in text
