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
select kv_validate('{"$ref":"http://example.com/s.json"}', '1'); -- error: references are never fetched
-- the draft-07 meta-schema is built in: a schema that validates schemas (with or without the '#')
select 'sc_meta_valid', kv_validate('{"$ref":"http://json-schema.org/draft-07/schema#"}', (select body from schemas where name = 'user')) = 1;
select 'sc_meta_invalid', kv_validate('{"$ref":"http://json-schema.org/draft-07/schema"}', '{"type":"strin"}') = 0;
select 'sc_meta_errors', kv_validate_errors('{"$ref":"http://json-schema.org/draft-07/schema#"}', '{"minLength":-1}') like '["$.minLength: %';
create virtual table schema_col using kvcolumn(msgpack, schema='{"$ref":"http://json-schema.org/draft-07/schema#"}');
insert into schema_col(value) values ('{"type":"integer","minimum":0}');
insert into schema_col(value) values ('{"required":"name"}'); -- error: value does not match schema: $.required
select 'sc_meta_column', (select count(*) from schema_col) = 1;
-- "$id" scopes: relative references resolve inside the schema
select 'sc_id_scope', kv_validate('{"$id":"http://example.com/root.json","items":{"$ref":"item.json"},"definitions":{"i":{"$id":"item.json","type":"integer"}}}', '[1,2]') = 1;
select 'sc_id_scope_bad', kv_validate('{"$id":"http://example.com/root.json","items":{"$ref":"item.json"},"definitions":{"i":{"$id":"item.json","type":"integer"}}}', '[1,"x"]') = 0;
select kv_validate('{"$ref":"https://json-schema.org/draft-07/schema#"}', '{}'); -- error: which is neither this schema nor one of its "$id"s
