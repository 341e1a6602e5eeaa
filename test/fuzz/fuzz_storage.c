/*
** libFuzzer harness: a model whose shadow tables hold arbitrary values.  The
** input is a list of edits, each: 1 byte table (config, vocab, input,
** output, index: the stored search index's two chunks), 1 byte column, 1 byte row, 1 byte kind+length, then the value:
** NULL, an integer of 1-8 bytes (so every int64, extremes included), a
** double, text or a blob of L bytes, written to any column (ids, words,
** counts, keys, values, vectors) or a row deleted.  After the edits the
** model is queried every way, then updated and replaced; any result or
** error is fine, a crash, a sanitizer report or a hang is not.  make fuzz.
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
    " UNION ALL SELECT 'INSERT INTO m_output VALUES(' || id || ',' || quote(vector) || ');' FROM m_output"
    " UNION ALL SELECT 'INSERT INTO m_index VALUES(' || id || ',' || quote(data) || ');' FROM m_index",
    -1, &p, 0)!=SQLITE_OK ) abort();
  while( sqlite3_step(p)==SQLITE_ROW ) sqlite3_str_appendall(s, (const char*)sqlite3_column_text(p, 0));
  sqlite3_finalize(p);
  sqlite3_str_appendall(s, "CREATE VIRTUAL TABLE m USING w2v;");
  sqlite3_close(db);
  zDump = sqlite3_str_finish(s);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n){
  static const char *azTab[] = { "m_config", "m_vocab", "m_input", "m_output", "m_index" };
  static const char *azCol[5][3] = { { "key", "value", "value" }, { "id", "word", "count" },
                                     { "id", "vector", "vector" }, { "id", "vector", "vector" },
                                     { "id", "data", "data" } };
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
    "SELECT w2v_train('docs', 'body', 'model=m, update=1, epochs=1, threads=1, min_count=1')",
    "SELECT * FROM w2v_predict('m', 'a2', 3)",
    "SELECT w2v_train('docs', 'body', 'model=m, replace=1, loss=ns, dim=3, epochs=1, threads=1, min_count=1')",
    "SELECT sum(w2v_prob('m', 'a1', word)) FROM m",
  };
  sqlite3 *db;
  size_t i = 0;
  int q;
  if( zDump==0 ) setup();
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ) abort();
  if( sqlite3_exec(db, zDump, 0, 0, 0)!=SQLITE_OK ) abort();
  while( i+4<=n ){
    int t = data[i]%5, c = data[i+1]%3, kind = data[i+3]>>5, len = data[i+3]&31;
    /* index rows are chunks 0 of parts 1 and 2: ids 1<<32 and 2<<32 */
    sqlite3_int64 row = t==4 ? (sqlite3_int64)(data[i+2]%2 + 1)<<32 : data[i+2]%24 + 1;
    sqlite3_stmt *p;
    char *zSql;
    i += 4;
    if( (size_t)len>n-i ) len = (int)(n-i);
    if( kind==7 ){
      zSql = t==0 ? sqlite3_mprintf("DELETE FROM m_config WHERE key = (SELECT key FROM m_config ORDER BY key LIMIT 1 OFFSET %d)", (int)(row%18))
                  : sqlite3_mprintf("DELETE FROM %s WHERE id = %lld", azTab[t], row);
    }else if( t==0 ){
      /* config: rows by key order */
      zSql = sqlite3_mprintf("UPDATE m_config SET %s = ?1 WHERE key = (SELECT key FROM m_config ORDER BY key LIMIT 1 OFFSET %d)",
                             azCol[0][c], (int)(row%18));
    }else{
      zSql = sqlite3_mprintf("UPDATE %s SET %s = ?1 WHERE id = %lld", azTab[t], azCol[t][c], row);
    }
    if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)==SQLITE_OK ){
      if( kind==0 ){
        sqlite3_bind_null(p, 1);
      }else if( kind==1 || kind==2 ){
        /* an integer of up to 8 bytes, sign-extended */
        sqlite3_int64 v = 0;
        int k, nb = len>8 ? 8 : len;
        for(k=0; k<nb; k++) v = (sqlite3_int64)((sqlite3_uint64)v<<8 | data[i+k]);
        if( nb>0 && nb<8 && (data[i]&0x80) ) v -= (sqlite3_int64)1<<(8*nb);
        sqlite3_bind_int64(p, 1, kind==1 ? v : -v);
      }else if( kind==3 && len>=8 ){
        double d;
        memcpy(&d, data+i, 8);
        sqlite3_bind_double(p, 1, d);
      }else if( kind==4 ){
        sqlite3_bind_text(p, 1, (const char*)data+i, len, SQLITE_TRANSIENT);
      }else{
        sqlite3_bind_blob(p, 1, data+i, len, SQLITE_TRANSIENT);
      }
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
