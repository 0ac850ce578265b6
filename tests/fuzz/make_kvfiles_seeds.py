"""Seeds for fuzz_kvfiles: every column of KohakuVault 0.6.0's own columns.db
(shared/testdata/kohakuvault-0.6.0-files), in the target's input format (see
the header of fuzz_kvfiles.cpp). Usage: make_kvfiles_seeds.py OUT_DIR; shared/ is
$KV_SHARED_DIR or the directory beside the clone."""
import os
import sqlite3
import struct
import sys

DTYPES = ["f64", "i64", "str:16:utf8", "str:utf8", "msgpack", "cbor", "bytes", "vec:f32"]


def main():
    out = sys.argv[1]
    shared = os.environ.get("KV_SHARED_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
    db = os.path.join(shared, "testdata", "kohakuvault-0.6.0-files", "columns.db")
    os.makedirs(out, exist_ok=True)
    conn = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
    meta = {r[1]: r for r in conn.execute("SELECT col_id, name, dtype, elem_size, length, max_chunk_bytes FROM col_meta")}

    def chunks(col_id):
        return conn.execute("SELECT chunk_idx, CAST(data AS BLOB) FROM col_chunks WHERE col_id = ? ORDER BY chunk_idx",
                            (col_id,)).fetchall()

    for name, (col_id, _, dtype, elem, length, max_bytes) in meta.items():
        if name.endswith("_data") or dtype == "adaptive_idx" and name[:-4] + "_data" not in meta:
            continue
        var = dtype == "adaptive_idx"
        user_dtype = meta[name[:-4] + "_data"][2] if var else dtype
        if user_dtype not in DTYPES:
            continue
        main = b"".join(c[1] for c in chunks(col_id))
        data = b""
        first = 0
        if var:
            data_chunks = chunks(meta[name[:-4] + "_data"][0])
            first = data_chunks[0][0] if data_chunks else 0
            data = b"".join(struct.pack("<I", len(b)) + b for _, b in data_chunks)
        head = bytes([(1 if var else 0) | DTYPES.index(user_dtype) << 1 | (16 if first == 1 else 0)])
        head += struct.pack("<HHI", min(length, 65535), max_bytes // elem, len(main))
        with open(os.path.join(out, "kvfiles-" + name), "wb") as f:
            f.write(head + main + data)


if __name__ == "__main__":
    main()
