-- kv_pack / kv_unpack with 'msgpack' and 'msgpack:N': JSON text in, Python-identical bytes, JSON text out.
select 'mp_null', hex(kv_pack('msgpack', null)) = 'C0';
select 'mp_int_fix', hex(kv_pack('msgpack', 127)) = '7F';
select 'mp_int_u8', hex(kv_pack('msgpack', 128)) = 'CC80';
select 'mp_int_u16', hex(kv_pack('msgpack', 256)) = 'CD0100';
select 'mp_int_u32', hex(kv_pack('msgpack', 65536)) = 'CE00010000';
select 'mp_int_u64', hex(kv_pack('msgpack', 4294967296)) = 'CF0000000100000000';
select 'mp_int_negfix', hex(kv_pack('msgpack', -32)) = 'E0';
select 'mp_int_i8', hex(kv_pack('msgpack', -33)) = 'D0DF';
select 'mp_int_i16', hex(kv_pack('msgpack', -129)) = 'D1FF7F';
select 'mp_real', hex(kv_pack('msgpack', 1.5)) = 'CB3FF8000000000000';
select 'mp_blob', hex(kv_pack('msgpack', x'00ff')) = 'C40200FF';
select 'mp_text_is_json', hex(kv_pack('msgpack', '{"a":1}')) = '81A16101';
select 'mp_json_quote', hex(kv_pack('msgpack', json_quote('hi'))) = 'A26869';
select 'mp_str8', hex(substr(kv_pack('msgpack', json_quote(printf('%.40c', 'x'))), 1, 2)) = 'D928';
select 'mp_key_order', kv_unpack('msgpack', kv_pack('msgpack', '{"z":1,"a":2,"m":3}')) = '{"z":1,"a":2,"m":3}';
select 'mp_json_extract', json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{"name":"x"}')), '$.name') = 'x';
select 'mp_nested_extract', json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{"a":{"b":[10,20,30]}}')), '$.a.b[2]') = 30;
select 'mp_roundtrip_int', kv_unpack('msgpack', kv_pack('msgpack', -9223372036854775808)) = -9223372036854775808;
select 'mp_roundtrip_real', kv_unpack('msgpack', kv_pack('msgpack', 0.1)) = 0.1;
select 'mp_roundtrip_blob', kv_unpack('msgpack', kv_pack('msgpack', x'deadbeef')) = x'deadbeef';
select 'mp_roundtrip_null', kv_unpack('msgpack', kv_pack('msgpack', null)) is null;
select 'mp_types', typeof(kv_unpack('msgpack', x'05')) || typeof(kv_unpack('msgpack', x'cb3ff8000000000000')) || typeof(kv_unpack('msgpack', x'c40100')) = 'integerrealblob';
select 'mp_bool_json', kv_unpack('msgpack', x'c3') = 'true';
select 'mp_string_json', kv_unpack('msgpack', x'a26869') = '"hi"';
select 'mp_u64_text', kv_unpack('msgpack', x'cfffffffffffffffff') = '18446744073709551615';
select 'mp_nested_bin_b64url', kv_unpack('msgpack', x'91c403fbff01') = '["-_8B"]';
select 'mp_int_keys', kv_unpack('msgpack', x'820102a1780a') = '{"1":2,"x":10}';
select 'mp_timestamp', kv_unpack('msgpack', x'd6ff5a4af6a5') = '"2018-01-02T03:04:05Z"';
select 'mp_ext', kv_unpack('msgpack', x'd40110') = '{"ext":1,"data":"EA"}';
select 'mp_nan_inf', kv_unpack('msgpack', x'92cb7ff8000000000000cb7ff0000000000000') = '[null,9e999]';
-- a nested infinity unpacks as 9e999 (SQLite's spelling) and packs back as infinity
select 'mp_inf_repacks', hex(kv_pack('msgpack', kv_unpack('msgpack', x'92cb7ff8000000000000cb7ff0000000000000'))) = '92C0CB7FF0000000000000';
select 'mp_inf_nested', kv_unpack('msgpack', kv_pack('msgpack', '{"a":[9e999,-9e999,1e400],"b":1e-400,"c":"s","d":[true,false,null,{}]}')) = '{"a":[9e999,-9e999,9e999],"b":0.0,"c":"s","d":[true,false,null,{}]}';
select kv_pack('msgpack', '[9e999, 123456789012345678901234567890]'); -- error: does not fit in 64 bits
select kv_pack('msgpack', '[9e999,'); -- error: expected a JSON value
select kv_pack('msgpack', '{"a" 9e999}'); -- error: expected ':'
select kv_pack('msgpack', '[9e999] x'); -- error: msgpack
select 'mp_json_valid', json_valid(kv_unpack('msgpack', kv_pack('msgpack', '[1,"two",3.5,null,true,{"k":[]}]')));
select 'mp_fixed_pad', hex(kv_pack('msgpack:4', 1)) = '01000000';
select 'mp_fixed_unpack', kv_unpack('msgpack:4', x'92010200') = '[1,2]';
select 'mp_big_array', json_array_length(kv_unpack('msgpack', kv_pack('msgpack', (select json_group_array(value) from generate_series(1, 70000))))) = 70000;
select kv_pack('msgpack', 'not json'); -- error: must be a JSON document
select kv_pack('msgpack', '{"a":1'); -- error: must be a JSON document
select kv_pack('msgpack', '18446744073709551616'); -- error: does not fit in 64 bits
select kv_pack('msgpack:2', '[1,2,3]'); -- error: msgpack:2
select kv_unpack('msgpack', x'ddffffffff01'); -- error: truncated
select kv_unpack('msgpack', x'dbffffffff6162'); -- error: truncated
select kv_unpack('msgpack', x'c1'); -- error: 0xc1
select kv_unpack('msgpack', x'a2c328'); -- error: UTF-8
select kv_unpack('msgpack', zeroblob(0)); -- error: empty
select kv_unpack('msgpack', x'0102'); -- error: after the msgpack item
