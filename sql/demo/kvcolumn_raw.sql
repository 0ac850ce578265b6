.print '== kvcolumn raw: the packed bytes of each element, without decoding'
create virtual table readings using kvcolumn(f64);
insert into readings(value) values (21.0), (-3.5);
select idx, value, hex(raw) as raw, raw = kv_pack('f64', value) as same_as_kv_pack from readings;
.print '== copy a column at memory speed: raw in, raw out (same dtype)'
create virtual table readings_copy using kvcolumn(f64);
insert into readings_copy(raw) select raw from readings;
select idx, value from readings_copy;
.print '== bulk append of variable-size elements: one JSON array'
create virtual table events using kvcolumn('str:utf8');
insert into events(events, value) values ('append', '["boot", "login ada", "logout ada"]');
create virtual table docs using kvcolumn(msgpack);
insert into docs(docs, value) values ('append', '[{"name":"ada"}, {"name":"bob","tags":["x"]}, 42]');
select (select group_concat(value, ' | ') from events) as events, (select group_concat(value, ' | ') from docs) as docs;
