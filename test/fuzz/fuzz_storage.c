/*
** libFuzzer harness: a model whose shadow tables hold arbitrary values.  The
** input is a list of edits, each: 1 byte table (config, vocab, input,
** output), 1 byte row, 1 byte length L, L bytes of value.  After the edits
** the model is queried every way; any result or error is fine, a crash, a
** sanitizer report or a hang is not.  make fuzz.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3.h"
#include "w2v.h"

static char *zDump;      /* SQL that recreates the trained model */

static void setup(void){
  sqlite3 *db;
  sqlite3_stmt *p;
  sqlite3_str *s = sqlite3_str_new(0);
  sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init);
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ) abort();
  if( sqlite3_exec(db,
    "CREATE TABLE docs(body TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 199)"
    " INSERT INTO docs SELECT printf('a%d b%d c%d', i%5, i%3, i%4) FROM n;"
    "SELECT w2v_train('docs', 'body', 'model=m, loss=hs, dim=3, epochs=1, threads=1, min_count=1');",
    0, 0, 0)!=SQLITE_OK ) abort();
  /* the shadow tables and their rows, then the model table (whose creation
  ** checks that the config is there) */
  if( sqlite3_prepare_v2(db,
    "SELECT sql || ';' FROM sqlite_schema WHERE type = 'table' AND name GLOB 'm_*'"
    " UNION ALL SELECT 'INSERT INTO m_config VALUES(' || quote(key) || ',' || quote(value) || ');' FROM m_config"
    " UNION ALL SELECT 'INSERT INTO m_vocab VALUES(' || id || ',' || quote(word) || ',' || count || ');' FROM m_vocab"
    " UNION ALL SELECT 'INSERT INTO m_input VALUES(' || id || ',' || quote(vector) || ');' FROM m_input"
    " UNION ALL SELECT 'INSERT INTO m_output VALUES(' || id || ',' || quote(vector) || ');' FROM m_output",
    -1, &p, 0)!=SQLITE_OK ) abort();
  while( sqlite3_step(p)==SQLITE_ROW ) sqlite3_str_appendall(s, (const char*)sqlite3_column_text(p, 0));
  sqlite3_finalize(p);
  sqlite3_str_appendall(s, "CREATE VIRTUAL TABLE m USING w2v;");
  sqlite3_close(db);
  zDump = sqlite3_str_finish(s);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n){
  static const char *azTab[] = { "m_config", "m_vocab", "m_input", "m_output" };
  static const char *azCol[] = { "value", "word", "vector", "vector" };
  static const char *azQuery[] = {
    "SELECT * FROM w2v_similar('m', 'a1', 5)",
    "SELECT * FROM w2v_similar('m', 'a1 - b1 + c1', 3, 'mul')",
    "SELECT sum(w2v_prob('m', 'a1', word)) FROM m",
    "SELECT * FROM w2v_predict('m', 'a2 b1', 3)",
    "SELECT word, count, length(vector) FROM m",
    "SELECT word FROM m WHERE word = 'c2'",
    "SELECT word FROM m WHERE vector MATCH w2v_vector('m', 'b0') AND k = 4",
    "SELECT w2v_embed('m', 'a1 b2 zz'), w2v_similarity('m', 'a1', 'b1')",
    "SELECT w2v_export('m', '/dev/null')",
  };
  sqlite3 *db;
  size_t i = 0;
  int q;
  if( zDump==0 ) setup();
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ) abort();
  if( sqlite3_exec(db, zDump, 0, 0, 0)!=SQLITE_OK ) abort();
  while( i+3<=n ){
    int t = data[i]%4, row = data[i+1]%24 + 1, len = data[i+2];
    sqlite3_stmt *p;
    char *zSql;
    i += 3;
    if( (size_t)len>n-i ) len = (int)(n-i);
    if( t==0 ){
      /* config: rows by key order */
      zSql = sqlite3_mprintf("UPDATE m_config SET value = ?1 WHERE key = (SELECT key FROM m_config ORDER BY key LIMIT 1 OFFSET %d)", row%18);
    }else{
      zSql = sqlite3_mprintf("UPDATE %s SET %s = ?1 WHERE id = %d", azTab[t], azCol[t], row);
    }
    if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)==SQLITE_OK ){
      /* small values read as numbers, the rest as blobs or text */
      if( len<=2 ) sqlite3_bind_int(p, 1, len ? (signed char)data[i] : 0);
      else if( t==1 ) sqlite3_bind_text(p, 1, (const char*)data+i, len, SQLITE_TRANSIENT);
      else sqlite3_bind_blob(p, 1, data+i, len, SQLITE_TRANSIENT);
      sqlite3_step(p);
      sqlite3_finalize(p);
    }
    sqlite3_free(zSql);
    i += len;
  }
  for(q=0; q<(int)(sizeof(azQuery)/sizeof(azQuery[0])); q++){
    sqlite3_stmt *p;
    if( sqlite3_prepare_v2(db, azQuery[q], -1, &p, 0)==SQLITE_OK ){
      while( sqlite3_step(p)==SQLITE_ROW ){}
      sqlite3_finalize(p);
    }
  }
  sqlite3_close(db);
  return 0;
}
