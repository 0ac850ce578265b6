-- kvcolumn: the hidden raw column (packed bytes in and out), bulk 'append' of variable-size elements.
create virtual table f using kvcolumn(f64);
insert into f(value) values (1.5), (-2.25), (1e300);
select 'raw_f64_is_kv_pack', (select count(*) from f where raw = kv_pack('f64', value)) = 3;
select 'raw_f64_point', (select hex(raw) from f where idx = 0) = '000000000000F83F';
select 'raw_hidden', (select group_concat(name) from pragma_table_info('f')) = 'idx,value';
select 'raw_xinfo', (select group_concat(name || ':' || hidden) from pragma_table_xinfo('f')) = 'idx:0,value:0,f:1,raw:1';
create virtual table i8s using kvcolumn(i8);
insert into i8s(value) values (-1), (127);
select 'raw_i8', (select group_concat(hex(raw), '') from i8s) = 'FF7F';
create virtual table s using kvcolumn('str:utf8');
insert into s(value) values ('alpha'), (''), ('δέλτα');
select 'raw_str_is_kv_pack', (select count(*) from s where raw = kv_pack('str:utf8', value)) = 3;
select 'raw_str_empty_is_blob', (select typeof(raw) || length(raw) from s where idx = 1) = 'blob0';
create virtual table s16 using kvcolumn('str:4:utf16le');
insert into s16(value) values ('a');
select 'raw_str_fixed_padded', (select hex(raw) from s16) = '61000000';
create virtual table m using kvcolumn(msgpack);
insert into m(value) values ('{"name":"ada","n":[1,2]}'), (42), (null), ('"hi"');
select 'raw_msgpack_is_kv_pack', (select count(*) from m where raw = kv_pack('msgpack', case when idx = 1 then 42 when idx = 2 then null else value end)) = 4;
select 'raw_msgpack_nil', (select hex(raw) from m where idx = 2) = 'C0';
create virtual table v using kvcolumn('vec:f32');
insert into v(value) values ('[1,2]'), ('[[1,2],[3,4]]');
select 'raw_vec_is_kv_pack', (select count(*) from v where raw = kv_pack('vec:f32', value)) = 2;
select 'raw_vec_point', (select hex(raw) from v where idx = 0) = '0101020000000000803F00000040';
-- copying a column through raw: no decode, no re-encode
create virtual table f2 using kvcolumn(f64);
insert into f2(raw) select raw from f;
select 'copy_f64', (select group_concat(value) from f2) = (select group_concat(value) from f);
create virtual table s2 using kvcolumn('str:utf8', max_chunk_bytes=64);
insert into s2(raw) select raw from s;
select 'copy_str', (select group_concat(idx || ':' || value, '|') from s2) = '0:alpha|1:|2:δέλτα';
create virtual table m2 using kvcolumn(msgpack);
insert into m2(raw) select raw from m;
select 'copy_msgpack', (select group_concat(quote(value), '|') from m2) = (select group_concat(quote(value), '|') from m);
select 'copy_msgpack_json', (select json_extract(value, '$.name') from m2 where idx = 0) = 'ada';
create virtual table v2 using kvcolumn('vec:f32');
insert into v2(raw) select raw from v order by idx desc;
select 'copy_vec_desc', (select group_concat(value, '|') from v2) = '[[1.0,2.0],[3.0,4.0]]|[1.0,2.0]';
select 'raw_filter_not_pushed_down', (select group_concat(idx) from s2 where raw = cast('δέλτα' as blob)) = '2';
select 'raw_order_by', (select group_concat(idx) from (select idx from f order by raw desc)) = (select group_concat(idx) from (select idx from f order by hex(raw) desc));
create virtual table self using kvcolumn('str:utf8', min_chunk_bytes=16, max_chunk_bytes=64);
insert into self(self, value) values ('append', '["a", "bb", "a string longer than one 64-byte chunk of the data stream ....."]');
insert into self(raw) select raw from self;
select 'copy_into_itself', (select count(*) from self) = 6 and (select group_concat(value, '|') from self where idx in (0, 3)) = 'a|a';
update self set raw = (select raw from self where idx = 2) where idx < 2;
select 'update_raw_from_own_row', (select count(*) from self where length(value) > 60) = 4 and kvcolumn_check('self') = 'ok';
-- insert-at and update through raw
insert into f2(idx, raw) values (1, kv_pack('f64', 7));
select 'raw_insert_at', (select group_concat(value) from f2) = '1.5,7.0,-2.25,1.0e+300';
update f2 set raw = kv_pack('f64', 8) where idx = 0;
select 'raw_update', (select value from f2 where idx = 0) = 8.0;
update f2 set raw = kv_pack('f64', idx * 10) where value < 2;
select 'raw_update_multi_row', (select group_concat(value) from f2) = '8.0,7.0,20.0,1.0e+300';
update s2 set raw = cast('a much longer string' as blob) where idx = 1;
update s2 set value = 'x' where idx = 0;
select 'raw_update_var', (select group_concat(value, '|') from s2) = 'x|a much longer string|δέλτα';
update m2 set raw = kv_pack('msgpack', '[true]') where json_extract(value, '$.name') = 'ada';
select 'raw_update_where_value', (select value from m2 where idx = 0) = '[true]';
update f2 set idx = idx where idx = 3;
select 'update_nothing_assigned', (select value from f2 where idx = 3) = 1e300;
select 'select_with_command_column', (select count(*) from f2 where f2 is null and value is not null and raw is not null) = 4;
update f2 set idx = idx, raw = kv_pack('f64', 3) where idx = 3;
select 'update_raw_with_idx_unchanged', (select value from f2 where idx = 3) = 3.0;
update f2 set raw = kv_pack('f64', 1e300) where idx = 3;
-- NULL raw behaves as a NULL value
insert into m2(raw) values (null);
select 'raw_null_is_null_value', (select hex(raw) from m2 where idx = 4) = 'C0';
insert into f2(raw) values (null); -- error: f64 expects an INTEGER or REAL, got NULL
update m2 set raw = null where idx = 1;
select 'raw_set_null', (select typeof(value) from m2 where idx = 1) = 'null';
-- validation: bad packed bytes are errors and store nothing
insert into f2(raw) values (x'0000'); -- error: raw is not a packed f64 element: expected exactly 8 bytes, got 2
update f2 set raw = x'00' where idx = 0; -- error: expected exactly 8 bytes, got 1
insert into f2(raw) values ('12345678'); -- error: raw takes a BLOB of packed f64 bytes
insert into f2(raw) values (8.0); -- error: got REAL
insert into s16(raw) values (x'6100'); -- error: expected exactly 4 bytes, got 2
insert into s2(raw) values (x'ff'); -- error: raw is not a packed str:utf8 element: cannot decode str:utf8: bytes are not valid UTF-8
insert into s2(raw) values (x'c328'); -- error: not valid UTF-8
insert into m2(raw) values (x'0102'); -- error: expected exactly one item
insert into m2(raw) values (x'92'); -- error: truncated
insert into m2(raw) values (x''); -- error: empty msgpack element
insert into m2(raw) values (x'c1'); -- error: raw is not a packed msgpack element
create virtual table c using kvcolumn(cbor);
insert into c(raw) values (kv_pack('cbor', '{"a":[1,2]}'));
select 'raw_cbor', (select json_extract(value, '$.a[1]') from c) = 2;
insert into c(raw) values (x'a1'); -- error: raw is not a packed cbor element
insert into c(raw) values (kv_pack('msgpack', '[1,2,3]')); -- error: raw is not a packed cbor element
insert into v2(raw) values (x'0201010000000000803F'); -- error: element type byte 0x02 (f64) does not match f32
insert into v2(raw) values (x'0101020000000000803F'); -- error: dims [2] need more than
insert into v2(raw) values (x'01'); -- error: shorter than its 2-byte header
create virtual table vf using kvcolumn('vec:f32:2');
insert into vf(raw) values (kv_pack('vec:f32:2', '[1,2]'));
select 'raw_vec_fixed', (select value from vf) = '[1.0,2.0]';
insert into vf(raw) values (kv_pack('vec:f32', '[1,2]')); -- error: expected exactly 9 bytes, got 14
insert into vf(raw) values (x'020000803F00000040'); -- error: element type byte 0x02
insert into f2(value, raw) values (1, kv_pack('f64', 1)); -- error: both value and raw are set
update f2 set value = 1, raw = kv_pack('f64', 1) where idx = 0; -- error: both value and raw are set
insert into f2(f2, raw) values ('append', kv_pack('f64', 1)); -- error: commands take their argument in value, not raw
select 'validation_stored_nothing', (select count(*) from f2) = 4 and (select count(*) from s2) = 3 and (select count(*) from m2) = 5 and (select count(*) from v2) = 2 and (select count(*) from vf) = 1;
create virtual table ms using kvcolumn(msgpack, schema='{"type":"object","required":["n"]}');
insert into ms(raw) values (kv_pack('msgpack', '{"n":1}'));
insert into ms(raw) values (kv_pack('msgpack', '{"x":1}')); -- error: raw: value does not match schema
insert into ms(raw) values (kv_pack('msgpack', x'01')); -- error: a BLOB cannot be validated against a JSON Schema
select 'raw_schema_checked', (select count(*) from ms) = 1;
create virtual table raw using kvcolumn(f64); -- error: cannot be named 'raw'
-- bulk 'append' of variable-size elements: a JSON array, or msgpack/cbor items back to back
insert into s(s, value) values ('append', '["one", "", "three", "δ"]');
select 'append_str', (select group_concat(value, '|') from s) = 'alpha||δέλτα|one||three|δ';
insert into s(s, value) values ('append', '[]');
select 'append_empty_array', (select count(*) from s) = 7;
insert into s(s, value) values ('append', '["ok", 5, "no"]'); -- error: 'append': element 1: str:utf8 expects a JSON string
insert into s(s, value) values ('append', '["ok", "unterminated]'); -- error: 'append': malformed JSON array
insert into s(s, value) values ('append', kv_pack('str:utf8', 'x')); -- error: got BLOB: its elements carry no length, so pass a JSON array
insert into s(s, value) values ('append', 3); -- error: takes a JSON array of values as TEXT
select 'append_error_appends_nothing', (select count(*) from s) = 7;
create virtual table b using kvcolumn(bytes);
insert into b(b, value) values ('append', '["ab", ""]');
select 'append_bytes', (select group_concat(hex(value), '|') from b) = '6162|';
insert into m(m, value) values ('append', '[{"k":1}, [1,2], "s", 7, null, 1.5]');
select 'append_msgpack_json', (select group_concat(quote(value), '|') from m where idx >= 4) = '''{"k":1}''|''[1,2]''|''"s"''|7|NULL|1.5';
insert into m(m, value) values ('append', kv_pack_many('msgpack', '[{"a":1}, [true], "z"]'));
select 'append_msgpack_blob', (select group_concat(value, '|') from m where idx >= 10) = '{"a":1}|[true]|"z"';
insert into m(m, value) values ('append', kv_pack_many('msgpack', '[1, 2]') || x'c1'); -- error: wrap them in CAST(... AS BLOB)
insert into m(m, value) values ('append', cast(kv_pack_many('msgpack', '[1, 2]') || x'c1' as blob)); -- error: 'append': element 2:
insert into m(m, value) values ('append', cast(kv_pack_many('msgpack', '[1, 2]') || x'92' as blob)); -- error: 'append': element 2: msgpack data is truncated
insert into m(m, value) values ('append', kv_pack_many('msgpack', '[1, 2]') || 'text'); -- error: 'append': malformed JSON array
select 'append_msgpack_count', (select count(*) from m) = 13;
create table blobs(b blob);
insert into blobs values (kv_pack_many('cbor', '[1, {"q": [2]}]'));
insert into c(c, value) select 'append', b from blobs;
select 'append_cbor_blob', (select group_concat(quote(value), '|') from c) = '''{"a":[1,2]}''|1|''{"q":[2]}''';
insert into c(c, value) values ('append', zeroblob(0));
select 'append_cbor_empty_blob', (select count(*) from c) = 3;
insert into c(c, value) values ('append', x'01a1'); -- error: 'append': element 1:
insert into c(c, value) values ('append', x'0102ff'); -- error: element 2:
select 'append_cbor_error_appends_nothing', (select count(*) from c) = 3;
insert into v(v, value) values ('append', '[[1,2,3], [[5]], []]');
select 'append_vec', (select group_concat(value, '|') from v where idx >= 2) = '[1.0,2.0,3.0]|[[5.0]]|[]';
insert into v(v, value) values ('append', '[[1], "x"]'); -- error: element 1
insert into ms(ms, value) values ('append', '[{"n":2}, {"n":3}]');
select 'append_schema_ok', (select count(*) from ms) = 3;
insert into ms(ms, value) values ('append', '[{"n":4}, {"m":5}]'); -- error: 'append' element 1: value does not match schema
insert into ms(ms, value) values ('append', kv_pack_many('msgpack', '[{"n":4}, 6]')); -- error: 'append' element 1: value does not match schema
select 'append_schema_appends_nothing', (select count(*) from ms) = 3;
begin;
insert into s(s, value) values ('append', '["t1", "t2"]');
savepoint sp;
insert into s(s, value) values ('append', '["t3"]');
insert into s(s, value) values ('append', '["t4", 4]'); -- error: element 1
select 'append_in_txn_sees_own', (select count(*) from s) = 10;
rollback to sp;
select 'append_rollback_to', (select group_concat(value, '|') from s where idx >= 7) = 't1|t2';
commit;
select 'append_committed', (select count(*) from s) = 9 and kvcolumn_check('s') = 'ok';
-- fixed-size 'append' keeps taking a BLOB of packed elements
insert into f(f, value) values ('append', kv_pack_many('f64', '[4, 5]'));
select 'append_fixed_blob', (select group_concat(value) from f where idx >= 3) = '4.0,5.0';
insert into f(f, value) values ('append', x'00'); -- error: not a whole number
