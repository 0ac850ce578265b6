"""kohakuvault: KohakuVault's Python API over the kohakuvault SQLite extension.

KVault (key -> value), ColumnVault / Column (typed list-like columns),
DataPacker (typed serializer), CSBTree and SkipList (ordered maps) - every
byte packed, stored and ordered by the extension (kv_pack, kvault, kvcolumn,
kvindex).  ``loadable_path()`` and ``load(conn)`` give plain SQL access from
``sqlite3`` or ``apsw``.
"""

from ._loader import load, loadable_path
from ._version import __version__
from .column_proxy import Column, ColumnVault, VarSizeColumn
from .errors import (CorruptData, DatabaseBusy, ExtensionNotLoadable, InvalidArgument, InvalidType, IoError,
                     KohakuVaultError, NotFound)
from .ordered import CSBTree, SkipList
from .packer import DataPacker
from .proxy import KVault

_DATAPACKER_AVAILABLE = True
_CSBTREE_AVAILABLE = True

__all__ = [
    "KVault", "Column", "ColumnVault", "VarSizeColumn", "DataPacker", "CSBTree", "SkipList",
    "KohakuVaultError", "NotFound", "DatabaseBusy", "InvalidArgument", "InvalidType", "IoError",
    "CorruptData", "ExtensionNotLoadable", "load", "loadable_path", "__version__",
]
