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

check('KOHAKUVAULT_EXTENSION overrides the bundled module, and must name a file', () => {
  process.env.KOHAKUVAULT_EXTENSION = path.join(project, 'package.json');
  assert.equal(kohakuvault.getLoadablePath(), path.join(project, 'package.json'));
  process.env.KOHAKUVAULT_EXTENSION = path.join(project, 'missing.so');
  assert.throws(() => kohakuvault.getLoadablePath(), { message: /^kohakuvault: KOHAKUVAULT_EXTENSION=.*missing\.so" is not a file/ });
  delete process.env.KOHAKUVAULT_EXTENSION;
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
check('kv_pack error', () => assert.throws(() => one(db, "select kv_pack('i8', 300)"), { message: /^kohakuvault: 300 is out of range for i8/ }));
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

// better-sqlite3 bundles a SQLite far newer than Debian's 3.40: the paths the
// module takes only after a run-time version check are taken here. Plan bits:
// ext/kvcolumn/kvcolumn.hpp (enum Plan) and ext/kvindex/module.cpp (PlanBits).
const planOf = (sql) => {
  const detail = db.prepare(`explain query plan ${sql}`).all().map((r) => r.detail).join('\n');
  const m = /VIRTUAL TABLE INDEX (\d+):/.exec(detail);
  if (!m) throw new Error(`no virtual table plan in ${JSON.stringify(detail)}`);
  return Number(m[1]);
};
const versionNumber = (v) => v.split('.').reduce((n, part) => n * 1000 + Number(part), 0);
check('the driver runs SQLite 3.45 or newer', () =>
  assert.ok(versionNumber(one(db, 'select sqlite_version()')) >= versionNumber('3.45.0'), one(db, 'select sqlite_version()')));
check('kvcolumn: IN list handed over in one call (sqlite3_vtab_in)', () =>
  assert.equal(planOf('select value from col where idx in (7, 2)') & 2, 2));
check('kvcolumn: LIMIT and OFFSET pushed down', () =>
  assert.equal(planOf('select value from col order by idx limit 2 offset 3') & (128 | 256), 128 | 256));
check('kvindex: IN list in one call, LIMIT pushed down', () => {
  assert.equal(planOf("select key from idx where key in ('c', 'a')") & 0x02, 0x02);
  assert.equal(planOf('select key from idx order by key limit 1') & 0x80, 0x80);
  assert.equal(one(db, "select group_concat(key) from (select key from idx where key in ('c', 'a') order by key)"), 'a,c');
});
check('kvault: an IN list naming one key twice (TEXT and BLOB) returns it once', () =>
  assert.equal(one(db, "select count(*) from vault where key in ('k', x'6b')"), 1));
// SQLITE_RESULT_SUBTYPE (3.45+) is what stops SQLite from reading a function's
// value out of an expression index, where the JSON subtype is not stored
// (pragma_function_list does not show that flag). Debian's 3.40 answers
// ["[1,2]"] to the same query: its planner drops the subtype there.
check('kv_unpack JSON keeps its subtype through an expression index (SQLITE_RESULT_SUBTYPE)', () => {
  db.exec("create table docs(b blob); create index docs_json on docs(kv_unpack('msgpack', b))");
  db.prepare('insert into docs values (?)').run(one(db, "select kv_pack('msgpack', '[1,2]')"));
  const sql = "select json_array(kv_unpack('msgpack', b)) from docs indexed by docs_json where kv_unpack('msgpack', b) > ''";
  assert.match(db.prepare(`explain query plan ${sql}`).all().map((r) => r.detail).join(' '), /USING INDEX docs_json/);
  assert.equal(one(db, sql), '[[1,2]]');
});

console.log(`npm package: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
