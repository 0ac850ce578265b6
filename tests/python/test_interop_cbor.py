"""CBOR interop with python3-cbor2 as an independent peer, both ways.

kv_pack('cbor', json_text) equals cbor2.dumps(obj) byte for byte (float64,
shortest heads, definite lengths) and cbor2.loads reads it back; kv_unpack
reads what cbor2 writes, including half/single floats (canonical=True picks
the shortest float that keeps the value), bignums, tags and indefinite lengths.
"""
import datetime
import json
import math
import struct
import unittest

import cbor2

import interop_gen
from kvtest import CodecOverSql, as_python, error_of


class CborInterop(CodecOverSql, unittest.TestCase):
    FORMAT = "cbor"

    def test_random_objects_pack_byte_identical_and_load_back(self):
        for k, obj in enumerate(interop_gen.objects(3, 400)):
            packed = self.pack(json.dumps(obj))
            self.assertEqual(packed, cbor2.dumps(obj), f"object {k}")
            self.assertEqual(cbor2.loads(packed), obj, f"object {k}")

    def test_random_objects_unpack_both_float_widths(self):
        for k, obj in enumerate(interop_gen.objects(4, 400)):
            for canonical in (False, True):
                got = as_python(self.unpack(cbor2.dumps(obj, canonical=canonical)))
                self.assertEqual(got, obj, f"object {k}")
                if not canonical:  # canonical=True sorts map keys; otherwise order is kept
                    self.assertEqual(json.dumps(got), json.dumps(obj))

    def test_half_and_single_floats(self):
        for f in [0.0, -0.0, 1.0, 1.5, 65504.0, 5.960464477539063e-08, 100000.0, -4.1, 3.4028234663852886e38]:
            for fmt in ("e", "f"):
                try:
                    raw = struct.pack(">" + fmt, f)
                except OverflowError:
                    continue
                head = b"\xf9" if fmt == "e" else b"\xfa"
                value = struct.unpack(">" + fmt, raw)[0]
                top = self.unpack(head + raw)
                self.assertEqual(top, value)
                nested = json.loads(self.unpack(b"\x81" + head + raw))[0]
                self.assertEqual(struct.unpack(">" + fmt, struct.pack(">" + fmt, nested))[0], value)
        self.assertEqual(self.unpack(cbor2.dumps(math.inf)), math.inf)
        self.assertEqual(self.unpack(cbor2.dumps([math.inf, -math.inf, math.nan])), "[9e999,-9e999,null]")

    def test_bignums_tags_and_indefinite_lengths(self):
        for n in [2**64, 2**100, -2**64 - 1, -2**100, 2**64 - 1, -2**64]:
            self.assertEqual(as_python(self.unpack(cbor2.dumps(n))), n)
            self.assertEqual(json.loads(self.unpack(cbor2.dumps([n]))), [n])
        when = datetime.datetime(2013, 3, 21, 20, 4, 0, tzinfo=datetime.timezone.utc)
        self.assertEqual(json.loads(self.unpack(cbor2.dumps(when))), "2013-03-21T20:04:00Z")
        self.assertEqual(self.unpack(cbor2.dumps(when, datetime_as_timestamp=True)), 1363896240)
        self.assertEqual(self.unpack(cbor2.dumps(cbor2.CBORTag(4711, [1, 2]))), "[1,2]")
        self.assertEqual(self.unpack(bytes.fromhex("bf61610161629f0203ffff")), '{"a":1,"b":[2,3]}')
        self.assertEqual(self.unpack(bytes.fromhex("5f42010243030405ff")), bytes.fromhex("0102030405"))
        self.assertEqual(json.loads(self.unpack(cbor2.dumps([b"\x01\x02\x03", {1: "x"}]))),
                         ["AQID", {"1": "x"}])
        self.assertIsNone(self.unpack(cbor2.dumps(cbor2.undefined)))

    def test_top_level_sql_values(self):
        row = self.db.execute("select kv_pack('cbor', null), kv_pack('cbor', -500), "
                              "kv_pack('cbor', 2.5), kv_pack('cbor', x'0102')").fetchone()
        self.assertEqual(row, (cbor2.dumps(None), cbor2.dumps(-500), cbor2.dumps(2.5), cbor2.dumps(b"\x01\x02")))
        for obj in [None, 0, -2**63, 2**63 - 1, 2.5, b"", b"\x00" * 1000]:
            self.assertEqual(self.unpack(cbor2.dumps(obj)), obj)

    def test_errors(self):
        db = self.db
        cases = [
            ("select kv_pack('cbor', '{\"a\":')", "JSON"),
            ("select kv_unpack('cbor', x'9bffffffffffffffff01')", "truncated"),
            ("select kv_unpack('cbor', x'ff')", "break"),
            ("select kv_unpack('cbor', x'1c')", "malformed"),
            ("select kv_unpack('cbor', x'62c328')", "UTF-8"),
        ]
        for sql, fragment in cases:
            msg = error_of(db, sql)
            self.assertIsNotNone(msg, sql)
            self.assertTrue(msg.startswith("kohakuvault:"), msg)
            self.assertIn(fragment, msg, sql)
        self.assertIn("nests deeper", error_of(db, "select kv_unpack('cbor', ?)", (b"\x9f" * 100000,)))


if __name__ == "__main__":
    unittest.main()
