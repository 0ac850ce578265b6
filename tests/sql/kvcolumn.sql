-- kvcolumn: surface, Python-list semantics, pushdown, errors.
create virtual table t using kvcolumn(f64);
insert into t(value) values (1.5), (2.5), (3.5);
select 'append_len', (select count(*) from t) = 3;
select 'append_idx', (select group_concat(idx) from t) = '0,1,2';
select 'append_values', (select group_concat(value) from t) = '1.5,2.5,3.5';
insert into t(idx, value) values (0, 0.5);
select 'insert_at_shifts', (select group_concat(value) from t) = '0.5,1.5,2.5,3.5';
insert into t(idx, value) values (4, 4.5);
select 'insert_at_length_appends', (select group_concat(value) from t) = '0.5,1.5,2.5,3.5,4.5';
insert into t(idx, value) values (9, 1); -- error: out of range
insert into t(idx, value) values (-1, 1); -- error: out of range
insert into t(idx, value) values ('x', 1); -- error: idx must be an INTEGER
update t set value = 20 where idx = 2;
select 'update_in_place', (select group_concat(value) from t) = '0.5,1.5,20.0,3.5,4.5';
update t set idx = 7 where idx = 1; -- error: cannot be changed
update t set value = 'abc' where idx = 1; -- error: kvcolumn 't'
select 'failed_update_changed_nothing', (select group_concat(value) from t) = '0.5,1.5,20.0,3.5,4.5';
delete from t where idx = 1;
select 'delete_renumbers', (select group_concat(idx || ':' || value) from t) = '0:0.5,1:20.0,2:3.5,3:4.5';
insert into t(value) select value * 10 from t;
select 'insert_select', (select group_concat(value) from t) = '0.5,20.0,3.5,4.5,5.0,200.0,35.0,45.0';
delete from t where idx % 3 = 0;
select 'delete_multi_original_numbering', (select group_concat(value) from t) = '20.0,3.5,5.0,200.0,45.0';
delete from t where value > 10;
select 'delete_by_value', (select group_concat(idx || ':' || value) from t) = '0:3.5,1:5.0';
begin;
insert into t(value) values (7), (8), (9), (10);
delete from t where idx % 2 = 1;
select 'txn_delete_then_read', (select group_concat(value) from t) = '3.5,7.0,9.0';
insert into t(idx, value) values (1, 100);
select 'txn_insert_after_delete', (select group_concat(value) from t) = '3.5,100.0,7.0,9.0';
delete from t where idx >= 2;
delete from t where idx = 0;
select 'txn_two_deletes', (select group_concat(value) from t) = '100.0';
rollback;
select 'rollback_restores', (select group_concat(value) from t) = '3.5,5.0';
begin;
insert into t(value) values (6);
savepoint a;
insert into t(value) values (7);
delete from t where idx = 0;
rollback to a;
select 'rollback_to', (select group_concat(value) from t) = '3.5,5.0,6.0';
release a;
commit;
select 'commit_after_savepoint', (select group_concat(value) from t) = '3.5,5.0,6.0';
-- pushdown: ranges, IN, order, limit/offset, odd constraint types
delete from t;
insert into t(t, value) values ('append', kv_pack_many('f64', '[0,1,2,3,4,5,6,7,8,9]'));
select 'bulk_append', (select count(*) from t) = 10 and (select sum(value) from t) = 45;
select 'range', (select group_concat(idx) from t where idx >= 3 and idx < 6) = '3,4,5';
select 'between', (select group_concat(idx) from t where idx between 7 and 20) = '7,8,9';
select 'in_list', (select group_concat(idx) from t where idx in (8, 2, 2, 5, 40, -1)) = '2,5,8';
select 'order_desc', (select group_concat(idx) from (select idx from t where idx < 4 order by idx desc)) = '3,2,1,0';
select 'limit_offset', (select group_concat(idx) from (select idx from t limit 3 offset 2)) = '2,3,4';
select 'desc_limit_offset', (select group_concat(idx) from (select idx from t order by idx desc limit 2 offset 1)) = '8,7';
select 'real_bounds', (select group_concat(idx) from t where idx < 2.5) = '0,1,2';
select 'real_bounds_gt', (select group_concat(idx) from t where idx > 7.5) = '8,9';
select 'real_eq_fraction', (select count(*) from t where idx = 2.5) = 0;
select 'text_numeric', (select group_concat(idx) from t where idx = '3') = '3';
select 'text_not_number_gt', (select count(*) from t where idx > 'abc') = 0;
select 'text_not_number_lt', (select count(*) from t where idx < 'abc') = 10;
select 'blob_bound', (select count(*) from t where idx < x'00') = 10;
select 'null_bound', (select count(*) from t where idx = null) = 0;
select 'rowid_eq', (select value from t where rowid = 4) = 4.0;
select 'value_filter', (select group_concat(idx) from t where value > 7) = '8,9';
select 'out_of_range_eq', (select count(*) from t where idx = 100) = 0;
select 'in_desc', (select group_concat(idx) from (select idx from t where idx in (1, 7, 3) order by idx desc)) = '7,3,1';
select 'in_limit', (select group_concat(idx) from (select idx from t where idx in (1, 7, 3) limit 2)) = '1,3';
select 'in_and_range', (select group_concat(idx) from t where idx in (1, 7, 3) and idx > 2) = '3,7';
select 'desc_scan', (select group_concat(value) from (select value from t order by idx desc limit 3)) = '9.0,8.0,7.0';
select 'rowid_order', (select group_concat(rowid) from (select rowid from t where rowid < 3 order by rowid desc)) = '2,1,0';
create virtual table temp.tt using kvcolumn(i16);
insert into tt(value) values (5), (6);
select 'temp_schema', (select group_concat(value) from temp.tt) = '5,6' and (select schema from kvcolumns where name = 'tt') = 'temp';
select 'temp_check', kvcolumn_check('temp', 'tt') = 'ok';
insert into t(t, value) values ('append', x'0102'); -- error: not a whole number
insert into t(t, value) values ('append', 'text'); -- error: needs a BLOB
insert into t(t, value) values ('frobnicate', x''); -- error: unknown command
-- other dtypes
create virtual table s using kvcolumn('str:8:utf8');
insert into s(value) values ('a'), ('hello'), ('');
select 's_values', (select group_concat(value, '|') from s) = 'a|hello|';
insert into s(value) values ('far too long for eight'); -- error: kvcolumn 's'
create virtual table b using kvcolumn(u8, min_chunk_bytes=4, max_chunk_bytes=4);
insert into b(value) select value from generate_series(0, 20);
select 'u8_many_chunks', (select count(*) from b_chunks) = 6;
insert into b(value) values (300); -- error: kvcolumn 'b'
select 'u8_check', kvcolumn_check('b') = 'ok';
-- kvcolumns and check
select 'kvcolumns_t', (select dtype || ':' || length || ':' || elem_size from kvcolumns where name = 't') = 'f64:10:8';
select 'kvcolumns_b', (select chunks from kvcolumns where name = 'b') = 6;
select 'check_ok', kvcolumn_check('t') = 'ok';
select 'check_schema_ok', kvcolumn_check('main', 't') = 'ok';
select kvcolumn_check('nope'); -- error: no such kvcolumn table
-- shadow tables: names, rename, drop
select 'shadow_tables', (select group_concat(name) from (select name from sqlite_schema where name like 'b\_%' escape '\' order by name)) = 'b_chunks,b_info';
alter table b rename to b2;
select 'renamed', (select count(*) from b2) = 21 and (select count(*) from sqlite_schema where name in ('b2_info', 'b2_chunks')) = 2;
select 'renamed_check', kvcolumn_check('b2') = 'ok';
insert into b2(b2, value) values ('append', x'07');
select 'renamed_command', (select value from b2 where idx = 21) = 7;
drop table b2;
select 'dropped', (select count(*) from sqlite_schema where name like 'b2%') = 0;
-- corrupt shadow rows are reported, never crash
create virtual table c using kvcolumn(i32, min_chunk_bytes=8, max_chunk_bytes=8);
insert into c(value) values (1), (2), (3);
update c_chunks set data = x'01' where chunk_idx = 0;
select * from c; -- error: corrupt
select 'check_reports', kvcolumn_check('c') like '%chunk 0 has 1 bytes%';
update c_info set value = 99 where key = 'length';
select 'check_length', kvcolumn_check('c') like '%missing%';
-- bad declarations
create virtual table e1 using kvcolumn; -- error: missing dtype
create virtual table e2 using kvcolumn(f64, chunky=3); -- error: unknown option 'chunky'
create virtual table e3 using kvcolumn(f64, max_chunk_bytes=abc); -- error: not a valid size
create virtual table e4 using kvcolumn(f64, max_chunk_bytes=4); -- error: smaller than one element
create virtual table e5 using kvcolumn('str:utf8', max_chunk_bytes=6); -- error: smaller than one element
create virtual table e6 using kvcolumn(auto); -- error: 'auto' cannot be a column type
create virtual table e7 using kvcolumn(f65); -- error: f65
create virtual table value using kvcolumn(f64); -- error: cannot be named 'value'
create virtual table IDX using kvcolumn(f64); -- error: cannot be named 'IDX'
create virtual table q using kvcolumn('vec:f32:3');
insert into q(value) values ('[1,2,3]');
select 'vec_roundtrip', (select value from q) = '[1.0,2.0,3.0]' or (select value from q) = '[1,2,3]';
