.print '== set-based column functions: a 1M-element column summarised and downsampled where the chunks are'
create virtual table signal using kvcolumn(f64);
insert into signal(signal, value)
  select 'append', kv_pack_agg('f64', (x % 1000) * 0.001 + (x / 100000))
  from (with recursive c(x) as (select 0 union all select x + 1 from c where x < 999999) select x from c);
select count, sum, min, max, round(mean, 4) as mean, round(stddev, 4) as stddev from kvcolumn_stats('signal');
select bucket, start, stop, min, max, argmin, argmax from kvcolumn_buckets('signal', 5);
.print '== slices are packed BLOBs; slice assignment writes packed elements in place'
select kv_unpack_many('f64', kvcolumn_slice('signal', -3)) as last_three;
insert into signal(signal, idx, value) values ('write', 999997, kv_pack_many('f64', '[7, 8, 9]'));
select kv_unpack_many('f64', kvcolumn_slice('signal', -3)) as last_three_now;
