.print '== kvcolumn: a typed column that behaves like a Python list'
create virtual table temps using kvcolumn(f64);
insert into temps(value) values (21.5), (23.0), (19.25);
insert into temps(idx, value) values (0, 18.0);
select idx, value from temps;
.print '== delete renumbers; update writes in place'
delete from temps where value < 20;
update temps set value = value + 1 where idx = 0;
select idx, value from temps;
.print '== bulk append from one packed BLOB, then pushed-down range reads'
insert into temps(temps, value) values ('append', kv_pack_many('f64', '[30, 31, 32, 33, 34]'));
select idx, value from temps where idx between 3 and 5 order by idx desc;
.print '== fixed-width strings, and the catalogue'
create virtual table names using kvcolumn('str:16:utf8', max_chunk_bytes=65536);
insert into names(value) values ('ada'), ('grace'), ('edsger');
select name, dtype, elem_size, length, chunks, bytes from kvcolumns;
select kvcolumn_check('temps') as check_temps;
.print '== variable-size elements: msgpack documents queried with JSON functions'
create virtual table profiles using kvcolumn(msgpack);
insert into profiles(value) values ('{"name":"ada","langs":["en","fr"]}'), ('{"name":"grace","langs":["en"]}');
update profiles set value = '{"name":"grace","langs":["en","cobol"],"admiral":true}' where idx = 1;
select idx, json_extract(value, '$.name') as name, json_array_length(value, '$.langs') as langs from profiles;
.print '== the growing update left its old record behind as dead bytes; compact reclaims them'
select name, dtype, length, live_bytes, dead_bytes from kvcolumns where name = 'profiles';
insert into profiles(profiles) values ('compact');
select name, dtype, length, live_bytes, dead_bytes from kvcolumns where name = 'profiles';
.print '== bulk append of a JSON array: one statement, all or nothing'
insert into profiles(profiles, value) values ('append', '[{"name":"linus"}, {"name":"barbara","langs":["clu"]}]');
select count(*) as profiles from profiles;
