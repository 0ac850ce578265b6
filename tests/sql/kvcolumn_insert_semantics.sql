-- kvcolumn: INSERT OR REPLACE, last_insert_rowid(), RETURNING (docs/kvcolumn.md "Semantics").
create virtual table t using kvcolumn(f64);
insert into t(value) values (1), (2), (3);
select 'lir_multi_row_append', last_insert_rowid() = 2;  -- the commit's flush writes chunk rows: not the user's rowid
insert into t(value) values (4);
select 'lir_single_append', last_insert_rowid() = 3;
insert into t(idx, value) values (1, 1.5);
select 'lir_insert_at', last_insert_rowid() = 1;
insert into t(t, value) values ('append', kv_pack_many('f64', '[5, 6]'));
select 'lir_bulk_append', last_insert_rowid() = 6;
insert into t(t, value) values ('append', x'');
select 'lir_empty_append_unchanged', last_insert_rowid() = 6;
select 'before_replace', (select group_concat(value) from t) = '1.0,1.5,2.0,3.0,4.0,5.0,6.0';
insert or replace into t(idx, value) values (0, 10);
select 'or_replace_replaces', (select group_concat(value) from t) = '10.0,1.5,2.0,3.0,4.0,5.0,6.0';
select 'lir_or_replace', last_insert_rowid() = 0;
replace into t(idx, value) values (6, 60);
select 'replace_into_replaces_last', (select group_concat(value) from t) = '10.0,1.5,2.0,3.0,4.0,5.0,60.0';
replace into t(idx, value) values (7, 70);
select 'replace_at_length_appends', (select group_concat(value) from t) = '10.0,1.5,2.0,3.0,4.0,5.0,60.0,70.0';
insert or replace into t(value) values (80);
select 'or_replace_without_idx_appends', (select count(*) || ':' || max(value) from t) = '9:80.0';
insert or replace into t(raw) values (kv_pack('f64', 90));
select 'or_replace_raw_appends', (select count(*) from t) = 10;
insert or replace into t(idx, raw) values (2, kv_pack('f64', 20));
select 'or_replace_raw_replaces', (select value from t where idx = 2) = 20.0 and (select count(*) from t) = 10;
replace into t(idx, value) values (11, 1); -- error: out of range
insert or replace into t(idx, value) values (0, 'x'); -- error: kvcolumn 't'
select 'failed_replace_changed_nothing', (select value from t where idx = 0) = 10.0;
create virtual table s using kvcolumn(str);
insert into s(value) values ('a'), ('b');
insert or replace into s(idx, value) values (1, 'longer b');
select 'var_or_replace', (select group_concat(value, '|') from s) = 'a|longer b';
select 'var_lir_or_replace', last_insert_rowid() = 1;
insert into s(s, value) values ('append', '["c", "d"]');
select 'var_lir_bulk', last_insert_rowid() = 3;
insert into s(s) values ('compact');
select 'var_lir_compact_unchanged', last_insert_rowid() = 3;
create virtual table big using kvcolumn(i64, min_chunk_bytes=64, max_chunk_bytes=64);
insert into big(big, value) values ('append', kv_pack_many('i64', '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]'));
select 'lir_bulk_across_chunks', last_insert_rowid() = 19;
begin;
insert into big(value) values (21);
insert into big(value) values (22), (23);
commit;
select 'lir_after_commit_flush', last_insert_rowid() = 22;
