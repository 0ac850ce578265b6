-- kv_pack / kv_unpack with 'cbor' and 'cbor:N' (RFC 8949): JSON text in, cbor2-identical bytes, JSON text out.
select 'cb_null', hex(kv_pack('cbor', null)) = 'F6';
select 'cb_int_23', hex(kv_pack('cbor', 23)) = '17';
select 'cb_int_24', hex(kv_pack('cbor', 24)) = '1818';
select 'cb_int_256', hex(kv_pack('cbor', 256)) = '190100';
select 'cb_neg_1', hex(kv_pack('cbor', -1)) = '20';
select 'cb_neg_25', hex(kv_pack('cbor', -25)) = '3818';
select 'cb_real', hex(kv_pack('cbor', 1.5)) = 'FB3FF8000000000000';
select 'cb_blob', hex(kv_pack('cbor', x'0102')) = '420102';
select 'cb_text_is_json2', hex(kv_pack('cbor', '{"a":[1,2]}')) = 'A16161820102';
select 'cb_string', hex(kv_pack('cbor', json_quote('IETF'))) = '6449455446';
select 'cb_array24', hex(substr(kv_pack('cbor', (select json_group_array(value) from generate_series(1, 24))), 1, 2)) = '9818';
select 'cb_key_order', kv_unpack('cbor', kv_pack('cbor', '{"z":1,"a":2}')) = '{"z":1,"a":2}';
select 'cb_json_extract', json_extract(kv_unpack('cbor', kv_pack('cbor', '{"name":"x"}')), '$.name') = 'x';
select 'cb_roundtrip_int', kv_unpack('cbor', kv_pack('cbor', -9223372036854775808)) = -9223372036854775808;
select 'cb_roundtrip_blob', kv_unpack('cbor', kv_pack('cbor', x'cafe')) = x'cafe';
select 'cb_half', kv_unpack('cbor', x'f93e00') = 1.5;
select 'cb_half_subnormal', kv_unpack('cbor', x'f90001') = 5.960464477539063e-08;
select 'cb_single', kv_unpack('cbor', x'fa47c35000') = 100000.0;
select 'cb_half_nested', kv_unpack('cbor', x'82f93e00fa3dcccccd') = '[1.5,0.1]';
select 'cb_inf', kv_unpack('cbor', x'f97c00') = 9e999;
select 'cb_inf_repacks', kv_unpack('cbor', kv_pack('cbor', kv_unpack('cbor', x'82f97c00f9fc00'))) = '[9e999,-9e999]' and hex(kv_pack('cbor', '[9e999]')) = '81FB7FF0000000000000';
select 'cb_nan_nested', kv_unpack('cbor', x'81f97e00') = '[null]';
select 'cb_u64_text', kv_unpack('cbor', x'1bffffffffffffffff') = '18446744073709551615';
select 'cb_neg_u64_text', kv_unpack('cbor', x'3bffffffffffffffff') = '-18446744073709551616';
select 'cb_bignum', kv_unpack('cbor', x'c249010000000000000000') = '18446744073709551616';
select 'cb_neg_bignum', kv_unpack('cbor', x'c349010000000000000000') = '-18446744073709551617';
select 'cb_tag_date', kv_unpack('cbor', x'c074323031332d30332d32315432303a30343a30305a') = '"2013-03-21T20:04:00Z"';
select 'cb_tag_epoch', kv_unpack('cbor', x'c11a514b67b0') = 1363896240;
select 'cb_undefined', kv_unpack('cbor', x'f7') is null;
select 'cb_simple', kv_unpack('cbor', x'83f0f818f8ff') = '[null,null,null]';
select 'cb_nested_bytes', kv_unpack('cbor', x'8143010203') = '["AQID"]';
select 'cb_tag23_base16', kv_unpack('cbor', x'81d74401020304') = '["01020304"]';
select 'cb_int_keys', kv_unpack('cbor', x'a201020304') = '{"1":2,"3":4}';
select 'cb_indef_map', kv_unpack('cbor', x'bf61610161629f0203ffff') = '{"a":1,"b":[2,3]}';
select 'cb_indef_bytes', kv_unpack('cbor', x'5f42010243030405ff') = x'0102030405';
select 'cb_indef_text', kv_unpack('cbor', x'7f657374726561646d696e67ff') = '"streaming"';
select 'cb_fixed_pad', hex(kv_pack('cbor:3', 1)) = '010000';
select 'cb_fixed_unpack', kv_unpack('cbor:4', x'82010200') = '[1,2]';
select kv_pack('cbor', '[1,'); -- error: must be a JSON document
select kv_pack('cbor', '[99999999999999999999]'); -- error: does not fit in 64 bits
select kv_unpack('cbor', x'9bffffffffffffffff01'); -- error: truncated
select kv_unpack('cbor', x'ff'); -- error: break
select kv_unpack('cbor', x'1c'); -- error: malformed
select kv_unpack('cbor', x'5f01ff'); -- error: indefinite-length string
select kv_unpack('cbor', x'62c328'); -- error: UTF-8
select kv_unpack('cbor', zeroblob(0)); -- error: empty
