.print '== MessagePack and CBOR: JSON text in, compact bytes out, JSON back'
select hex(kv_pack('msgpack', '{"name":"x","tags":[1,2,3]}')) as msgpack_hex,
       length(kv_pack('msgpack', '{"name":"x","tags":[1,2,3]}')) as msgpack_bytes,
       length('{"name":"x","tags":[1,2,3]}') as json_bytes;
select kv_unpack('msgpack', kv_pack('msgpack', '{"name":"x","tags":[1,2,3]}')) as back,
       json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{"name":"x","tags":[1,2,3]}')), '$.tags[2]') as third_tag;
.print '== SQL scalars map to MessagePack scalars (and back to the same SQL types)'
select typeof(kv_unpack('msgpack', kv_pack('msgpack', 42))) as int_back,
       typeof(kv_unpack('msgpack', kv_pack('msgpack', 2.5))) as real_back,
       typeof(kv_unpack('msgpack', kv_pack('msgpack', x'CAFE'))) as blob_back;
.print '== CBOR reads half floats, bignums and tags (RFC 8949)'
select kv_unpack('cbor', x'f93e00') as half_1_5,
       kv_unpack('cbor', x'c249010000000000000000') as bignum_2_64,
       kv_unpack('cbor', x'c074323031332d30332d32315432303a30343a30305a') as tagged_date;
.print '== Validate against a JSON Schema while packing'
select hex(kv_pack('msgpack', '{"name":"x"}', '{"type":"object","required":["name"]}')) as packed_if_valid,
       kv_validate('{"type":"object","required":["name"]}', '{"name":"x"}') as valid,
       kv_validate_errors('{"type":"object","properties":{"age":{"minimum":0}}}', '{"age":-1}') as errors;
