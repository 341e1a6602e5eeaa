'use strict';
// make test-node: runs in build/node-test, where npm installed better-sqlite3 12
// and the packed sqlite-w2v tarball.  Loads w2v through the package, trains on a
// planted corpus, queries; one line per check; exit 1 on a failure.
const Database = require('better-sqlite3');
const w2v = require('sqlite-w2v');
const path = require('path');

let failed = 0;
function check(name, ok, detail) {
  console.log(name + (ok ? ' ok' : ' FAILED: ' + (detail || '')));
  if (!ok) failed++;
}

const p = w2v.getLoadablePath();
check('path-in-node_modules', p.startsWith(path.join(__dirname, 'node_modules', 'sqlite-w2v') + path.sep), p);

const db = new Database(':memory:');
w2v.load(db);
const sqliteVersion = db.prepare('SELECT sqlite_version() AS v').get().v;
console.log('better-sqlite3 ' + require('better-sqlite3/package.json').version + ', SQLite ' + sqliteVersion +
            ', w2v ' + db.prepare('SELECT w2v_version() AS v').get().v);
check('version', db.prepare('SELECT w2v_version() AS v').get().v === require('sqlite-w2v/package.json').version);

// planted corpus: group g's members g<g>m<i> share contexts g<g>c<j>
let seed = 7;
const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 2147483648 * n); };
db.exec('CREATE TABLE docs(body TEXT)');
const ins = db.prepare('INSERT INTO docs VALUES (?)');
db.transaction(() => {
  for (let r = 0; r < 3000; r++) {
    const g = r % 3;
    const words = [];
    for (let j = 0; j < 5; j++) words.push('g' + g + 'c' + rand(8));
    words.splice(rand(6), 0, 'g' + g + 'm' + rand(4));
    ins.run(words.join(' '));
  }
})();
const summary = JSON.parse(db.prepare(
  "SELECT w2v_train('docs', 'body', 'model=emb, arch=cbow, loss=hs, dim=16, window=3, epochs=5, " +
  "sample=0, threads=1, min_count=1') AS s").get().s);
check('train', summary.vocab_size === 36, JSON.stringify(summary));

for (const w of ['g0m0', 'g1m2', 'g2m3']) {
  const top = db.prepare("SELECT word FROM w2v_similar('emb', ?, 3)").all(w).map((r) => r.word);
  const same = top.filter((x) => x.slice(0, 2) === w.slice(0, 2)).length;
  check('similar-' + w, same === 3, w + ' -> ' + top.join(' '));
}
const total = db.prepare("SELECT sum(w2v_prob('emb', 'g1m1', word)) AS s FROM emb").get().s;
check('prob-sum', Math.abs(total - 1) < 1e-3, String(total));
const knn = db.prepare("SELECT word FROM emb WHERE vector MATCH w2v_vector('emb', 'g2m0') AND k = 5").all();
check('knn', knn.length === 5 && knn[0].word === 'g2m0', JSON.stringify(knn));
// SQLite >= 3.41 passes LIMIT to the virtual table: LIMIT instead of k
const lim = db.prepare("SELECT word FROM emb WHERE vector MATCH w2v_vector('emb', 'g2m0') LIMIT 5").all();
check('knn-limit', JSON.stringify(lim) === JSON.stringify(knn), JSON.stringify(lim));
const blob = db.prepare("SELECT w2v_vector('emb', 'g0m0') AS v").get().v;
check('vector-blob', Buffer.isBuffer(blob) && blob.length === 64, String(blob && blob.length));

console.log(failed + ' failed');
process.exit(failed ? 1 : 0);
