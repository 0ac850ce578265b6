-- kvcolumn with variable-size dtypes: same SQL semantics as fixed-size columns.
create virtual table s using kvcolumn('str:utf8');
insert into s(value) values ('alpha'), (''), ('gamma ray'), ('δέλτα');
select 's_values', (select group_concat(idx || ':' || value, '|') from s) = '0:alpha|1:|2:gamma ray|3:δέλτα';
insert into s(idx, value) values (1, 'inserted');
select 's_insert_at', (select group_concat(value, '|') from s) = 'alpha|inserted||gamma ray|δέλτα';
update s set value = 'a much longer value than before' where idx = 0;
update s set value = 'g' where idx = 3;
select 's_update_grow_shrink', (select group_concat(value, '|') from s) = 'a much longer value than before|inserted||g|δέλτα';
delete from s where idx in (1, 2);
select 's_delete_renumbers', (select group_concat(idx || ':' || value, '|') from s) = '0:a much longer value than before|1:g|2:δέλτα';
select 's_point', (select value from s where idx = 2) = 'δέλτα';
select 's_range_desc', (select group_concat(value, '|') from (select value from s where idx >= 1 order by idx desc)) = 'δέλτα|g';
select 's_kvcolumns', (select elem_size = 0 and length = 3 from kvcolumns where name = 's');
select 's_check', kvcolumn_check('s') = 'ok';
select 's_shadow', (select group_concat(name) from (select name from sqlite_schema where name like 's\_%' escape '\' order by name)) = 's_data,s_idx,s_info';
insert into s(s, value) values ('append', x'00'); -- error: variable-size
insert into s(value) values (x'ff'); -- error: kvcolumn 's'
begin;
insert into s(value) values ('rolled back');
savepoint a;
update s set value = 'also rolled back' where idx = 0;
rollback to a;
select 's_rollback_to', (select value from s where idx = 0) = 'a much longer value than before';
rollback;
select 's_rollback', (select count(*) from s) = 3;
create virtual table b using kvcolumn(bytes, min_chunk_bytes=16, max_chunk_bytes=32);
insert into b(value) values (zeroblob(100)), (x'0102'), (randomblob(70));
select 'b_large_element', (select length(value) from b where idx = 0) = 100 and (select value from b where idx = 1) = x'0102';
select 'b_check', kvcolumn_check('b') = 'ok';
create virtual table m using kvcolumn(msgpack);
insert into m(value) values ('{"name":"ada","langs":["en","fr"]}'), ('[1,2,3]'), (42);
select 'm_json_extract', (select json_extract(value, '$.name') from m where idx = 0) = 'ada';
select 'm_array', (select json_array_length(value) from m where idx = 1) = 3;
select 'm_int', (select value from m where idx = 2) = 42;
create virtual table v using kvcolumn('vec:f32');
insert into v(value) values ('[1,2]'), ('[0.5,1.5,2.5]');
select 'v_any_shape', (select group_concat(json_array_length(value)) from v) = '2,3';
update v set value = '[1,2,3,4,5,6,7,8]' where idx = 0;
insert into v(v) values ('compact');
select 'v_compacted', (select group_concat(json_array_length(value)) from v) = '8,3' and kvcolumn_check('v') = 'ok';
select 'v_compact_bytes', (select bytes from kvcolumns where name = 'v') <= 2 * 131072;
-- corrupt index entries are reported, never crash
update s_idx set data = x'00000000000000006400000000000000' || substr(data, 17) where chunk_idx = 0;
select * from s where idx = 0; -- error: corrupt
drop table s;
select 's_dropped', (select count(*) from sqlite_schema where name like 's\_%' escape '\') = 0;
-- schema= option: every write is validated against the JSON Schema
create virtual table people using kvcolumn(msgpack, schema='{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}');
insert into people(value) values ('{"name":"ada"}');
insert into people(value) values ('{"age":3}'); -- error: name
update people set value = '{"name":7}' where idx = 0; -- error: kvcolumn 'people'
select 'schema_kept', (select json_extract(value, '$.name') from people where idx = 0) = 'ada' and (select count(*) from people) = 1;
create virtual table e8 using kvcolumn('str:utf8', schema='{}'); -- error: applies to msgpack and cbor
create virtual table e9 using kvcolumn(cbor, schema='{"type":'); -- error: schema
-- fragment tracking: dead bytes are counted, saved and checked
create virtual table chk using kvcolumn('str:utf8');
insert into chk(value) values ('abc'), ('de');
update chk set value = 'longer' where idx = 0;
select 'chk_live_dead', (select live_bytes || ':' || dead_bytes from kvcolumns where name = 'chk') = '8:3';
update chk set value = 'LONGER' where idx = 0;
select 'chk_same_size_in_place', (select live_bytes || ':' || dead_bytes from kvcolumns where name = 'chk') = '8:3';
select 'chk_ok', kvcolumn_check('chk') = 'ok';
update chk_info set value = 7 where key = 'dead_bytes';
select 'chk_dead_wrong', kvcolumn_check('chk') like '%dead_bytes is 7 but the index uses 8 of the 11 stream bytes%';
update chk_info set value = 3 where key = 'dead_bytes';
update chk_idx set data = cast(x'0000000000000c' || substr(data, 8) as blob) where chunk_idx = 0;
select 'chk_entry_outside', kvcolumn_check('chk') like '%index entry 0 points at bytes [0, +12) outside the 11-byte data stream%';
select * from chk; -- error: outside the 11-byte data stream
insert into chk(chk) values ('compact'); -- error: corrupt
create virtual table chk2 using kvcolumn('str:utf8');
insert into chk2(value) values ('abc');
update chk2_data set data = cast(data as text);
select value from chk2; -- error: chunk 0 is not a BLOB
-- variable-size tables are format 2 (7-byte index entries); format 1 (16-byte entries) is refused, not misread
create virtual table fmt using kvcolumn('str:utf8');
select 'var_format_2', (select value from fmt_info where key = 'format_version') = 2;
update fmt_info set value = 1 where key = 'format_version';
select 'var_format_1_reported', kvcolumn_check('fmt') like '%format_version 1 is not 2%';
