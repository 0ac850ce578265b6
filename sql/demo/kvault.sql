.print '== kvault: a key -> blob store (KohakuVault KVault) in a virtual table'
CREATE VIRTUAL TABLE media USING kvault;
INSERT INTO media(key, value) VALUES ('cover:001', X'89504E470D0A1A0A'), ('cover:002', 'GIF89a'), ('note', kv_pack('auto', 'hello'));
SELECT CAST(key AS TEXT) AS key, size, encoding FROM media;
.print '== prefix scan (pushed down to the key index) and a byte range of a value'
SELECT CAST(key AS TEXT) AS key, hex(kvault_read('media', key, 0, 4)) AS first_4_bytes FROM media WHERE prefix = 'cover:';
.print '== headed values decode with kv_unpack("auto", ...); raw bytes come back unchanged'
SELECT CAST(key AS TEXT) AS key, kv_unpack('auto', value) AS unpacked FROM media WHERE key IN ('note', 'cover:002');
.print '== duplicate keys are a constraint error; INSERT OR REPLACE overwrites'
INSERT OR REPLACE INTO media(key, value) VALUES ('note', kv_pack('auto', 42));
SELECT kv_unpack('auto', value) AS note, encoding FROM media WHERE key = 'note';
DROP TABLE media;
