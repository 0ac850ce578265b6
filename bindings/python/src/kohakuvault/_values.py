"""Python values <-> the SQL values the extension's functions take and return.

The extension does all packing (kv_pack, kvcolumn, kvindex); this module only
chooses the SQL value to hand it, following the value mapping of
SQL_INTERFACE.md section 2, and turns the SQL value that comes back into the
Python value:

=========================  ================================  ===============================
dtype family               Python -> SQL parameter           SQL result -> Python
=========================  ================================  ===============================
integer (i8 .. u64)        int (u64 above 2**63-1: its       int (u64 above 2**63-1 arrives as
                           decimal digits as TEXT)           TEXT digits)
float (f32, f64)           float / int                       float (NULL = NaN)
str[:N][:ENC]              str                               str
bytes[:N]                  bytes (bytearray, memoryview)     bytes
msgpack / cbor [:N]        None/int/float/bytes as is,       INTEGER/REAL/NULL/BLOB as is,
                           anything else as JSON text        TEXT parsed as JSON
                           (TEXT is a JSON document there)
vec:E[:dims]               bytes, or a (nested) sequence     list (nested for several dims)
                           / array as JSON text
=========================  ================================  ===============================

JSON text is only the transport the SQL contract defines for structured
values; MessagePack/CBOR bytes are always written and read by the extension.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable

from .errors import InvalidArgument

_I64_MAX = (1 << 63) - 1


@dataclass(frozen=True)
class DType:
    """A dtype as the extension describes it (``kv_dtype``)."""

    name: str  # normalised, e.g. 'str:32:utf8'
    family: str  # integer, float, str, bytes, msgpack, cbor, vec
    elem_size: int  # bytes per element, 0 for variable-size
    is_varsize: bool
    elem: str | None = None  # numeric element type (integer, float, vec)

    @classmethod
    def from_json(cls, text: str) -> "DType":
        info = json.loads(text)
        return cls(info["dtype"], info["family"], int(info["elem_size"]), bool(info["is_varsize"]),
                   info.get("elem"))

    @property
    def structured(self) -> bool:
        return self.family in ("msgpack", "cbor")


def _to_plain(value: Any) -> Any:
    """NumPy arrays and scalars -> Python lists and numbers (duck-typed, no NumPy import)."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return value.tolist()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    plain = _to_plain(value)
    if plain is not value:
        return plain
    raise TypeError(
        f"{type(value).__name__} cannot be stored in a msgpack/cbor value: "
        "use dict, list, str, int, float, bool, None, or bytes at the top level"
    )


def to_json(value: Any) -> str:
    """JSON text for a structured value (strict: NaN/inf are not JSON)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=_json_default)


def structured_param(value: Any) -> Any:
    """SQL parameter for a msgpack/cbor (or KVault auto-pack) value."""
    if value is None or isinstance(value, (bytes, float)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -_I64_MAX - 1 <= value <= _I64_MAX else str(value)  # JSON number text
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    plain = _to_plain(value)
    if plain is not value:
        return structured_param(plain)
    return to_json(value)


def from_structured(result: Any) -> Any:
    """Python value for what kv_unpack returns for msgpack/cbor (TEXT is JSON)."""
    if isinstance(result, str):
        return json.loads(result)
    return result


def _int_param(value: Any) -> Any:
    value = _to_plain(value)
    if isinstance(value, int) and value > _I64_MAX:
        return str(value)  # u64 range: the extension takes the exact digits
    return value


def _float_param(value: Any) -> Any:
    value = _to_plain(value)
    if isinstance(value, float) and value != value:
        raise InvalidArgument("NaN cannot be stored: SQLite binds a NaN parameter as NULL "
                              "(NaN elements written by other programs read back as NaN)")
    return value


def _int_result(result: Any) -> Any:
    return int(result) if isinstance(result, str) else result


def _float_result(result: Any) -> Any:
    return math.nan if result is None else result


def _bytes_param(value: Any) -> Any:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


def _vec_param(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return to_json(_to_plain(value))


def _vec_result(result: Any) -> Any:
    return json.loads(result) if isinstance(result, str) else result


def _identity(value: Any) -> Any:
    return value


_PARAM: dict[str, Callable[[Any], Any]] = {
    "integer": _int_param, "float": _float_param, "str": _identity, "bytes": _bytes_param,
    "msgpack": structured_param, "cbor": structured_param, "vec": _vec_param,
}
_RESULT: dict[str, Callable[[Any], Any]] = {
    "integer": _int_result, "float": _float_result, "str": _identity, "bytes": _identity,
    "msgpack": from_structured, "cbor": from_structured, "vec": _vec_result,
}


def param_encoder(dtype: DType) -> Callable[[Any], Any]:
    """Function mapping a Python value to the SQL parameter for ``dtype``."""
    return _PARAM[dtype.family]


def result_decoder(dtype: DType) -> Callable[[Any], Any]:
    """Function mapping an SQL result of ``dtype`` to the Python value."""
    return _RESULT[dtype.family]


def numbers_json(values: list) -> str | None:
    """JSON array text of a list of plain ints/floats, fast (``repr`` of such a list is JSON), else None.

    Non-finite floats (``inf``, ``nan``: not JSON) and anything else give None.
    """
    if type(values) is not list or not all(type(v) is int or type(v) is float for v in values):
        return None
    text = repr(values)
    return None if "n" in text else text  # 'inf' / 'nan' are the only letters repr can produce


def json_array_ok(dtype: DType, values: list) -> bool:
    """True when ``values`` can travel to kv_pack_many / 'append' as one JSON array.

    bytes dtypes cannot (JSON has no byte strings), nor can msgpack/cbor
    lists holding top-level bytes, nor u64 beyond i64 (fine as JSON, but
    keep one path).
    """
    if dtype.family == "bytes":
        return False
    if dtype.structured:
        return not any(isinstance(v, (bytes, bytearray, memoryview)) for v in values)
    if dtype.family == "vec":
        return not any(isinstance(v, (bytes, bytearray, memoryview)) for v in values)
    if dtype.family == "float":
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   for v in values)
    if dtype.family == "integer":
        return all(type(v) is int for v in values)
    return all(isinstance(v, str) for v in values)
