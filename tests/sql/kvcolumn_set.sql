-- Set-based column functions: kvcolumn_slice, kvcolumn_stats, kvcolumn_buckets and the 'write' command (docs/set_functions.md).
create virtual table t using kvcolumn(f64, max_chunk_bytes=64, min_chunk_bytes=16);
insert into t(t, value) values ('append', kv_pack_many('f64', '[3, 1, 4, 1, 5, 9, 2, 6, 5, 3]'));
select 'slice_is_pack_agg', kvcolumn_slice('t', 2, 7) = (select kv_pack_agg('f64', value) from (select value from t where idx >= 2 and idx < 7 order by idx));
select 'slice_negative', kv_unpack_many('f64', kvcolumn_slice('t', -3)) = '[6.0,5.0,3.0]';
select 'slice_clamped', length(kvcolumn_slice('t', -100, 100)) = 80;
select 'slice_empty_is_blob', typeof(kvcolumn_slice('t', 7, 2)) || length(kvcolumn_slice('t', 7, 2)) = 'blob0';
select 'slice_null_stop', kvcolumn_slice('t', 8, null) = kvcolumn_slice('t', 8);
select 'stats_row', (select count || ',' || sum || ',' || min || ',' || max || ',' || mean from kvcolumn_stats('t')) = '10,39.0,1.0,9.0,3.9';
select 'stats_equal_sql', (select count = c and sum = s and min = mn and max = mx and mean = a from kvcolumn_stats('t', 1, -1), (select count(value) c, sum(value) s, min(value) mn, max(value) mx, avg(value) a from t where idx between 1 and 8));
select 'stats_stddev', (select round(stddev, 6) from kvcolumn_stats('t', 0, 4)) = round(sqrt(((3-2.25)*(3-2.25) + 2*(1-2.25)*(1-2.25) + (4-2.25)*(4-2.25)) / 4), 6);
select 'stats_empty', (select count(*) || ':' || count || ':' || coalesce(sum, 'null') || coalesce(stddev, 'null') from kvcolumn_stats('t', 5, 5)) = '1:0:nullnull';
select 'buckets_m4', (select group_concat(bucket || '[' || start || ',' || stop || ')' || min || '/' || max || '@' || argmin || '/' || argmax, ' ') from kvcolumn_buckets('t', 3)) = '0[0,3)1.0/4.0@1/2 1[3,6)1.0/9.0@3/5 2[6,10)2.0/6.0@6/7';
select 'buckets_first_last', (select group_concat(first || '-' || last, ' ') from kvcolumn_buckets('t', 2)) = '3.0-5.0 9.0-3.0';
select 'buckets_more_than_rows', (select count(*) from kvcolumn_buckets('t', 1000, 2, 5)) = 3;
select 'buckets_range', (select min(start) || '-' || max(stop) from kvcolumn_buckets('t', 4, -4)) = '6-10';
insert into t(t, idx, value) values ('write', 8, kv_pack_many('f64', '[7, 8]'));
select 'write_in_place', kv_unpack_many('f64', kvcolumn_slice('t', 6)) = '[2.0,6.0,7.0,8.0]';
select 'write_keeps_length', (select count(*) from t) = 10;
insert into t(t, idx, value) values ('write', 9, kv_pack_many('f64', '[1, 2]')); -- error: are not all inside the column of length 10
insert into t(t, idx, value) values ('write', 0, x'0102'); -- error: not a whole number of 8-byte elements
select 'write_failed_wrote_nothing', kv_unpack_many('f64', kvcolumn_slice('t', 8)) = '[7.0,8.0]';
create virtual table s using kvcolumn(str);
insert into s(value) values ('a'), ('b"c'), ('δ');
select 'slice_var_json', kvcolumn_slice('s', 1) = '["b\"c","δ"]';
select * from kvcolumn_stats('s'); -- error: expected a numeric dtype
select kvcolumn_slice('nope', 0); -- error: no such kvcolumn table: 'nope' (searched main)
create table plain(x);
select kvcolumn_slice('plain', 0); -- error: is not a kvcolumn table
select * from kvcolumn_buckets('t', 0); -- error: n must be an INTEGER >= 1
select kvcolumn_slice('t', 'x'); -- error: start must be an INTEGER
select kvcolumn_slice('t', 'é€'); -- error: got TEXT 'é€'
select kvcolumn_slice('t', 0, 'éééééééééééééééééééééééééééééé'); -- error: got TEXT 'éééééééééééééééééééé...'
create virtual table i using kvcolumn(i64);
insert into i(value) values (9223372036854775807), (1);
select * from kvcolumn_stats('i'); -- error: integer overflow
