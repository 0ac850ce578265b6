#!/usr/bin/env node
'use strict';
// Driver check: Node.js through better-sqlite3 (synchronous) or sqlite3
// (node-sqlite3, callbacks). Both bundle their own SQLite, newer than
// Debian's, so this is where the module's 3.38+/3.45+ paths run in the matrix.
//   node driver_node.js <better-sqlite3|sqlite3>
// Runs checks.tsv (format described there) like checklib.py does. The
// drivers are resolved through NODE_PATH (run.sh points it at the cached
// host project, see tests/drivers/node/).
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const modulePath = process.env.KV_MODULE || path.join(here, '..', '..', 'build', 'kohakuvault');
const checksPath = process.env.KV_DRIVER_CHECKS || path.join(here, 'checks.tsv');

// An adapter: query(sql, params) -> first column of the first row (or null),
// execute(sql) runs a statement to completion; both return Promises and reject
// with the driver's error.
function betterSqlite3() {
  const Database = require('better-sqlite3');
  const db = new Database(':memory:');
  db.loadExtension(modulePath);
  return {
    name: 'node-better-sqlite3',
    async query(sql, params = []) {
      const row = db.prepare(sql).raw(true).get(...params);
      return row === undefined ? null : row[0];
    },
    async execute(sql) {
      const stmt = db.prepare(sql);
      if (stmt.reader) stmt.all(); else stmt.run();
    },
  };
}

function nodeSqlite3() {
  const sqlite3 = require('sqlite3');
  const db = new sqlite3.Database(':memory:');
  const call = (method, sql, params = []) =>
    new Promise((resolve, reject) => db[method](sql, params, (err, out) => (err ? reject(err) : resolve(out))));
  const loaded = new Promise((resolve, reject) => db.loadExtension(modulePath, (err) => (err ? reject(err) : resolve())));
  return {
    name: 'node-sqlite3',
    loaded,
    async query(sql, params = []) {
      const row = await call('get', sql, params);
      return row === undefined ? null : Object.values(row)[0];
    },
    async execute(sql) {
      await call('all', sql);
    },
  };
}

function loadChecks() {
  const checks = [];
  for (const line of fs.readFileSync(checksPath, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    if (fields.length !== 6) throw new Error(`checks.tsv: expected 6 TAB-separated fields: ${JSON.stringify(line)}`);
    const [kind, requires, name, sql, sql2, expected] = fields;
    checks.push({ kind, requires, name, sql, sql2, expected });
  }
  return checks;
}

const asText = (v) => (v === null || v === undefined ? 'NULL' : String(v));
const REGISTERED = (name) => `select (select count(*) from pragma_function_list where name = '${name}')` +
  ` + (select count(*) from pragma_module_list where name = '${name}')`;

async function checkOne(db, c) {
  let got;
  if (c.kind === 'exec') {
    await db.execute(c.sql);
    return null;
  } else if (c.kind === 'eq') {
    got = asText(await db.query(c.sql));
  } else if (c.kind === 'bind') {
    const blob = await db.query(c.sql);
    if (!Buffer.isBuffer(blob)) return `expected a BLOB from ${JSON.stringify(c.sql)}, got ${typeof blob}`;
    got = asText(await db.query(c.sql2, [blob]));
  } else if (c.kind === 'error') {
    try {
      await db.execute(c.sql);
    } catch (e) {
      return String(e.message).includes(c.expected) ? null
        : `error ${JSON.stringify(e.message)} does not contain ${JSON.stringify(c.expected)}`;
    }
    return 'succeeded, expected an error';
  } else {
    return `unknown kind ${c.kind}`;
  }
  return got === c.expected ? null : `got ${JSON.stringify(got)}, expected ${JSON.stringify(c.expected)}`;
}

async function main() {
  const which = process.argv[2];
  const factories = { 'better-sqlite3': betterSqlite3, sqlite3: nodeSqlite3 };
  if (!factories[which]) throw new Error(`usage: driver_node.js <${Object.keys(factories).join('|')}>`);
  const db = factories[which]();
  await db.loaded;
  let passed = 0, failed = 0, skipped = 0;
  for (const c of loadChecks()) {
    if (c.requires !== '-' && Number(await db.query(REGISTERED(c.requires))) === 0) {
      console.log(`skip ${c.name} (${c.requires} not registered)`);
      skipped++;
      continue;
    }
    let problem;
    try {
      problem = await checkOne(db, c);
    } catch (e) {  // an unexpected driver error fails this check only
      problem = `raised ${e.name}: ${e.message}`;
    }
    if (problem) {
      console.log(`FAIL ${c.name}: ${problem}`);
      failed++;
    } else {
      console.log(`ok ${c.name}`);
      passed++;
    }
  }
  console.log(`${db.name}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(`driver_node: ${e.stack || e}`);
  process.exitCode = 2;
});
