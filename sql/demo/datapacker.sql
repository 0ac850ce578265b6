.print '== DataPacker: typed values to KohakuVault bytes and back'
select hex(kv_pack('i16', -2)) as i16, hex(kv_pack('f32', 1.5)) as f32,
       hex(kv_pack('str:utf16be', 'Hé')) as utf16be, hex(kv_pack('str:6', 'ab')) as str6_padded,
       kv_unpack('u64', kv_pack('u64', '18446744073709551615')) as u64_max;
.print '== Vectors: fixed shape (type byte + elements) or any shape (type byte, ndim, dims, elements)'
select length(kv_pack('vec:f32:128', (with recursive n(k) as (select 1 union all select k + 1 from n where k < 128)
                                      select json_group_array(k) from n))) as vec_f32_128_bytes,
       hex(kv_pack('vec:f32', '[[1,2],[3,4]]')) as any_shape_2x2,
       kv_unpack('vec:i32:2:3', kv_pack('vec:i32:2:3', '[1,2,3,4,5,6]')) as fixed_2x3;
.print '== Batches: a JSON array in, one packed blob out; back as JSON or as rows'
select hex(kv_pack_many('u8', '[1,2,250]')) as pack_many,
       kv_unpack_many('f64', kv_pack_many('f64', '[0.1, -0.0, 1e300]')) as unpack_many,
       kv_unpack_many('str', cast('abcde' as blob), '[0,2]') as with_offsets;
select idx, value from kv_unpack_each('i32', kv_pack_many('i32', '[10,20,30]'));
.print '== What a dtype means'
select json_extract(kv_dtype('str:32:utf-16le'), '$.dtype') as normalised,
       json_extract(kv_dtype('vec:f32:128'), '$.elem_size') as vec_elem_size,
       json_extract(kv_dtype('bytes'), '$.is_varsize') as bytes_is_varsize;
.print '== Never a silent wrap, cast or truncation: bad values are errors, e.g.'
.print "   kv_pack('i8', 300)          -> kohakuvault: 300 is out of range for i8 (-128..127)"
.print "   kv_pack('str:latin1', '€')  -> kohakuvault: character U+20AC '€' at index 0 of '€' cannot be encoded in latin1 (str:latin1)"
.print "   kv_unpack('f64', x'000000') -> kohakuvault: expected 8 bytes for f64, got 3"
