"""DataPacker: KohakuVault's typed serializer, computed by the extension.

Every byte is produced and read by the extension's ``kv_pack``,
``kv_unpack``, ``kv_pack_many``, ``kv_pack_agg`` and ``kv_unpack_each``;
this class only chooses the SQL values to hand them (``_values``).
Byte formats: KOHAKUVAULT_FORMATS.md (identical to KohakuVault's).
"""

from __future__ import annotations

import functools
import json
from typing import Any, Iterable, Optional, Sequence

from . import _pure
from ._values import DType, json_array_ok, numbers_json, param_encoder, result_decoder, to_json
from .errors import InvalidArgument

# SQLite's default host-parameter limit is 32766; stay well below it.
_VALUES_BATCH = 500


@functools.lru_cache(maxsize=256)
def parse_dtype(dtype: str) -> DType:
    """Parse a dtype string with the extension (``kv_dtype``); errors say "Unknown dtype"."""
    if not isinstance(dtype, str):
        raise InvalidArgument(f"Unknown dtype: a dtype is a string such as 'i64', got {type(dtype).__name__}")
    return DType.from_json(_pure.scalar("SELECT kv_dtype(?)", (dtype,)))


def pack_many_sql(conn_query, dtype: DType, values: Sequence[Any]) -> bytes:
    """Pack ``values`` back to back with the extension, using ``conn_query(sql, params)``.

    One JSON array through ``kv_pack_many`` when the values fit JSON, else
    ``kv_pack_agg`` over the values as parameters (bytes, top-level binary).
    """
    values = list(values)
    if not values:
        return b""
    text = numbers_json(values) if dtype.family in ("integer", "float") else None
    if text is None and json_array_ok(dtype, values):
        text = to_json(values)
    if text is not None:
        return conn_query("SELECT kv_pack_many(?, ?)", (dtype.name, text))[0][0]
    encode = param_encoder(dtype)
    parts = []
    for start in range(0, len(values), _VALUES_BATCH):
        batch = [encode(v) for v in values[start:start + _VALUES_BATCH]]
        rows = ",".join("(?)" for _ in batch)
        sql = f"SELECT kv_pack_agg(?, column1) FROM (VALUES {rows})"
        parts.append(conn_query(sql, (dtype.name, *batch))[0][0])
    return b"".join(parts)


class DataPacker:
    """Pack and unpack values of one dtype (``i64``, ``str:32:utf8``, ``msgpack``, ``vec:f32:128`` ...)."""

    def __init__(self, dtype: str, *, schema: Optional[Any] = None) -> None:
        self._dtype = parse_dtype(dtype)
        if self._dtype.family == "auto":
            raise InvalidArgument("'auto' is KVault's value format, not a DataPacker dtype: store the value "
                                  "in a KVault (or use kv_pack('auto', ...) in SQL)")
        self._encode = param_encoder(self._dtype)
        self._decode = result_decoder(self._dtype)
        self._schema = None
        if schema is not None:
            if not self._dtype.structured:
                raise InvalidArgument(f"a JSON Schema applies to msgpack/cbor dtypes, not {self._dtype.name}")
            self._schema = schema if isinstance(schema, str) else json.dumps(schema)

    @classmethod
    def with_json_schema(cls, schema: Any, dtype: str = "msgpack") -> "DataPacker":
        """A msgpack (or cbor) packer that validates every value against ``schema`` (draft 7)."""
        return cls(dtype, schema=schema)

    @property
    def dtype(self) -> str:
        return self._dtype.name

    @property
    def elem_size(self) -> int:
        """Bytes per element; 0 for variable-size dtypes."""
        return self._dtype.elem_size

    @property
    def is_varsize(self) -> bool:
        return self._dtype.is_varsize

    def __repr__(self) -> str:
        return f"DataPacker({self._dtype.name!r})"

    def pack(self, value: Any) -> bytes:
        """The packed bytes of one value."""
        param = self._encode(value)
        if self._schema is None:
            return _pure.scalar("SELECT kv_pack(?, ?)", (self._dtype.name, param))
        return _pure.scalar("SELECT kv_pack(?, ?, ?)", (self._dtype.name, param, self._schema))

    def unpack(self, data: bytes, offset: int = 0) -> Any:
        """The value packed at byte ``offset`` of ``data`` (variable-size: to the end of ``data``)."""
        if offset == 0 and self._dtype.is_varsize:  # the 2-argument form also takes an empty element
            result = _pure.scalar("SELECT kv_unpack(?, ?)", (self._dtype.name, bytes(data)))
        else:
            result = _pure.scalar("SELECT kv_unpack(?, ?, ?)", (self._dtype.name, bytes(data), offset))
        return self._decode(result)

    def pack_many(self, values: Iterable[Any]) -> bytes:
        """Every value packed, back to back."""
        values = list(values)
        if self._schema is not None:
            return b"".join(self.pack(v) for v in values)
        return pack_many_sql(_pure.query, self._dtype, values)

    def unpack_many(self, data: bytes, count: Optional[int] = None,
                    offsets: Optional[Sequence[int]] = None) -> list:
        """Fixed-size dtypes: ``count`` elements (default: all).  Variable-size: one per start offset."""
        data = bytes(data)
        if self._dtype.is_varsize:
            if offsets is None:
                raise InvalidArgument(
                    f"Variable-size dtypes require offsets: {self._dtype.name} elements carry no length "
                    "(pass offsets=[start of each element])")
            rows = _pure.query("SELECT value FROM kv_unpack_each(?, ?, ?) ORDER BY idx",
                               (self._dtype.name, data, json.dumps([int(o) for o in offsets])))
        else:
            if count is not None:
                need = count * self._dtype.elem_size
                if count < 0 or need > len(data):
                    raise InvalidArgument(
                        f"Not enough data: {count} x {self._dtype.name} needs {need} bytes, got {len(data)}")
                data = data[:need]
            rows = _pure.query("SELECT value FROM kv_unpack_each(?, ?) ORDER BY idx", (self._dtype.name, data))
        decode = self._decode
        return [decode(r[0]) for r in rows]
