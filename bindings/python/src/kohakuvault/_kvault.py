"""Upstream's native-module name: ``from kohakuvault._kvault import DataPacker`` keeps working.

Upstream's ``_kvault`` is a compiled PyO3 module; here every class is backed by
the SQLite extension instead.
"""

from .ordered import CSBTree, SkipList
from .packer import DataPacker

__all__ = ["DataPacker", "CSBTree", "SkipList"]
