'use strict';
// Run inside a fresh project where `npm install <kohakuvault tarball>
// better-sqlite3` just happened (npm_check.sh): the installed package finds its
// own module and every capability family answers through load(db).
//   node npm_smoke.js PROJECT_DIR
const assert = require('node:assert/strict');
const path = require('node:path');

const project = process.argv[2];
const req = (name) => require(require.resolve(name, { paths: [project] }));
const kohakuvault = req('kohakuvault');
const Database = req('better-sqlite3');
const installedVersion = req('kohakuvault/package.json').version;

let passed = 0, failed = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok ${name}`);
    passed++;
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    failed++;
  }
}

const one = (db, sql, ...params) => db.prepare(sql).pluck().get(...params);

check('getLoadablePath is inside the installed package', () => {
  const file = kohakuvault.getLoadablePath();
  const pkgDir = path.join(project, 'node_modules', 'kohakuvault');
  assert.equal(path.relative(pkgDir, file), path.join('prebuilt', `${process.platform}-${process.arch}`, 'kohakuvault.so'));
});

const db = new Database(':memory:');
check('load(db) returns db', () => assert.equal(kohakuvault.load(db), db));
check('load(null) is a TypeError naming kohakuvault', () =>
  assert.throws(() => kohakuvault.load(null), { name: 'TypeError', message: /^kohakuvault: / }));
check('version = package version', () => assert.equal(one(db, 'select kohakuvault_version()'), installedVersion));
check('kohakuvault_debug names the driver\'s SQLite', () =>
  assert.match(one(db, 'select kohakuvault_debug()'), new RegExp(`sqlite_running: ${one(db, 'select sqlite_version()')}`)));

check('kv_pack / kv_unpack round trip with a bound Buffer', () => {
  const packed = one(db, "select kv_pack('f64', 2.5)");
  assert.ok(Buffer.isBuffer(packed));
  assert.equal(one(db, "select kv_unpack('f64', ?)", packed), 2.5);
});
check('kv_pack error', () => assert.throws(() => one(db, "select kv_pack('i8', 300)"), /^kohakuvault: /));
check('msgpack JSON through json_extract', () =>
  assert.equal(one(db, `select json_extract(kv_unpack('msgpack', kv_pack('msgpack', '{"a":[1,2]}')), '$.a[1]')`), 2));

check('kvcolumn', () => {
  db.exec('create virtual table col using kvcolumn(i32)');
  const insert = db.prepare('insert into col(value) values (?)');
  db.transaction(() => { for (let i = 0; i < 10; i++) insert.run(i * 10); })();
  assert.equal(one(db, 'select group_concat(value) from (select value from col where idx in (7, 2) order by idx)'), '20,70');
  assert.equal(one(db, 'select group_concat(value) from (select value from col order by idx limit 2 offset 3)'), '30,40');
  assert.equal(one(db, "select length from kvcolumns where name = 'col'"), 10);
});
check('kvindex', () => {
  db.exec('create virtual table idx using kvindex(csbtree)');
  db.exec("insert into idx(key, value) values ('b', 2), ('a', 1), ('c', 3)");
  assert.equal(one(db, 'select group_concat(key) from (select key from idx order by key desc limit 2)'), 'c,b');
});
check('kvault', () => {
  db.exec('create virtual table vault using kvault');
  db.prepare('insert into vault(key, value) values (?, ?)').run('k', Buffer.from([1, 2]));
  assert.deepEqual(one(db, "select value from vault where key = 'k'"), Buffer.from([1, 2]));
});

console.log(`npm package: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
