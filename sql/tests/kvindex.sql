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
select 'shadow_rows', (select count(*) from t_data) = (select count(*) from t);
select 'shadow_info', (select v from t_info where k = 'format_version') = 1;
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
-- rename keeps data and shadow tables
alter table t rename to t2;
select 'renamed', (select count(*) from t2) = 6 and (select count(*) from sqlite_schema where name in ('t2_data', 't2_info')) = 2;
drop table t2;
select 'dropped_shadow', (select count(*) from sqlite_schema where name like 't2_%') = 0;
