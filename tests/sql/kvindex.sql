-- kvindex: ordered in-memory index virtual tables (csbtree / skiplist), durable and transactional.
create virtual table t using kvindex(csbtree);
insert into t values (3, 'three'), (1, 'one'), (2.5, 'two and a half'), ('b', 'text b'), (x'00', 'blob'), ('a', 'text a');
select 'count', (select count(*) from t) = 6;
select 'order_mixed', (select group_concat(quote(key), ',') from (select key from t)) = '1,2.5,3,''a'',''b'',X''00''';
select 'order_desc', (select group_concat(quote(key), ',') from (select key from t order by key desc)) = 'X''00'',''b'',''a'',3,2.5,1';
select 'point', (select value from t where key = 3) = 'three';
select 'point_real_equals_int', (select value from t where key = 3.0) = 'three';
select 'point_text_is_not_number', (select count(*) from t where key = '3') = 0;
select 'point_missing', (select count(*) from t where key = 42) = 0;
select 'range_gt', (select group_concat(key, ',') from t where key > 1 and key < 'a') = '2.5,3';
select 'range_ge_le', (select group_concat(key, ',') from t where key >= 1 and key <= 3) = '1,2.5,3';
select 'range_between', (select group_concat(key, ',') from t where key between 2 and 3) = '2.5,3';
select 'range_numbers_below_text', (select count(*) from t where key < 'a') = 3;
select 'range_desc_limit', (select group_concat(key, ',') from (select key from t where key < 'z' order by key desc limit 2)) = 'b,a';
select 'limit_offset', (select group_concat(key, ',') from (select key from t order by key limit 2 offset 1)) = '2.5,3';
select 'in_list', (select group_concat(key, ',') from (select key from t where key in (3, 'a', 99, 1) order by key)) = '1,3,a';
select 'in_list_desc', (select group_concat(key, ',') from (select key from t where key in (3, 'a', 1) order by key desc)) = 'a,3,1';
select 'null_compare_empty', (select count(*) from t where key > null) = 0;
insert into t values (1, 'dup'); -- error: UNIQUE constraint failed: key 1 already exists
insert into t values (1.0, 'dup'); -- error: UNIQUE constraint failed
insert into t values (null, 'x'); -- error: NOT NULL constraint failed
select 'dup_unchanged', (select value from t where key = 1) = 'one';
insert or ignore into t values (1, 'ignored'), (4, 'four');
select 'or_ignore', (select value from t where key = 1) = 'one' and (select value from t where key = 4) = 'four';
insert or replace into t values (1.0, 'one point oh');
select 'or_replace_value', (select value from t where key = 1) = 'one point oh';
select 'or_replace_key_repr', (select typeof(key) from t where key = 1) = 'real';
update t set value = 'THREE' where key = 3;
select 'update_value', (select value from t where key = 3) = 'THREE';
update t set key = 30 where key = 3;
select 'update_key', (select count(*) from t where key = 3) = 0 and (select value from t where key = 30) = 'THREE';
update t set key = 4 where key = 30; -- error: UNIQUE constraint failed: key 4 already exists
select 'update_key_conflict_unchanged', (select value from t where key = 30) = 'THREE' and (select value from t where key = 4) = 'four';
delete from t where key = 'a';
select 'delete_point', (select count(*) from t where key = 'a') = 0;
delete from t where key >= 4 and key < 'a';
select 'delete_range', (select group_concat(quote(key), ',') from t) = '1.0,2.5,''b'',X''00''';
-- transactions and savepoints
begin;
insert into t values (100, 'x');
savepoint s1;
insert into t values (101, 'y');
delete from t where key = 'b';
rollback to s1;
release s1;
select 'savepoint_rolled_back', (select count(*) from t where key in (100, 101, 'b')) = 2;
rollback;
select 'rollback_all', (select count(*) from t where key = 100) = 0 and (select count(*) from t) = 4;
savepoint outer_sp;
delete from t where key > 0;
select 'savepoint_without_begin_inside', (select count(*) from t) = 0;
rollback to outer_sp;
release outer_sp;
select 'savepoint_without_begin_rolled_back', (select count(*) from t) = 4;
begin;
insert into t values (200, 'a'), (201, 'b');
insert into t values (202, 'c'), (1, 'dup'); -- error: UNIQUE constraint failed
select 'failed_statement_undone', (select count(*) from t where key >= 200 and key < 300) = 2;
commit;
select 'committed', (select count(*) from t where key >= 200 and key < 300) = 2;
select 'shadow_log', (select count(*) from t_log) = (select v from t_info where k = 'seq') and (select count(*) from t_snap) = 0;
select 'shadow_info', (select v from t_info where k = 'format_version') = 2;
select 'shadow_no_data_table', (select count(*) from sqlite_schema where name = 't_data') = 0;
-- skiplist backend, same surface
create virtual table s using kvindex(skiplist);
insert into s select key, value from t;
select 'skiplist_same', (select group_concat(quote(key) || '=' || quote(value), ',') from s) = (select group_concat(quote(key) || '=' || quote(value), ',') from t);
select 'skiplist_desc', (select group_concat(key, ',') from (select key from s order by key desc limit 2)) = X'00' || ',b';
insert into s values (2.5, 'dup'); -- error: UNIQUE constraint failed
-- options
create virtual table o3 using kvindex(csbtree, order=3);
insert into o3 with recursive n(i) as (select 1 union all select i + 1 from n where i < 500) select i, -i from n;
select 'order3_count', (select count(*) from o3) = 500;
select 'order3_sum', (select sum(key) from o3 where key between 100 and 199) = 14950;
delete from o3 where key % 3 = 0;
select 'order3_after_delete', (select count(*) from o3) = 334;
create virtual table m using kvindex(skiplist, storage=memory);
insert into m values ('k', 'v');
select 'memory_table', (select value from m where key = 'k') = 'v';
select 'memory_no_data_shadow', (select count(*) from sqlite_schema where name = 'm_data') = 0;
create virtual table bad1 using kvindex(btree); -- error: unknown backend 'btree'
create virtual table bad2 using kvindex(csbtree, colour=red); -- error: unknown option 'colour'
create virtual table bad3 using kvindex(csbtree, order=2); -- error: order must be an integer from 3 to 4096
create virtual table bad4 using kvindex(skiplist, order=8); -- error: applies to the csbtree backend only
create virtual table bad5 using kvindex(csbtree, storage=cloud); -- error: unknown storage 'cloud'
-- text results: values with an embedded NUL keep every byte; others read back exactly
create virtual table tz using kvindex(csbtree);
insert into tz values (1, 'a' || char(0) || 'b'), (2, 'plain'), ('k' || char(0) || 'z', 'nul in key'), (3, ''), (4, 'Ünïcode ✓');
select 'text_nul_value_length', (select length(cast(value as blob)) from tz where key = 1) = 3;
select 'text_nul_value_bytes', (select hex(value) from tz where key = 1) = '610062';
select 'text_nul_value_type', (select typeof(value) from tz where key = 1) = 'text';
select 'text_nul_key_bytes', (select hex(key) from tz where value = 'nul in key') = '6B007A';
select 'text_nul_key_lookup', (select value from tz where key = 'k' || char(0) || 'z') = 'nul in key';
select 'text_empty', (select value from tz where key = 3) = '' and (select typeof(value) from tz where key = 3) = 'text';
select 'text_unicode', (select value from tz where key = 4) = 'Ünïcode ✓';
select 'text_plain', (select value || '!' from tz where key = 2) = 'plain!';
-- LIMIT is not pushed down while SQLite still filters rows after the table (scalar subqueries add LIMIT 1)
select 'limit_with_value_filter', (select hex(key) from tz where value = 'plain') = '32';
select 'limit_with_value_filter_explicit', (select group_concat(key) from (select key from tz where value >= 'p' limit 1)) = '2';
select 'limit_with_second_bound', (select group_concat(key) from (select key from tz where key > 0 and key > 2 order by key limit 1)) = '3';
select 'limit_with_two_equalities', (select count(*) from (select key from tz where key = 2 and key = 3 limit 1)) = 0;
select 'limit_with_like', (select group_concat(key) from (select key from tz where value like 'p%' limit 1)) = '2';
select 'limit_with_offset_filter', (select group_concat(key) from (select key from tz where value <> 'plain' and typeof(key) = 'integer' order by key limit 2 offset 1)) = '3,4';
-- aggregates keep their own copies of column values while the cursor moves on
select 'agg_max_text', (select max(value) from tz where typeof(key) = 'integer') = 'Ünïcode ✓';
select 'agg_min_text', (select min(value) from tz where typeof(key) = 'integer') = '';
select 'agg_group_concat', (select group_concat(value, '|') from (select value from tz where key between 2 and 4 order by key)) = 'plain||Ünïcode ✓';
-- several cursors on one table open at once (self joins, nested subqueries), more than are kept for reuse
select 'self_join', (select count(*) from tz a join tz b on b.key = a.key) = 5;
select 'nested_cursors', (select count(*) from tz a, tz b, tz c, tz d, tz e, tz f where a.key = 2 and b.key = 2 and c.key = 2 and d.key = 2 and e.key = 2 and f.key = 2) = 1;
select 'correlated', (select group_concat((select value from tz b where b.key = a.key), '|') from (select key from tz where typeof(key) = 'integer' order by key) a) = (select group_concat(value, '|') from (select value from tz where typeof(key) = 'integer' order by key));
drop table tz;
-- rename keeps data and shadow tables
alter table t rename to t2;
select 'renamed', (select count(*) from t2) = 6 and (select count(*) from sqlite_schema where name in ('t2_log', 't2_snap', 't2_info')) = 3;
drop table t2;
select 'dropped_shadow', (select count(*) from sqlite_schema where name like 't2_%') = 0;
