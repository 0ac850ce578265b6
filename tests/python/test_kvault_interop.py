"""Auto-pack interop with KohakuVault's value header, using the Python
libraries KohakuVault itself uses (msgpack, cbor2, json): what kv_pack('auto')
writes, a KohakuVault-style reader decodes to the right Python type, and what
such a writer produces, kv_unpack('auto') decodes to the right SQL value."""
import json
import math
import struct
import unittest

import cbor2
import msgpack

from kvtest import connect, error_of

MAGIC_START, MAGIC_END = b"\x89\x4b", b"\x56\x4b"


def header(encoding):
    return MAGIC_START + bytes([1, encoding, 0, 0, 0, 0]) + MAGIC_END


def kohakuvault_read(data):
    """Decodes a stored value the way KohakuVault's auto-pack reader does."""
    if len(data) < 10 or data[:2] != MAGIC_START or data[8:10] != MAGIC_END:
        return data
    enc, payload = data[3], data[10:]
    if enc == 0x03:
        return json.loads(payload.decode())
    if enc == 0x04:
        return msgpack.unpackb(payload, raw=False)
    if enc == 0x05:
        return cbor2.loads(payload)
    if enc == 0x06:
        return payload.decode("utf-8")
    raise ValueError(enc)


class InteropTest(unittest.TestCase):
    def setUp(self):
        self.conn = connect()

    def tearDown(self):
        self.conn.close()

    def pack(self, sql_expr, *params):
        return self.conn.execute(f"SELECT kv_pack('auto', {sql_expr})", params).fetchone()[0]

    def unpack(self, blob):
        return self.conn.execute("SELECT kv_unpack('auto', ?), typeof(kv_unpack('auto', ?))", (blob, blob)).fetchone()

    def test_what_we_write_kohakuvault_reads_with_the_right_type(self):
        cases = [(0, int), (-1, int), (1700000000000, int), (2**63 - 1, int), (0.0, float), (-0.0, float),
                 (1.5, float), (1e300, float), ("hé", str), (b"\x00raw", bytes)]
        for value, typ in cases:
            got = kohakuvault_read(self.pack("?", value))
            self.assertIs(type(got), typ, value)
            self.assertEqual(got, value)
        self.assertTrue(math.copysign(1, kohakuvault_read(self.pack("?", -0.0))) < 0)
        self.assertIsNone(kohakuvault_read(self.pack("NULL")))
        self.assertEqual(kohakuvault_read(self.pack("json('{\"b\":1,\"a\":[true,null]}')")),
                         {"b": 1, "a": [True, None]})
        tricky = header(0x06) + b"not text"  # a BLOB that looks headed stays bytes
        self.assertEqual(kohakuvault_read(self.pack("?", tricky)), tricky)

    def test_what_kohakuvault_writes_we_decode(self):
        self.assertEqual(self.unpack(header(0x04) + msgpack.packb(42)), (42, "integer"))
        self.assertEqual(self.unpack(header(0x04) + msgpack.packb(2.5)), (2.5, "real"))
        self.assertEqual(self.unpack(header(0x04) + msgpack.packb(None)), (None, "null"))
        self.assertEqual(self.unpack(header(0x05) + cbor2.dumps(-7)), (-7, "integer"))
        self.assertEqual(self.unpack(header(0x06) + "héllo".encode()), ("héllo", "text"))
        doc = {"z": 1, "a": [1, 2.5, "x"], "m": {"k": None}}
        got, _ = self.unpack(header(0x04) + msgpack.packb(doc))
        self.assertEqual(list(json.loads(got)), ["z", "a", "m"])  # map order kept
        self.assertEqual(json.loads(got), doc)
        got, _ = self.unpack(header(0x05) + cbor2.dumps(doc))
        self.assertEqual(json.loads(got), doc)
        got, _ = self.unpack(header(0x03) + json.dumps(doc).encode())
        self.assertEqual(json.loads(got), doc)
        self.assertEqual(self.conn.execute("SELECT json_extract(kv_unpack('auto', ?), '$.a[1]')",
                                           (header(0x04) + msgpack.packb(doc),)).fetchone()[0], 2.5)
        raw = b"\x89PNG\r\n\x1a\n"
        self.assertEqual(self.unpack(raw), (raw, "blob"))

    def test_datapacker_payloads(self):
        vec = bytes([0x04, 1]) + struct.pack("<I", 3) + struct.pack("<3q", 1, -2, 1 << 40)
        got, _ = self.unpack(header(0x02) + vec)
        self.assertEqual(json.loads(got), [1, -2, 1 << 40])
        number = header(0x02) + struct.pack("<d", 0.0)  # i64 or f64? not recorded
        err = error_of(self.conn, "SELECT kv_unpack('auto', ?)", (number,))
        self.assertIn("kv_unpack('f64', substr(value, 11))", err)
        self.assertEqual(self.conn.execute("SELECT kv_unpack('f64', substr(?, 11))", (number,)).fetchone()[0], 0.0)

    def test_pickle_is_never_executed(self):
        import pickle
        err = error_of(self.conn, "SELECT kv_unpack('auto', ?)", (header(0x01) + pickle.dumps({"a": 1}),))
        self.assertIn("never executed", err)

    def test_kvault_table_encoding_column_sees_kohakuvault_values(self):
        self.conn.execute("CREATE VIRTUAL TABLE media USING kvault")
        rows = [("m", header(0x04) + msgpack.packb([1])), ("c", header(0x05) + cbor2.dumps(1)),
                ("j", header(0x03) + b"[1]"), ("s", header(0x06) + b"s"), ("p", header(0x01) + b"\x80"),
                ("d", header(0x02) + struct.pack("<q", 5)), ("r", b"raw")]
        self.conn.executemany("INSERT INTO media(key, value) VALUES (?, ?)", rows)
        got = dict(self.conn.execute("SELECT CAST(key AS TEXT), encoding FROM media"))
        self.assertEqual(got, {"m": "msgpack", "c": "cbor", "j": "json", "s": "utf8", "p": "pickle",
                               "d": "datapacker", "r": None})


if __name__ == "__main__":
    unittest.main()
