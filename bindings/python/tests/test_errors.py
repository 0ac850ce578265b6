"""The extension's `kohakuvault:` errors arrive as KohakuVault's exception classes, with upstream's wording.

Each case triggers the error in the extension (nothing is checked in Python
first) and asserts the class, the upstream wording callers match on, and
that the extension's own message (naming the bad value) is kept.
"""

import sqlite3

import pytest

from kohakuvault import (ColumnVault, CorruptData, DatabaseBusy, DataPacker, InvalidArgument, InvalidType,
                         IoError, KohakuVaultError, KVault, NotFound)
from kohakuvault.errors import from_sqlite


@pytest.mark.parametrize("call, cls, wording, detail", [
    (lambda: DataPacker("i65"), InvalidArgument, "Unknown dtype", "'i65'"),
    (lambda: DataPacker("str:5:utf8").pack("hello world"), InvalidArgument, "Data too long", "11 bytes"),
    (lambda: DataPacker("bytes:2").pack(b"abc"), InvalidArgument, "Data too long", "3 bytes"),
    (lambda: DataPacker("str:ascii").pack("é"), InvalidArgument, "non-ASCII character", "U+00E9"),
    (lambda: DataPacker("str:latin1").pack("€"), InvalidArgument, "character outside Latin1 range", "U+20AC"),
    (lambda: DataPacker("f64").unpack(b"\x00" * 7), InvalidArgument, "Not enough data", "7"),
    (lambda: DataPacker("i32").unpack(b"\x00" * 8, 6), InvalidArgument, "Not enough data", "8-byte blob"),
    (lambda: DataPacker.with_json_schema({"required": ["n"]}).pack({}), InvalidArgument,
     "Validation errors", "'n'"),
    (lambda: DataPacker("i8").pack(300), InvalidArgument, "", "300"),
    (lambda: DataPacker("i64").pack("seven"), InvalidType, "", "'seven'"),
    (lambda: DataPacker("msgpack").unpack(b"\xc1"), CorruptData, "", "msgpack"),
])
def test_extension_errors_map_to_classes(call, cls, wording, detail):
    with pytest.raises(cls) as info:
        call()
    text = str(info.value)
    assert text.startswith(wording)
    assert "kohakuvault:" in text and detail in text
    assert isinstance(info.value, KohakuVaultError)


def test_type_mismatch_is_a_type_error_and_a_value_error():
    with pytest.raises(TypeError):
        DataPacker("f64").pack(b"bytes")
    with pytest.raises(ValueError):
        DataPacker("f64").pack(b"bytes")


def test_column_value_errors_write_nothing():
    cv = ColumnVault(":memory:")
    col = cv.create_column("xs", "u8")
    col.extend([1, 2, 3])
    with pytest.raises(InvalidArgument, match="-1"):
        col.append(-1)
    with pytest.raises(InvalidArgument):
        col.extend([4, 256, 5])  # all or nothing
    with pytest.raises(TypeError):
        col[0:3] = [7, "x", 9]  # slice assignment is atomic
    assert list(col) == [1, 2, 3]


def test_unknown_dtype_for_a_column():
    cv = ColumnVault(":memory:")
    with pytest.raises(InvalidArgument, match="Unknown dtype"):
        cv.create_column("bad", "float128")
    assert cv.list_columns() == []


def test_missing_things_are_not_found():
    kv = KVault(":memory:")
    cv = ColumnVault(kv)
    with pytest.raises(NotFound):
        cv["nope"]
    with pytest.raises(KeyError):  # NotFound is a KeyError too
        cv["nope"]
    with pytest.raises(NotFound):
        kv.read_range("nope", 0)
    with pytest.raises(KeyError):
        kv["nope"]


def test_io_errors(tmp_path):
    kv = KVault(str(tmp_path / "a.db"))
    with pytest.raises(IoError) as info:
        kv.put_file("k", str(tmp_path / "missing.bin"))
    assert isinstance(info.value, OSError)
    assert "missing.bin" in str(info.value)
    assert "k" not in kv


def test_busy_is_database_busy(tmp_path):
    path = str(tmp_path / "busy.db")
    holder = KVault(path)
    holder.enable_cache()
    holder["a"] = b"1"  # the cache's transaction now holds the write lock
    other = KVault(path, timeout=0.05)
    with pytest.raises(DatabaseBusy):
        other["b"] = b"2"
    holder.flush_cache()
    other["b"] = b"2"
    assert holder["b"] == b"2"
    holder.close()
    other.close()


def test_non_sqlite_exceptions_pass_through():
    exc = RuntimeError("x")
    assert from_sqlite(exc) is exc
    assert isinstance(from_sqlite(sqlite3.OperationalError("no code")), sqlite3.OperationalError)


def test_bad_keys_and_values():
    kv = KVault(":memory:")
    with pytest.raises(InvalidArgument):
        kv[5] = b"x"
    with pytest.raises(InvalidArgument, match="no pickling"):
        kv["obj"] = object()


def test_a_plain_table_of_the_same_name_is_refused(tmp_path):
    path = str(tmp_path / "upstream.db")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB)")  # KohakuVault's own layout
    conn.commit()
    conn.close()
    with pytest.raises(InvalidArgument, match="not a kvault table"):
        KVault(path)
    kv = KVault(path, table="vault")
    kv["x"] = b"1"
    assert kv["x"] == b"1"


def test_auto_is_not_a_packer_dtype():
    with pytest.raises(InvalidArgument, match="KVault"):
        DataPacker("auto")


def test_nan_is_refused_with_the_reason_and_read_back_when_present():
    with pytest.raises(InvalidArgument, match="NaN cannot be stored"):
        DataPacker("f64").pack(float("nan"))
    col = ColumnVault(":memory:").create_column("f", "f32")
    with pytest.raises(InvalidArgument, match="NaN"):
        col.extend([1.0, float("nan")])
    assert len(col) == 0
    nan = DataPacker("f64").unpack(bytes.fromhex("000000000000f87f"))
    assert nan != nan
