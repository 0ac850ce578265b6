-- kohakuvault_columns / kohakuvault_column over a file in KohakuVault's layout built by hand (the real 0.6.0 files: tests/python/test_kohakuvault_files.py).
create table col_meta (col_id integer primary key, name text unique not null, dtype text not null, elem_size integer not null, length integer not null, chunk_bytes integer not null, min_chunk_bytes integer default 131072, max_chunk_bytes integer default 16777216);
create table col_chunks (col_id integer not null, chunk_idx integer not null, data blob not null, actual_size integer not null, bytes_used integer not null default 0, has_deleted integer not null default 0, start_elem_idx integer default 0, end_elem_idx integer default 0, primary key (col_id, chunk_idx));
select 'empty_catalog', (select count(*) from kohakuvault_columns) = 0;
-- fixed i64, 3 elements per 24-byte chunk, 7 elements (chunk 2 holds one, with spare bytes after it)
insert into col_meta values (1, 'n', 'i64', 8, 7, 24, 24, 24);
insert into col_chunks values (1, 0, kv_pack('i64', 0) || kv_pack('i64', 10) || kv_pack('i64', 20), 24, 24, 0, 0, 0);
insert into col_chunks values (1, 1, kv_pack('i64', 30) || kv_pack('i64', 40) || kv_pack('i64', 50), 24, 24, 0, 0, 0);
insert into col_chunks values (1, 2, kv_pack('i64', 60) || zeroblob(16), 24, 8, 0, 0, 0);
-- var str:utf8: data chunk 1 is TEXT with stale bytes, chunk 2 is larger than max (8 bytes here); idx max 24 = two triples per chunk
insert into col_meta values (2, 'w_data', 'str:utf8', 1, 0, 8, 8, 8), (3, 'w_idx', 'adaptive_idx', 12, 4, 24, 24, 24);
insert into col_chunks values (2, 1, cast(cast('abXXcd' as blob) || zeroblob(10) as text), 16, 6, 0, 0, 0);
insert into col_chunks values (2, 2, cast('a much longer element' as blob), 21, 21, 0, 0, 0);
insert into col_chunks values (3, 0, kv_pack('i32', 1) || kv_pack('i32', 0) || kv_pack('i32', 2) || kv_pack('i32', 2) || kv_pack('i32', 0) || kv_pack('i32', 21), 24, 24, 0, 0, 0);
insert into col_chunks values (3, 1, kv_pack('i32', 1) || kv_pack('i32', 4) || kv_pack('i32', 6) || kv_pack('i32', 1) || kv_pack('i32', 2) || kv_pack('i32', 2), 24, 24, 0, 0, 0);
select 'listing', (select group_concat(name || ':' || dtype || ':' || kind || ':' || length, ',') from kohakuvault_columns) = 'n:i64:fixed:7,w:str:utf8:var:4';
select 'listing_schema_arg', (select count(*) from kohakuvault_columns('main')) = 2;
select 'fixed_all', (select group_concat(value) from kohakuvault_column('n')) = '0,10,20,30,40,50,60';
select 'fixed_raw', (select hex(raw) from kohakuvault_column('n') where idx = 4) = hex(kv_pack('i64', 40));
select 'fixed_range', (select group_concat(idx) from kohakuvault_column('n') where idx > 1 and idx <= 4) = '2,3,4';
select 'fixed_desc', (select group_concat(value) from (select value from kohakuvault_column('n') order by idx desc)) = '60,50,40,30,20,10,0';
select 'fixed_in', (select group_concat(value) from kohakuvault_column('n') where idx in (6, 0, 3, 3, 99, -1)) = '0,30,60';
select 'fixed_limit_offset', (select group_concat(value) from (select value from kohakuvault_column('n') order by idx limit 2 offset 3)) = '30,40';
select 'fixed_desc_limit', (select group_concat(idx) from (select idx from kohakuvault_column('n') order by idx desc limit 2 offset 1)) = '5,4';
select 'fixed_rowid', (select value from kohakuvault_column('n') where rowid = 5.0) = 50;
select 'fixed_real_bounds', (select group_concat(idx) from kohakuvault_column('n') where idx > 1.5 and idx < 3.5) = '2,3';
select 'fixed_text_bound', (select count(*) from kohakuvault_column('n') where idx = '2') = 1;
select 'fixed_null_bound', (select count(*) from kohakuvault_column('n') where idx = null) = 0;
select 'var_all', (select group_concat(value, '|') from kohakuvault_column('w')) = 'ab|a much longer element|cd|';
select 'var_empty_is_blob', (select typeof(raw) || length(raw) from kohakuvault_column('w') where idx = 3) = 'blob0';
select 'var_desc', (select group_concat(value, '|') from (select value from kohakuvault_column('w') order by idx desc)) = '|cd|a much longer element|ab';
select 'text_chunk_length_lies', (select length(data) from col_chunks where col_id = 2 and chunk_idx = 1) = 6;
select 'join_point_reads', (select group_concat(k.value) from (select 1 as i union all select 6) w join kohakuvault_column('n') k on k.idx = w.i) = '10,60';
select 'lateral_join', (select group_concat(c.name || '=' || k.value, ',') from kohakuvault_columns c, kohakuvault_column(c.name) k where k.idx = 2) = 'n=20,w=cd';
select 'name_column', (select name from kohakuvault_column('n') limit 1) = 'n';
select 'half_by_own_name', (select count(*) from kohakuvault_column('w_idx')) = 4;
select * from kohakuvault_column('w_idx'); -- error: kv_unpack cannot decode
select * from kohakuvault_column('nope'); -- error: no KohakuVault column 'nope' in schema 'main'
select * from kohakuvault_column; -- error: needs the column's name
select * from kohakuvault_column(null); -- error: the name argument is NULL
select * from kohakuvault_column('n', 'nosuch'); -- error: nosuch
-- damage: corrupt naming the column and the element; nothing is written
insert into col_meta values (4, 'short', 'f64', 8, 3, 16, 16, 16);
insert into col_chunks values (4, 0, kv_pack('f64', 1.5) || kv_pack('f64', 2.5), 16, 16, 0, 0, 0);
select 'damaged_prefix_reads', (select group_concat(value) from kohakuvault_column('short') where idx < 2) = '1.5,2.5';
select count(value) from kohakuvault_column('short'); -- error: 'short' element 2: chunk 1 of 'short' (col_id 4) is missing
insert into col_meta values (5, 'bad_data', 'str:utf8', 1, 0, 8, 8, 8), (6, 'bad_idx', 'adaptive_idx', 12, 1, 12, 12, 12);
insert into col_chunks values (5, 0, x'6869', 2, 2, 0, 0, 0), (6, 0, kv_pack('i32', 0) || kv_pack('i32', 1) || kv_pack('i32', 3), 12, 12, 0, 0, 0);
select raw from kohakuvault_column('bad'); -- error: 'bad' element 0: index triple (chunk 0, start 1, end 3) runs past chunk 0 of 'bad_data'
insert into col_meta values (7, 'wrongsize', 'str:16:utf8', 8, 1, 8, 8, 8);
select raw from kohakuvault_column('wrongsize'); -- error: dtype str:16:utf8 has 16-byte elements but elem_size is 8
select 'unchanged', (select count(*) from col_chunks) = 10;
