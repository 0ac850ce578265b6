#!/usr/bin/env python3
"""Writes a libFuzzer seed corpus for fuzz_unpack from the public test vectors.

Usage: make_seeds.py OUT_DIR. Each seed is one byte selecting the dtype (its
index in fuzz_unpack.cpp's kDtypes) followed by an encoded item.
"""
import json
import os
import sys

MSGPACK, CBOR = 19, 20  # indexes of "msgpack" and "cbor" in kDtypes

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "..", "..", "shared", "testdata")
    n = 0
    def write(selector, payload):
        nonlocal n
        with open(os.path.join(out, "seed%04d" % n), "wb") as f:
            f.write(bytes([selector]) + payload)
        n += 1
    with open(os.path.join(data, "msgpack-test-suite.json")) as f:
        for cases in json.load(f).values():
            for case in cases:
                for enc in case["msgpack"]:
                    write(MSGPACK, bytes.fromhex(enc.replace("-", "")))
    with open(os.path.join(data, "cbor-rfc-appendix-a.json")) as f:
        for case in json.load(f):
            write(CBOR, bytes.fromhex(case["hex"]))
    # a few hand-made seeds for the other families
    for selector, payload in [(0, b"\x7f"), (9, b"\x00" * 8), (11, b"abc\x00\x00\x00\x00"),
                              (12, "héllo".encode()), (13, "hé".encode("utf-16le")),
                              (23, b"\x01\x01\x02\x00\x00\x00\x03\x00\x00\x00" + b"\x00" * 24),
                              (28, b"\x00" * 10)]:
        write(selector, payload)
    print("wrote %d seeds to %s" % (n, out))

if __name__ == "__main__":
    main()
