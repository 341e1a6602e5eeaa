/*
** libFuzzer harness: query text (w2v_similar expressions, w2v_prob and
** w2v_predict inputs, w2v_embed, option strings of the evaluation functions,
** w2v_tokens) against small trained models: white space, and unicode61 with
** lower=1 and phrases, and a white-space model with phrases.  make fuzz.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3.h"
#include "w2v.h"

static sqlite3 *db;

static void setup(void){
  sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init);
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ) abort();
  if( sqlite3_exec(db,
    "CREATE TABLE docs(body TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 599)"
    " INSERT INTO docs SELECT printf('a%d b%d c%d a%d', i%5, i%7, i%3, (i/5)%5) FROM n;"
    "SELECT w2v_train('docs', 'body', 'model=ns, dim=4, epochs=1, threads=1, min_count=1');"
    "SELECT w2v_train('docs', 'body', 'model=hs, loss=hs, arch=cbow, dim=4, epochs=1, threads=1, min_count=1');"
    "SELECT w2v_train('docs', 'body', 'model=tx, tokenize=unicode61, lower=1, phrases=2, phrase_threshold=0,"
    " phrase_min_count=2, dim=4, epochs=1, threads=1, min_count=1');"
    "SELECT w2v_train('docs', 'body', 'model=wp, phrases=1, phrase_threshold=0, phrase_min_count=2,"
    " dim=4, epochs=1, threads=1, min_count=1');"
    "CREATE TABLE q(a, b, c, d); INSERT INTO q VALUES ('a1', 'a2', 'b1', 'b2');", 0, 0, 0)!=SQLITE_OK ) abort();
}

static void run(const char *zSql, const unsigned char *data, size_t n, int asBlob){
  sqlite3_stmt *p;
  if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)!=SQLITE_OK ) abort();
  if( asBlob ) sqlite3_bind_blob(p, 1, data, (int)n, SQLITE_STATIC);
  else sqlite3_bind_text(p, 1, (const char*)data, (int)n, SQLITE_STATIC);
  while( sqlite3_step(p)==SQLITE_ROW ){}
  sqlite3_finalize(p);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n){
  static const char *azSql[] = {
    "SELECT word, similarity FROM w2v_similar('ns', ?1, 5)",
    "SELECT word, similarity FROM w2v_similar('hs', ?1, 3, 'mul')",
    "SELECT word FROM w2v_similar('ns', 'a1', 10) WHERE word IN (?1, 'b1')",
    "SELECT sum(w2v_prob('hs', ?1, word)) FROM hs",
    "SELECT w2v_prob('ns', ?1, 'a1'), w2v_score('ns', ?1, 'b2')",
    "SELECT * FROM w2v_predict('hs', ?1, 4)",
    "SELECT * FROM w2v_predict('ns', ?1, 2)",
    "SELECT w2v_embed('ns', ?1), w2v_similarity('ns', ?1, 'a1'), w2v_vector('hs', ?1)",
    "SELECT w2v_eval_analogy('ns', 'q', ?1)",
    "SELECT word FROM ns WHERE vector MATCH ?1 AND k = 3",
    "SELECT word, similarity FROM w2v_similar('tx', ?1, 5)",
    "SELECT w2v_vector('tx', ?1), w2v_embed('tx', ?1), w2v_prob('tx', ?1, 'a1'), w2v_vector('wp', ?1)",
    "SELECT * FROM w2v_predict('tx', ?1, 2)",
    "SELECT * FROM w2v_similar('wp', ?1, 2)",
    "SELECT token, start, \"end\", id FROM w2v_tokens('tx', ?1)",
    "SELECT token FROM w2v_tokens(NULL, ?1, 'porter', 1)",
    "SELECT token FROM w2v_tokens(NULL, 'a1 b2', ?1)",
  };
  int i;
  if( db==0 ) setup();
  for(i=0; i<(int)(sizeof(azSql)/sizeof(azSql[0])); i++) run(azSql[i], data, n, 0);
  run("SELECT * FROM w2v_similar('ns', ?1, 3)", data, n, 1);      /* as a vector */
  run("SELECT w2v_similarity('hs', ?1, ?1)", data, n, 1);
  return 0;
}
