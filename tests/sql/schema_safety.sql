-- JSON Schemas that used to crash or hang the host (issue #11 items 7 and 8):
-- reference cycles that consume no input, std::regex stack overflows and
-- exponential backtracking. Each must now be a clear error or a plain answer.
-- 7: self-referencing schemas are rejected when compiled, whichever function compiles them
select kv_validate('{"$ref":"#"}', '1'); -- error: "$ref": "#" refers back to itself without consuming any input
select kv_validate('{"$ref":"#/"}', '1'); -- error: refers back to itself
select kv_validate('{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}}', '{}'); -- error: refers back to itself
select kv_validate('{"definitions":{"a":{"$ref":"#/definitions/a"}},"items":{"$ref":"#/definitions/a"}}', '[]'); -- error: refers back to itself
select kv_validate('{"allOf":[{"$ref":"#"}]}', '1'); -- error: in-place subschema
select kv_validate('{"anyOf":[{"type":"string"},{"$ref":"#"}]}', '1'); -- error: in-place subschema
select kv_validate('{"oneOf":[{"not":{"$ref":"#"}}]}', '1'); -- error: in-place subschema
select kv_validate('{"if":{"$ref":"#"}}', '1'); -- error: in-place subschema
select kv_validate('{"if":true,"then":{"$ref":"#"}}', '1'); -- error: in-place subschema
select kv_validate('{"dependencies":{"a":{"$ref":"#"}}}', '{"a":1}'); -- error: in-place subschema
select kv_validate('{"definitions":{"a":{"allOf":[{"$ref":"#/definitions/b"}]},"b":{"anyOf":[{"$ref":"#/definitions/a"}]}},"$ref":"#/definitions/a"}', '1'); -- error: in-place subschema
select kv_validate_errors('{"$ref":"#"}', '1'); -- error: refers back to itself
select kv_pack('msgpack', '1', '{"$ref":"#"}'); -- error: refers back to itself
select kv_pack('cbor', '[1]', '{"allOf":[{"$ref":"#"}]}'); -- error: in-place subschema
create virtual table cyc using kvcolumn(msgpack, schema='{"$ref":"#"}'); -- error: refers back to itself
create virtual table cyc2 using kvcolumn(cbor, schema='{"not":{"$ref":"#"}}'); -- error: in-place subschema
-- recursion that consumes input (a member, an element) stays valid
select 'sc_recursive_items_ok', kv_validate('{"type":["array","integer"],"items":{"$ref":"#"}}', '[1,[2,[3,[4]]]]') = 1;
select 'sc_recursive_items_bad', kv_validate('{"type":["array","integer"],"items":{"$ref":"#"}}', '[1,[2,["x"]]]') = 0;
select 'sc_recursive_props', kv_validate('{"definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}},"$ref":"#/definitions/node"}', '{"next":{"next":{"next":{}}}}') = 1;
select 'sc_ref_to_ref_chain', kv_validate('{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"type":"integer"}},"$ref":"#/definitions/a"}', '5') = 1;
select 'sc_ref_inside_const_is_data', kv_validate('{"const":{"$ref":"#"}}', '{"$ref":"#"}') = 1;
select 'sc_deep_doc_recursion_ok', kv_validate('{"items":{"$ref":"#"}}', (select group_concat('[', '') || group_concat(']', '') from generate_series(1, 998))) = 1;
-- depth bound: document depth x chain of in-place subschemas
select kv_validate('{"items":{"allOf":[{"allOf":[{"$ref":"#"}]}]}}', (select group_concat('[', '') || group_concat(']', '') from generate_series(1, 900))); -- error: levels deep (limit 2000)
-- 8: "pattern" runs on RE2: long strings and catastrophic patterns are fine
select 'sc_pattern_long_string', kv_validate('{"pattern":"^[a-z]+$"}', json_quote(printf('%.*c', 40000, 'a'))) = 1;
select 'sc_pattern_long_string_no', kv_validate('{"pattern":"^[a-z]+$"}', json_quote(printf('%.*c', 40000, 'a') || '1')) = 0;
select 'sc_pattern_catastrophic', kv_validate('{"pattern":"^(a+)+$"}', json_quote(printf('%.*c', 28, 'a') || 'b')) = 0;
select 'sc_pattern_catastrophic_long', kv_validate('{"pattern":"^(a|aa)*$"}', json_quote(printf('%.*c', 100000, 'a'))) = 1;
select 'sc_pattern_search_semantics', kv_validate('{"pattern":"b+"}', '"abbbc"') = 1 and kv_validate('{"pattern":"^b"}', '"abc"') = 0;
select 'sc_pattern_dollar_end_only', kv_validate('{"pattern":"^a$"}', '"a\n"') = 0;
select 'sc_pattern_non_string', kv_validate('{"pattern":"^a$"}', '12') = 1;
select 'sc_pattern_unicode_escape', kv_validate('{"pattern":"^\\u00e9+$"}', '"éé"') = 1;
select 'sc_pattern_named_group', kv_validate('{"pattern":"^(?<y>[0-9]{4})$"}', '"2024"') = 1;
select 'sc_pattern_any_char_class', kv_validate('{"pattern":"^[^]$"}', '"\n"') = 1;
select 'sc_pattern_classes', kv_validate('{"pattern":"^\\d+\\s\\w+$"}', '"12 ab_c"') = 1;
select 'sc_pattern_nul_escape', kv_validate('{"pattern":"a\\0"}', '"a\u0000"') = 1;
select 'sc_pattern_errors_msg', kv_validate_errors('{"pattern":"^a$"}', '"b"') = '["$: Failed to match regex specified by ''pattern'' constraint."]';
select kv_validate('{"pattern":"(?=a)a"}', '"a"'); -- error: pattern '(?=a)a' uses a lookahead '(?=...)', which the RE2 regex dialect does not support
select kv_validate('{"pattern":"(?!a)b"}', '"b"'); -- error: uses a lookahead
select kv_validate('{"pattern":"(?<=a)b"}', '"ab"'); -- error: uses a lookbehind
select kv_validate('{"pattern":"(a)\\1"}', '"aa"'); -- error: uses a backreference (\1)
select kv_validate('{"pattern":"(?<n>a)\\k<n>"}', '"aa"'); -- error: uses a named backreference
select kv_validate('{"pattern":"(a"}', '"a"'); -- error: is not a regular expression RE2 accepts: missing )
select kv_validate('{"items":{"pattern":"(?=x)"}}', '[]'); -- error: uses a lookahead
-- the same for patternProperties (member names) and propertyNames
select 'sc_pattern_props_long_key', kv_validate('{"patternProperties":{"^[a-z]+$":{"type":"integer"}},"additionalProperties":false}', json_object(printf('%.*c', 40000, 'k'), 1)) = 1;
select 'sc_pattern_props_selects', kv_validate('{"patternProperties":{"^a+$":{"type":"integer"}},"additionalProperties":false}', '{"aaa":1}') = 1;
select 'sc_pattern_props_unmatched_additional', kv_validate('{"patternProperties":{"^a+$":{"type":"integer"}},"additionalProperties":false}', '{"aab":1}') = 0;
select 'sc_pattern_props_subschema', kv_validate('{"patternProperties":{"^a+$":{"type":"integer"}}}', '{"aa":"x"}') = 0;
select 'sc_pattern_props_catastrophic', kv_validate('{"patternProperties":{"^(a+)+$":{"type":"integer"}}}', json_object(printf('%.*c', 30, 'a') || 'b', 'x')) = 1;
select 'sc_property_names_pattern', kv_validate('{"propertyNames":{"pattern":"^[a-z]+$"}}', json_object(printf('%.*c', 40000, 'a'), 1)) = 1 and kv_validate('{"propertyNames":{"pattern":"^[a-z]+$"}}', '{"A":1}') = 0;
select kv_validate('{"patternProperties":{"(?=a)":{}}}', '{}'); -- error: uses a lookahead
-- format: date/time/date-time use RE2 too; non-strings are not checked
select 'sc_format_date_long', kv_validate('{"format":"date"}', json_quote(printf('%.*c', 100000, '1'))) = 0;
select 'sc_format_date_time_long', kv_validate('{"format":"date-time"}', json_quote(printf('%.*c', 100000, '1') || '-01-01T00:00:00Z')) = 1;
select 'sc_format_date', kv_validate('{"format":"date"}', '"2024-02-29"') = 1 and kv_validate('{"format":"date"}', '"2024-04-31"') = 0 and kv_validate('{"format":"date"}', '"2024-13-01"') = 0;
select 'sc_format_time', kv_validate('{"format":"time"}', '"16:52:45+02:00"') = 1 and kv_validate('{"format":"time"}', '"25:00:00Z"') = 0;
select 'sc_format_non_string', kv_validate('{"format":"date"}', '1') = 1;
select 'sc_format_unknown', kv_validate('{"format":"email"}', '"x"') = 1;
-- the regex work budget bounds one validation (RE2 is linear; many long strings add up)
select kv_validate('{"items":{"pattern":"^(a|b|c|d|e|f|g|h)*[a-h]{20}$"}}', (select json_group_array(printf('%.*c', 1000000, 'a')) from generate_series(1, 20))); -- error: regular-expression work budget
select 'sc_regex_budget_per_validation', kv_validate('{"items":{"pattern":"^a*$"}}', (select json_group_array(printf('%.*c', 1000000, 'a')) from generate_series(1, 3))) = 1;
