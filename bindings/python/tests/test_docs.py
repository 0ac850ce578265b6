"""The ```python blocks of README.md (Python quick start) and docs/python.md run as written.

Blocks of one file run in order in one namespace, in a fresh temporary
directory; ```python-nocheck blocks (illustrative: paths that do not exist)
are skipped.
"""

import contextlib
import io
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def blocks(relpath):
    with open(os.path.join(ROOT, relpath), encoding="utf-8") as f:
        return FENCE.findall(f.read())


@pytest.mark.parametrize("relpath", ["README.md", "docs/python.md"])
def test_python_blocks_run(relpath, tmp_path, monkeypatch):
    found = blocks(relpath)
    assert found, f"no python blocks in {relpath}"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for code in found:
            exec(compile(code, relpath, "exec"), namespace)
    assert out.getvalue()  # the blocks print what they show


def test_docs_api_outputs():
    # The values the docs' comments promise.
    from kohakuvault import CSBTree, SkipList

    tree = CSBTree()
    tree.insert(2, "two"), tree.insert(1, "one")
    assert tree.items() == [(1, "one"), (2, "two")] and tree.range(1, 2) == [(1, "one")]
    sl = SkipList()
    sl["b"] = 1
    assert (sl.insert("b", 2), sl["b"]) == (1, 1)
