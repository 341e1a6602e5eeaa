'use strict';
// The w2v SQLite extension for Node: getLoadablePath() is the path of the
// packaged w2v.so; load(db) loads it into a better-sqlite3 Database (or any
// object with loadExtension(path), such as node:sqlite's DatabaseSync opened
// with allowExtension: true).
const fs = require('fs');
const path = require('path');

const SUFFIX = { win32: 'dll', darwin: 'dylib' }[process.platform] || 'so';

function getLoadablePath() {
  const p = path.join(__dirname, 'w2v.' + SUFFIX);
  if (!fs.existsSync(p)) {
    throw new Error('sqlite-w2v: ' + p + ' is missing: this package carries no build for ' +
                    process.platform + '-' + process.arch);
  }
  return p;
}

function load(db) {
  // entry point sqlite3_w2v_init, which SQLite derives from the file name
  db.loadExtension(getLoadablePath());
}

module.exports = { getLoadablePath, load };
