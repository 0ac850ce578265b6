"""Finding and loading the module: env var, clear errors, sqlite3 and APSW, versions agree."""

import os
import sqlite3
import subprocess
import sys

import pytest

import kohakuvault
from kohakuvault import ExtensionNotLoadable, _loader


def test_version_matches_the_module():
    conn = kohakuvault.load(sqlite3.connect(":memory:"))
    assert conn.execute("SELECT kohakuvault_version()").fetchone()[0] == kohakuvault.__version__


def test_loadable_path_follows_the_environment():
    assert kohakuvault.loadable_path() == os.path.abspath(os.environ["KOHAKUVAULT_EXTENSION"])


def test_load_switches_extension_loading_off_again():
    conn = kohakuvault.load(sqlite3.connect(":memory:"))
    with pytest.raises(sqlite3.OperationalError, match="not authorized"):
        conn.execute("SELECT load_extension(?)", (kohakuvault.loadable_path(),))


def test_apsw_connection():
    apsw = pytest.importorskip("apsw")
    conn = kohakuvault.load(apsw.Connection(":memory:"))
    assert list(conn.execute("SELECT kv_unpack('i64', kv_pack('i64', 42))")) == [(42,)]


def test_a_wrong_env_path_is_a_clear_error():
    env = dict(os.environ, KOHAKUVAULT_EXTENSION="/nonexistent/kohakuvault.so")
    code = "import kohakuvault\ntry:\n kohakuvault.KVault(':memory:')\nexcept kohakuvault.ExtensionNotLoadable as e:\n print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "KOHAKUVAULT_EXTENSION='/nonexistent/kohakuvault.so' is not a file" in out.stdout, out.stderr


def test_a_python_without_extension_loading_names_the_fix(monkeypatch):
    class NoLoading:  # what sqlite3.Connection looks like in such builds
        pass

    class FakeSqlite3:
        Connection = NoLoading
        Error = sqlite3.Error

    monkeypatch.setattr(_loader, "sqlite3", FakeSqlite3)
    with pytest.raises(ExtensionNotLoadable) as info:
        _loader.connect(":memory:")
    assert "APSW" in str(info.value) and "enable_load_extension" in str(info.value)
    assert not isinstance(info.value, AttributeError)
    with pytest.raises(ExtensionNotLoadable, match="APSW"):
        kohakuvault.load(NoLoading())
