-- kvault: the table surface, pushdown, conflict handling, hidden columns, streaming and the auto header.
create virtual table media using kvault;
insert into media(key, value) values ('cover:001', X'89504E47'), ('cover:002', 'png2'), (X'636F7665723AFF', X'00'), ('a', X'01');
select 'key_is_blob', (select group_concat(typeof(key)) from media) = 'blob,blob,blob,blob';
select 'text_eq', (select hex(value) from media where key = 'a') = '01';
select 'blob_eq', (select hex(value) from media where key = X'61') = '01';
select 'text_value_stored_as_bytes', (select value from media where key = 'cover:002') = CAST('png2' AS BLOB);
select 'size', (select size from media where key = 'cover:001') = 4;
select 'prefix', (select group_concat(hex(key), ' ') from media where prefix = 'cover:') = '636F7665723A303031 636F7665723A303032 636F7665723AFF';
select 'prefix_ff', (select count(*) from media where prefix = X'636F7665723AFF') = 1;
select 'prefix_desc', (select group_concat(hex(key), ' ') from (select key from media where prefix = 'cover:' order by key desc)) = '636F7665723AFF 636F7665723A303032 636F7665723A303031';
select 'range', (select count(*) from media where key >= 'b' and key < 'cover:002') = 1;
select 'in_list', (select count(*) from media where key in ('a', X'636F7665723A303031', 'zz')) = 2;
select 'not_equal', (select count(*) from media where key != 'a') = 3;
select 'limit', (select count(*) from (select key from media order by key limit 2)) = 2;
select 'number_below_keys', (select count(*) from media where key > 0) = 4;
insert into media(key, value) values ('', X'');
select 'empty_key', (select size from media where key = '') = 0;
insert into media(key, value) values ('a', X'02'); -- error: UNIQUE constraint failed: media.key
insert or ignore into media(key, value) values ('a', X'03');
select 'or_ignore', (select hex(value) from media where key = 'a') = '01';
insert or replace into media(key, value) values ('a', X'04');
select 'or_replace', (select hex(value) from media where key = 'a') = '04';
insert into media(key, value) values (NULL, X'01'); -- error: NOT NULL constraint failed: media.key
insert into media(key, value) values (1, X'01'); -- error: must be TEXT or BLOB
insert into media(key, value) values ('n', 1.5); -- error: kv_pack('auto', n)
insert into media(key, value, encoding) values ('n', X'', 'utf8'); -- error: cannot be set
update media set key = 'b' where key = 'a';
select 'rename_key', (select hex(value) from media where key = 'b') = '04';
update media set key = 'cover:001' where key = 'b'; -- error: UNIQUE constraint failed
update media set value = kv_pack('auto', 42) where key = 'b';
select 'encoding_msgpack', (select encoding from media where key = 'b') = 'msgpack';
select 'encoding_raw', (select encoding from media where key = 'cover:001') is null;
select 'unpack_auto', (select kv_unpack('auto', value) from media where key = 'b') = 42;
delete from media where prefix = 'cover:';
select 'delete_prefix', (select count(*) from media) = 2;
delete from media where key = 'b';
select 'delete_key', (select count(*) from media) = 1;
create virtual table bad using kvault(chunk=1); -- error: kvault takes no arguments
select 'shadow_listed', (select count(*) from sqlite_schema where name = 'media_data') = 1;
alter table media rename to pics;
select 'renamed_shadow', (select count(*) from sqlite_schema where name = 'pics_data') = 1;
select 'read_missing_key', kvault_read('pics', 'none', 0) is null;
insert into pics(key, value) values ('r', X'00010203040506070809');
select 'read_range', hex(kvault_read('pics', 'r', 3, 4)) = '03040506';
select 'read_to_end', hex(kvault_read('pics', 'r', 8)) = '0809';
select 'read_past_end_cut', hex(kvault_read('pics', 'r', 9, 100)) = '09';
select kvault_read('pics', 'r', 11, 1); -- error: past the end
select kvault_read('pics', 'r', -1, 1); -- error: outside
create table plain(x);
select kvault_read('plain', 'r', 0); -- error: is not a kvault table
select kvault_read('nope', 'r', 0); -- error: no such kvault table
select kvault_import('pics', 'f', '/nonexistent/kvault-file'); -- error: cannot open '/nonexistent/kvault-file'
select kvault_import('pics', 'f', '/'); -- error: it is a directory
select kvault_export('pics', 'r', '/nonexistent/dir/out.bin'); -- error: cannot open '/nonexistent/dir/out.bin'
select 'export_missing_key', kvault_export('pics', 'none', '/nonexistent/x') is null;
select 'export_import_roundtrip', kvault_export('pics', 'r', 'r.bin') = 10 and kvault_import('pics', 'r2', 'r.bin') = 10;
select 'roundtrip_bytes', (select value from pics where key = 'r2') = (select value from pics where key = 'r');
select 'import_chunked', kvault_import('pics', 'r3', 'r.bin', 3) = 10 and (select hex(value) from pics where key = 'r3') = '00010203040506070809';
select kvault_import('pics', 'r4', 'r.bin', 0); -- error: chunk_bytes 0 is outside
select 'auto_int', hex(kv_pack('auto', 1)) = '894B010400000000564B01';
select 'auto_real', hex(kv_pack('auto', 1.5)) = '894B010400000000564BCB3FF8000000000000';
select 'auto_text', hex(kv_pack('auto', 'hi')) = '894B010600000000564B6869';
select 'auto_json', hex(kv_pack('auto', json('[1]'))) = '894B010300000000564B5B315D';
select 'auto_null', hex(kv_pack('auto', NULL)) = '894B010400000000564BC0';
select 'auto_blob_raw', hex(kv_pack('auto', X'0102')) = '0102';
select 'auto_zero_is_real', typeof(kv_unpack('auto', kv_pack('auto', 0.0))) = 'real';
select 'auto_big_int', kv_unpack('auto', kv_pack('auto', 1700000000000)) = 1700000000000;
select 'auto_raw_unchanged', kv_unpack('auto', X'0102') = X'0102';
select 'auto_json_subtype', json_extract(kv_unpack('auto', X'894B010300000000564B7B2261223A5B312C325D7D'), '$.a[1]') = 2;
select 'auto_vec', kv_unpack('auto', X'894B010200000000564B0901030000000102FF') = '[1,2,-1]';
select kv_unpack('auto', X'894B010200000000564B0000000000000000'); -- error: kv_unpack('i64', substr(value, 11))
select kv_unpack('auto', X'894B010100000000564B80049500'); -- error: pickles are never executed
select kv_unpack('auto', X'894B010900000000564B00'); -- error: unknown header encoding id 9
select kv_unpack('auto', X'894B020600000000564B00'); -- error: header version 2
select 'auto_f64_explicit', kv_unpack('f64', substr(X'894B010200000000564B000000000000F83F', 11)) = 1.5;
drop table pics;
select 'dropped', (select count(*) from sqlite_schema where name like 'pics%') = 0;
-- LIKE/GLOB and key prefixes. Keys are BLOBs; SQLite builds with
-- SQLITE_LIKE_DOESNT_MATCH_BLOBS (Debian's among them) never match a BLOB with
-- LIKE or GLOB, so what works everywhere is prefix = (pushed down), a key range,
-- or LIKE/GLOB on CAST(key AS TEXT) (a full scan).
create virtual table names using kvault;
insert into names(key, value) values ('cover:001', x'01'), ('cover:002', x'02'), ('Cover:003', x'03'), ('back:001', x'04');
select 'like_prefix_column', (select group_concat(cast(key as text), ',') from names where prefix = 'cover:') = 'cover:001,cover:002';
select 'like_key_range', (select count(*) from names where key >= 'cover:' and key < 'cover;') = 2;
select 'like_cast_text', (select count(*) from names where cast(key as text) like 'cover:%') = 3;
select 'glob_cast_text', (select count(*) from names where cast(key as text) glob 'cover:*') = 2;
select 'like_blob_key_depends_on_build', (select count(*) from names where key like 'cover:%') = case when sqlite_compileoption_used('LIKE_DOESNT_MATCH_BLOBS') then 0 else 3 end;
select 'glob_blob_key_depends_on_build', (select count(*) from names where key glob 'cover:*') = case when sqlite_compileoption_used('LIKE_DOESNT_MATCH_BLOBS') then 0 else 2 end;
drop table names;
-- Table-name arguments: the module is read from the CREATE text token by token.
create virtual table [w x] /* c */ using /* d */ "KVAULT" ( );
select 'module_token_quoted', kvault_read('w x', 'k', 0) is null;
create virtual table "y using kvault" using kvindex;
select kvault_read('y using kvault', 'k', 0); -- error: 'y using kvault' is not a kvault table
drop table [w x];
drop table "y using kvault";
