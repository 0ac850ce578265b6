-- DataPacker: every error path of SQL_INTERFACE.md §2.
select kv_pack('i9', 1); -- error: unknown dtype 'i9'
select kv_pack('str:utf32', 'a'); -- error: an encoding (utf8, utf16le, utf16be, latin1, ascii), got 'utf32'
select kv_pack('vec:f16:2', '[1,2]'); -- error: vec:E or vec:E:D1
select kv_pack('bytes:0', x''); -- error: a size N as a whole number
select kv_pack('str:3:utf16le', 'a'); -- error: an even size N for a UTF-16 encoding
select kv_pack(NULL, 1); -- error: dtype must be TEXT
select kv_dtype('nope'); -- error: unknown dtype 'nope'
select kv_pack('i8', 300); -- error: 300 is out of range for i8 (-128..127)
select kv_pack('u8', -1); -- error: -1 is out of range for u8 (0..255)
select kv_pack('i64', 9223372036854775808.0); -- error: is out of range for i64
select kv_pack('u64', '18446744073709551616'); -- error: 18446744073709551616 is out of range for u64
select kv_pack('u64', '5'); -- error: u64 accepts TEXT only for values above 9223372036854775807
select kv_pack('u64', '007'); -- error: u64 expects an INTEGER (or, above 9223372036854775807, its decimal digits as TEXT)
select kv_pack('i32', 1.5); -- error: 1.5 is out of range for i32: not a whole number
select kv_pack('i8', 'x'); -- error: i8 expects an INTEGER (or an integral REAL), got TEXT 'x'
select kv_pack('i8', x'01'); -- error: got BLOB of 1 bytes
select kv_pack('i8', NULL); -- error: got NULL
select kv_pack('f64', 'x'); -- error: f64 expects an INTEGER or REAL, got TEXT 'x'
select kv_pack('f64', 9007199254740993); -- error: 9007199254740993 cannot be represented exactly in f64
select kv_pack('f32', 16777217); -- error: 16777217 cannot be represented exactly in f32
select kv_pack('f32', 1e39); -- error: is out of range for f32
select kv_pack('bytes:2', x'010203'); -- error: value of 3 bytes is too big for bytes:2
select kv_pack('bytes', 1); -- error: bytes expects a BLOB (or TEXT), got 1
select kv_pack('str', x'41'); -- error: str:utf8 expects TEXT, got BLOB
select kv_pack('str', 1); -- error: str:utf8 expects TEXT, got 1
select kv_pack('str:latin1', 'aĀ'); -- error: character U+0100 'Ā' at index 1 of 'aĀ' cannot be encoded in latin1
select kv_pack('str:ascii', 'é'); -- error: character U+00E9 'é' at index 0
select kv_pack('str:2', 'abc'); -- error: 'abc' encodes to 3 bytes, too big for str:2:utf8
select kv_pack('str:4', 'a' || char(0)); -- error: text ending in U+0000 cannot be stored in str:4:utf8
select kv_pack('str', cast(x'FF' as text)); -- error: expects valid UTF-8 TEXT
select kv_pack('msgpack:1', '[1,2]'); -- error: value packs to 3 bytes, too big for msgpack:1
select kv_pack('vec:f32:3', '[1,2]'); -- error: shape [2] does not match vec:f32:3 (expects [3] or 3 numbers flat)
select kv_pack('vec:i32:2:3', '[[1,2],[3,4],[5,6]]'); -- error: shape [3,2] does not match vec:i32:2:3
select kv_pack('vec:f32', '[[1,2],[3]]'); -- error: rectangular nesting
select kv_pack('vec:f32', '[1,'); -- error: malformed JSON array for vec:f32
select kv_pack('vec:i8', '[1, 300]'); -- error: element 1 of vec:i8: 300 is out of range for i8
select kv_pack('vec:f32', x'010203'); -- error: BLOB of 3 bytes is not a whole number of f32 elements
select kv_pack('vec:f32:2', x'0000803F'); -- error: BLOB of 4 bytes does not match vec:f32:2 (expects 8 bytes)
select kv_pack('vec:f32', NULL); -- error: expects a JSON array or a BLOB
select kv_pack('vec:f32:1', 1.0); -- error: vec:f32:1 expects a JSON array or a BLOB of raw elements, got REAL 1.0
select kv_pack('i8', 200, '{"type":"integer"}'); -- error: 200 is out of range for i8
select kv_pack('i8', 5, '{"minimum":10}'); -- error: value does not match schema
select kv_pack('bytes', x'01', '{}'); -- error: a BLOB cannot be validated against a JSON Schema
select kv_unpack('f64', x'000000'); -- error: expected 8 bytes for f64, got 3
select kv_unpack('i8', x''); -- error: expected 1 bytes for i8, got 0
select kv_unpack('i8', 'text'); -- error: kv_unpack expects a BLOB, got TEXT
select kv_unpack('bytes:4', x'01'); -- error: expected 4 bytes for bytes:4, got 1
select kv_unpack('str:4', x'01'); -- error: expected 4 bytes for str:4:utf8, got 1
select kv_unpack('str', x'FF'); -- error: cannot decode str:utf8: bytes are not valid UTF-8
select kv_unpack('str:utf16le', x'610062'); -- error: odd byte length 3 for UTF-16
select kv_unpack('str:utf16le', x'3DD8'); -- error: lone high surrogate at offset 0
select kv_unpack('str:utf16be', x'DE00'); -- error: lone low surrogate at offset 0
select kv_unpack('str:ascii', x'80'); -- error: byte 128 at offset 0 is not ASCII
select kv_unpack('vec:f32:1', x'020000803F'); -- error: element type byte 0x02 (f64) does not match f32 (0x01)
select kv_unpack('vec:f32:2', x'010000803F'); -- error: expected 9 bytes for vec:f32:2, got 5
select kv_unpack('vec:u8', x'05'); -- error: shorter than its 2-byte header
select kv_unpack('vec:u8', x'0503010000000100'); -- error: header claims 3 dims
select kv_unpack('vec:u8', x'0501FFFFFFFF00'); -- error: need more than the 1 bytes of elements present
select kv_unpack('vec:u8', x'0502FFFFFFFFFFFFFFFF00'); -- error: need more than the 1 bytes
select kv_unpack('vec:u8', x'050102000000010203'); -- error: dims [2] need 2 bytes of elements, found 3
select kv_unpack('vec:u8', x'0502FFFFFFFF00000000'); -- error: implausible number of empty arrays
select kv_unpack('msgpack', x'0102'); -- error: 1 bytes after the msgpack item: expected exactly one item
select kv_unpack('msgpack:3', x'010200'); -- error: are not zero padding
select kv_unpack('msgpack', x'92'); -- error: msgpack
select kv_unpack('msgpack', x'DBFFFFFFFF'); -- error: msgpack
select kv_unpack('cbor', x'9B00000000FFFFFFFF'); -- error: cbor
select kv_unpack('i32', x'01000000', 4); -- error: byte_offset 4 is outside the 4-byte blob
select kv_unpack('i32', x'01000000', -1); -- error: byte_offset -1 is outside the 4-byte blob
select kv_unpack('i32', x'0100000002', 2); -- error: byte_offset 2 + 4-byte i32 element runs past the 5-byte blob
select kv_unpack('i32', x'01000000', '0'); -- error: byte_offset must be an INTEGER
select kv_pack_many('i8', '[1, 2, 300]'); -- error: element 2: 300 is out of range for i8
select kv_pack_many('i8', '[1, "a"]'); -- error: element 1: i8 expects a number, got JSON "a"
select kv_pack_many('i8', '{"a":1}'); -- error: malformed JSON array for kv_pack_many at byte 0: expected '['
select kv_pack_many('i8', '[1 2]'); -- error: expected ',' or ']'
select kv_pack_many('i8', 1); -- error: kv_pack_many's json_array must be TEXT, got INTEGER
select kv_pack_many('f64', x'00'); -- error: BLOB of 1 bytes is not a whole number of 8-byte f64 elements
select kv_pack_many('str', x'00'); -- error: kv_pack_many takes a BLOB of packed elements only for fixed-size dtypes; str:utf8 needs a JSON array
select kv_pack_many('str:2', x'6162FF00'); -- error: element 1: cannot decode str:2:utf8
select kv_pack_many('vec:f32:1', x'0200000000'); -- error: element 0: malformed vec:f32:1 value: element type byte 0x02
select kv_pack_many('str', '[1]'); -- error: element 0: str:utf8 expects a JSON string, got JSON 1
select kv_pack_many('auto', '[1]'); -- error: dtype auto is for kv_pack/kv_unpack only
select kv_unpack_many('f64', x'000000'); -- error: blob of 3 bytes is not a whole number of 8-byte f64 elements
select kv_unpack_many('str', x'0102'); -- error: str:utf8 elements carry no length: pass their start offsets
select kv_unpack_many('vec:f32', x'0102'); -- error: elements carry no length
select kv_unpack_many('msgpack', x'0192'); -- error: element 1:
select kv_unpack_many('str', x'616263', '[2,1]'); -- error: offsets must be ascending: offsets[1] = 1 follows 2
select kv_unpack_many('str', x'616263', '[4]'); -- error: offsets[0] = 4 is not a byte position within the 3-byte blob (0..3)
select kv_unpack_many('str', x'616263', '[0, 7]'); -- error: offsets[1] = 7 is not a byte position within the 3-byte blob
select kv_unpack_many('str', x'616263', '[-1]'); -- error: offsets[0] = -1 is not a byte position
select kv_unpack_many('str', x'616263', '[0.5]'); -- error: offsets[0] = 0.5 is not a byte position
select kv_unpack_many('str', x'616263', 'x'); -- error: malformed offsets
select kv_unpack_many('i16', x'616263', '[0,1]'); -- error: element 0: expected 2 bytes for i16, got 1
select kv_unpack_many('str:1', x'FF'); -- error: element 0: cannot decode str:1:utf8
select kv_pack_agg('u8', value) from json_each('[1, 256]'); -- error: 256 is out of range for u8
select kv_pack_agg(case when key = 0 then 'u8' else 'i8' end, value) from json_each('[1, 2]'); -- error: kv_pack_agg needs the same dtype on every row
select kv_pack_agg('auto', 1); -- error: dtype auto is for kv_pack/kv_unpack only
select * from kv_unpack_each('f64', x'00'); -- error: blob of 1 bytes is not a whole number of 8-byte f64 elements
select * from kv_unpack_each('str', x'00'); -- error: carry no length
select * from kv_unpack_each('i8', 'x'); -- error: kv_unpack_each expects a BLOB, got TEXT
select * from kv_unpack_each; -- error: kv_unpack_each needs its dtype and blob arguments
select value from kv_unpack_each('str:1', x'FF'); -- error: element 0: cannot decode str:1:utf8
select count(*) from kv_unpack_each('msgpack', x'0192'); -- error: element 1:
create virtual table nope using kv_unpack_each; -- error: no such module
select kv_validate('{', '1'); -- error: kohakuvault:
select kv_validate('{}', NULL); -- error: json must be TEXT, got NULL
select kv_validate_errors(NULL, '1'); -- error: schema must be TEXT, got NULL
select kv_unpack('i8'); -- error: wrong number of arguments
select kv_pack_many('i8', '[1]', 3); -- error: wrong number of arguments
