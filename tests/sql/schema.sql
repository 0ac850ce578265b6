-- JSON Schema (draft 7): kv_validate, kv_validate_errors and kv_pack(dtype, value, schema).
create table schemas(name text primary key, body text);
insert into schemas values ('user', '{"type":"object","required":["name","age"],"properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}}');
select 'sc_valid', kv_validate((select body from schemas where name = 'user'), '{"name":"x","age":3}') = 1;
select 'sc_invalid', kv_validate((select body from schemas where name = 'user'), '{"name":"x","age":-3}') = 0;
select 'sc_missing', kv_validate((select body from schemas where name = 'user'), '{"name":"x"}') = 0;
select 'sc_errors_null', kv_validate_errors((select body from schemas where name = 'user'), '{"name":"x","age":3}') is null;
select 'sc_errors_path', json_extract(kv_validate_errors((select body from schemas where name = 'user'), '{"name":"x","age":-3}'), '$[0]') like '$.age: %';
select 'sc_errors_array', json_array_length(kv_validate_errors('{"items":{"type":"string"}}', '[1,2,"x",3]')) >= 3;
select 'sc_true_schema', kv_validate('true', '[1,2,3]') = 1;
select 'sc_false_schema', kv_validate('false', '1') = 0;
select 'sc_false_schema_msg', kv_validate_errors('false', '1') = '["$: the schema accepts no value (false)"]';
select 'sc_local_ref', kv_validate('{"definitions":{"n":{"type":"integer"}},"items":{"$ref":"#/definitions/n"}}', '[1,2]') = 1;
select 'sc_pack_valid', hex(kv_pack('msgpack', '{"name":"x","age":3}', (select body from schemas where name = 'user'))) = hex(kv_pack('msgpack', '{"name":"x","age":3}'));
select 'sc_pack_cbor_valid', kv_unpack('cbor', kv_pack('cbor', '[1,2]', '{"type":"array"}')) = '[1,2]';
select 'sc_many_rows', (select count(*) from generate_series(1, 500) where kv_validate('{"type":"integer","maximum":250}', cast(value as text))) = 250;
select kv_pack('msgpack', '{"name":"x","age":-3}', (select body from schemas where name = 'user')); -- error: value does not match schema: $.age
select kv_pack('cbor', '{"name":"x"}', (select body from schemas where name = 'user')); -- error: value does not match schema
select kv_validate('{"type":', '1'); -- error: JSON Schema is not valid JSON
select kv_validate('{"type":12}', '1'); -- error: invalid JSON Schema
select kv_validate('{"$ref":"http://example.com/s.json"}', '1'); -- error: invalid JSON Schema
select kv_validate('{}', '[1,'); -- error: document is not valid JSON
