'use strict';
// kohakuvault for Node.js: the SQLite module that ships inside this package,
// and load(db) for the two common drivers.
//
// Package layout (made by bindings/node/pack.sh from a CMake build):
//   prebuilt/<platform>-<arch>/kohakuvault.so   e.g. prebuilt/linux-x64/
// The module never links libsqlite3: it runs in whatever SQLite the driver
// embeds (better-sqlite3 and sqlite3 bundle their own), 3.37.0 or newer.
const fs = require('node:fs');
const path = require('node:path');

// SQLite derives this from the file name; passed explicitly where the driver lets us.
const ENTRY_POINT = 'sqlite3_kohakuvault_init';
const SUFFIXES = { darwin: '.dylib', win32: '.dll' };

// Like the Python package: KOHAKUVAULT_EXTENSION, when set, names the module to
// load instead (e.g. build/kohakuvault.so of a source checkout).
const ENV_VAR = 'KOHAKUVAULT_EXTENSION';

/** Absolute path of the module to load: $KOHAKUVAULT_EXTENSION, else the bundled one for this platform. */
function getLoadablePath() {
  const override = process.env[ENV_VAR];
  if (override) {
    if (!fs.statSync(override, { throwIfNoEntry: false })?.isFile()) {
      throw new Error(`kohakuvault: ${ENV_VAR}=${JSON.stringify(override)} is not a file (expected the built kohakuvault.so)`);
    }
    return path.resolve(override);
  }
  const target = `${process.platform}-${process.arch}`;
  const file = path.join(__dirname, 'prebuilt', target, 'kohakuvault' + (SUFFIXES[process.platform] || '.so'));
  if (!fs.existsSync(file)) {
    const built = fs.existsSync(path.join(__dirname, 'prebuilt'))
      ? fs.readdirSync(path.join(__dirname, 'prebuilt')).join(', ') || 'none'
      : 'none';
    throw new Error(`kohakuvault: no prebuilt module for ${target} in this package (it has: ${built}); ` +
      `build kohakuvault from source and set ${ENV_VAR} to its kohakuvault.so`);
  }
  return file;
}

// node-sqlite3 (package `sqlite3`): asynchronous, queued with the connection's
// other calls; better-sqlite3 and node:sqlite: synchronous, throw on error.
function isCallbackDriver(db) {
  return typeof db.serialize === 'function' && typeof db.each === 'function';
}

/**
 * Loads kohakuvault into an open connection.
 * better-sqlite3 (or any driver with a synchronous loadExtension): loads now,
 * throws the driver's error on failure, returns db.
 * sqlite3 (node-sqlite3): returns a Promise that resolves to db once loaded;
 * statements queued on db after this call already run after the load.
 */
function load(db) {
  if (!db || typeof db.loadExtension !== 'function') {
    throw new TypeError('kohakuvault: load(db) needs an open connection of better-sqlite3 or sqlite3 ' +
      `(an object with loadExtension()), got ${db === null ? 'null' : typeof db}`);
  }
  const file = getLoadablePath();
  if (isCallbackDriver(db)) {
    return new Promise((resolve, reject) => {
      db.loadExtension(file, (err) => (err ? reject(err) : resolve(db)));
    });
  }
  db.loadExtension(file, ENTRY_POINT);
  return db;
}

module.exports = { getLoadablePath, load, ENTRY_POINT, ENV_VAR };
