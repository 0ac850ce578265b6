-- Messages that named the wrong thing (issue #11 item 13): each names the bad
-- value and what was expected.
-- offsets: the offending value and its position in the list
select kv_unpack_many('str', x'616263', '[7]'); -- error: offsets[0] = 7 is not a byte position within the 3-byte blob (0..3)
select kv_unpack_many('str', x'616263', '[0, 1, 9]'); -- error: offsets[2] = 9 is not a byte position
select kv_unpack_many('str', x'616263', '[0, 2, 1]'); -- error: offsets must be ascending: offsets[2] = 1 follows 2
select * from kv_unpack_each('str', x'616263', '[5]'); -- error: offsets[0] = 5 is not a byte position
-- CBOR heads that declare more than the bytes that follow say what they declare
select kv_unpack('cbor', x'5bffffffffffffffff'); -- error: the byte string at byte 0 declares 18446744073709551615 bytes, but only 0 bytes follow
select kv_unpack('cbor', x'7bffffffffffffffff616263'); -- error: the text string at byte 0 declares 18446744073709551615 bytes, but only 3 bytes follow
select kv_unpack('cbor', x'9bffffffffffffffff01'); -- error: the array at byte 0 declares 18446744073709551615 items, but only 1 bytes follow
select kv_unpack('cbor', x'bb7fffffffffffffff0102'); -- error: the map at byte 0 declares 9223372036854775807 pairs
select kv_unpack('cbor', x'8263616263'); -- error: truncated after 5 bytes
select kv_unpack('cbor', x'82016461'); -- error: the text string at byte 2 declares 4 bytes, but only 1 bytes follow
select 'cbor_exact_string_ok', kv_unpack('cbor', x'63616263') = '"abc"';
select kv_unpack('cbor', x'5a0000'); -- error: truncated
-- kvcolumn: auto is refused without claiming only fixed-size dtypes work; option lists name schema=
create virtual table a1 using kvcolumn(auto); -- error: dtype 'auto' cannot be a column type (its elements carry their own type): expected a typed dtype such as
create virtual table a2 using kvcolumn(auto); -- error: msgpack or cbor
create virtual table a3 using kvcolumn(i32, oops); -- error: expected key=value with key min_chunk_bytes, max_chunk_bytes, cache_bytes or schema
create virtual table a4 using kvcolumn(i32, color=red); -- error: expected min_chunk_bytes, max_chunk_bytes, cache_bytes or schema
create virtual table a5 using kvcolumn(); -- error: [, schema='<JSON Schema>']
-- kvindex: a duplicate REAL key is shown as a REAL (-0.0), not as the integer -0
create virtual table ix using kvindex(csbtree);
insert into ix values (-0.0, 'neg zero');
insert into ix values (-0.0, 'again'); -- error: key -0.0 already exists
insert into ix values (2.5, 'x');
insert into ix values (2.5, 'y'); -- error: key 2.5 already exists
insert into ix values (1e300, 'x');
insert into ix values (1e300, 'y'); -- error: key 1e+300 already exists
-- the same for msgpack: counts and lengths are reported as declared
select kv_unpack('msgpack', x'ddffffffff01'); -- error: the array at byte 0 declares 4294967295 items, but only 1 bytes follow
select kv_unpack('msgpack', x'dfffffffff0101'); -- error: the map at byte 0 declares 4294967295 pairs, but only 2 bytes follow
select kv_unpack('msgpack', x'91dc00050102'); -- error: the array at byte 1 declares 5 items, but only 2 bytes follow
select kv_unpack('msgpack', x'91dbffffffff61'); -- error: 4294967295 bytes are declared from byte 6, but only 1 follow
select 'msgpack_exact_array_ok', kv_unpack('msgpack', x'93010203') = '[1,2,3]';
