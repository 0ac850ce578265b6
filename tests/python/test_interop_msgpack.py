"""MessagePack interop with python3-msgpack as an independent peer.

kv_pack('msgpack', json_text) must be byte-identical to msgpack.packb(obj) and
kv_unpack('msgpack', msgpack.packb(obj)) must read back as obj.
"""
import json
import math
import struct
import unittest

import msgpack

import interop_gen
from kvtest import CodecOverSql, as_python, error_of


class MsgpackInterop(CodecOverSql, unittest.TestCase):
    FORMAT = "msgpack"

    def test_random_objects_pack_byte_identical(self):
        for k, obj in enumerate(interop_gen.objects(1, 400)):
            for ensure_ascii in (True, False):
                text = json.dumps(obj, ensure_ascii=ensure_ascii)
                self.assertEqual(self.pack(text), msgpack.packb(obj), f"object {k}: {text[:200]}")

    def test_random_objects_unpack_to_the_same_object(self):
        for k, obj in enumerate(interop_gen.objects(2, 400)):
            got = as_python(self.unpack(msgpack.packb(obj)))
            self.assertEqual(got, obj, f"object {k}")
            # and our own bytes read back the same way
            self.assertEqual(as_python(self.unpack(self.pack(json.dumps(obj)))), obj)

    def test_large_containers_and_strings(self):
        obj = {"big": list(range(70000)), "s": "x" * 70000, "m": {str(i): i for i in range(70000)}}
        text = json.dumps(obj)
        self.assertEqual(self.pack(text), msgpack.packb(obj))
        self.assertEqual(as_python(self.unpack(msgpack.packb(obj))), obj)

    def test_top_level_sql_values(self):
        db = self.db
        row = db.execute("select kv_pack('msgpack', null), kv_pack('msgpack', 300), "
                         "kv_pack('msgpack', 1.5), kv_pack('msgpack', x'00ff')").fetchone()
        self.assertEqual(row, (msgpack.packb(None), msgpack.packb(300), msgpack.packb(1.5),
                               msgpack.packb(b"\x00\xff")))
        for obj in [None, 0, -1, 2**63 - 1, -2**63, 1.5, b"", b"\x00\xff" * 300]:
            self.assertEqual(self.unpack(msgpack.packb(obj)), obj)
        # beyond INTEGER: the exact digits as JSON text
        self.assertEqual(self.unpack(msgpack.packb(2**64 - 1)), "18446744073709551615")
        row = db.execute("select typeof(kv_unpack('msgpack', ?)), typeof(kv_unpack('msgpack', ?))",
                         (msgpack.packb(5), msgpack.packb(b"ab"))).fetchone()
        self.assertEqual(row, ("integer", "blob"))

    def test_infinity_round_trips_through_json_text(self):
        # kv_unpack spells a nested infinity 9e999 (as SQLite does); packing
        # that text must give python-msgpack the infinities back.
        text = self.unpack(msgpack.packb([math.inf, {"x": -math.inf}]))
        self.assertEqual(text, '[9e999,{"x":-9e999}]')
        self.assertEqual(msgpack.unpackb(self.pack(text)), [math.inf, {"x": -math.inf}])

    def test_float32_reads_as_its_shortest_text(self):
        for f in [0.1, 1.5, 3.4028234663852886e38, 1e-45, -7.25]:
            f32 = struct.unpack(">f", struct.pack(">f", f))[0]
            packed = msgpack.packb([f32], use_single_float=True)
            got = json.loads(self.unpack(packed))[0]
            self.assertEqual(struct.unpack(">f", struct.pack(">f", got))[0], f32)

    def test_bin_ext_and_timestamp_mapping(self):
        self.assertEqual(json.loads(self.unpack(msgpack.packb([b"\x01\x02\x03"]))), ["AQID"])
        ts = msgpack.Timestamp(1514862245, 678901234)
        self.assertEqual(json.loads(self.unpack(msgpack.packb([ts]))), ["2018-01-02T03:04:05.678901234Z"])
        ext = msgpack.ExtType(5, b"\xff\xfe")
        self.assertEqual(json.loads(self.unpack(msgpack.packb(ext))), {"ext": 5, "data": "__4"})
        self.assertEqual(json.loads(self.unpack(msgpack.packb({1: 2, (1, 2): 3}, use_bin_type=True))),
                         {"1": 2, "[1,2]": 3})

    def test_json_functions_read_the_result(self):
        got = self.db.execute(
            "select json_extract(kv_unpack('msgpack', kv_pack('msgpack', ?)), '$.name')",
            (json.dumps({"name": "x", "n": [1, 2]}),)).fetchone()[0]
        self.assertEqual(got, "x")

    def test_errors(self):
        db = self.db
        cases = [
            ("select kv_pack('msgpack', 'not json')", "JSON"),
            ("select kv_pack('msgpack', '[18446744073709551616]')", "does not fit in 64 bits"),
            ("select kv_unpack('msgpack', x'ddffffffff01')", "truncated"),
            ("select kv_unpack('msgpack', x'c1')", "0xc1"),
            ("select kv_unpack('msgpack', zeroblob(0))", "empty"),
        ]
        for sql, fragment in cases:
            msg = error_of(db, sql)
            self.assertIsNotNone(msg, sql)
            self.assertTrue(msg.startswith("kohakuvault:"), msg)
            self.assertIn(fragment, msg, sql)
        deep = b"\x91" * 100000 + b"\xc0"
        self.assertIn("nests deeper", error_of(db, "select kv_unpack('msgpack', ?)", (deep,)))


if __name__ == "__main__":
    unittest.main()
