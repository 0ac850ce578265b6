-- kvindex demo: ordered in-memory indexes as durable, transactional tables.
.print '== kvindex: an ordered map answered from an in-memory CSB+-tree'
create virtual table scores using kvindex(csbtree);
insert into scores values ('carol', 71), ('alice', 93), ('bob', 88), (42, 'numbers sort first'), (2.5, 'reals too');
select key, value from scores;
.print '== range + ORDER BY DESC + LIMIT are answered from the tree'
select key, value from scores where key >= 'a' and key < 'c' order by key desc limit 2;
.print '== duplicate keys are constraint errors; OR REPLACE / OR IGNORE work as for tables'
insert or replace into scores values ('bob', 90);
insert or ignore into scores values ('alice', 0);
select key, value from scores where key in ('alice', 'bob');
.print '== transactions: ROLLBACK TO restores the index exactly'
savepoint sp;
delete from scores where key > 'a';
select count(*) as rows_inside_savepoint from scores;
rollback to sp;
release sp;
select count(*) as rows_after_rollback from scores;
.print '== a lock-free skip list backend, and a memory-only table (lives as long as the connection)'
create virtual table hot using kvindex(skiplist);
insert into hot select key, value from scores where typeof(key) = 'text';
create virtual table scratch using kvindex(csbtree, order=15, storage=memory);
insert into scratch values (1, 'gone when the connection closes');
select (select count(*) from hot) as hot_rows, (select value from scratch where key = 1) as scratch_value;
