/*
** The "embedded in an app" case: the extension compiled into a program
** (-DSQLITE_CORE, no loading), registered for every connection with
** sqlite3_auto_extension.  Used by test/hosts.test; also a usage example:
**
**   cc -DSQLITE_CORE -Iinclude -Iext -O2 test/static_host.c ext/[a-z]*.c -lsqlite3 -lpthread -lm
**   ./a.out           prints the nearest words of g0m0 in a planted corpus
**   ./a.out FILE      the same, then a second thread retrains the model
**                     (replace=1) on its own connection to FILE (WAL) while
**                     this thread keeps querying; prints "errors E states S"
**                     where S lists the states seen (old, new) in order
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3.h"
#include "w2v.h"

static int print_row(void *arg, int n, char **val, char **col){
  int i;
  (void)arg; (void)col;
  for(i=0; i<n; i++) printf("%s%s", i ? " " : "", val[i] ? val[i] : "NULL");
  printf("\n");
  return 0;
}

static const char *zFile;
static int nThread = 1;     /* W2V_THREADS: training threads (make test-tsan uses 2) */
static volatile int retrainDone = 0;

static void *retrain(void *arg){
  sqlite3 *db;
  (void)arg;
  if( sqlite3_open(zFile, &db)==SQLITE_OK ){
    sqlite3_busy_timeout(db, 10000);
    char *zSql = sqlite3_mprintf("SELECT w2v_train('docs', 'body', 'model=emb, replace=1, seed=7, dim=16,"
                                 " window=3, epochs=150, sample=0, threads=%d, min_count=1, progress=%d')",
                                 nThread, nThread>1);
    if( sqlite3_exec(db, zSql, 0, 0, 0)!=SQLITE_OK ){
      fprintf(stderr, "retrain: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_free(zSql);
  }
  sqlite3_close(db);
  __atomic_store_n(&retrainDone, 1, __ATOMIC_SEQ_CST);
  return 0;
}

/* The first 4 bytes of g0m0's vector as a hex string in buf. */
static int probe(sqlite3 *db, char *buf){
  sqlite3_stmt *p;
  int ok = 0;
  if( sqlite3_prepare_v2(db, "SELECT hex(substr(w2v_vector('emb', 'g0m0'), 1, 4)),"
                             " (SELECT count(*) FROM w2v_similar('emb', 'g0m0', 5))", -1, &p, 0)!=SQLITE_OK ) return 0;
  if( sqlite3_step(p)==SQLITE_ROW && sqlite3_column_int(p, 1)==5 ){
    snprintf(buf, 16, "%s", (const char*)sqlite3_column_text(p, 0));
    ok = 1;
  }
  sqlite3_finalize(p);
  return ok;
}

static int threads_check(sqlite3 *db){
  pthread_t t;
  char old[16], cur[16], last[16] = "";
  int errors = 0;
  if( !probe(db, old) ) return 1;
  if( pthread_create(&t, 0, retrain, 0) ) return 1;
  printf("errors");
  for(;;){
    int done = __atomic_load_n(&retrainDone, __ATOMIC_SEQ_CST);
    if( !probe(db, cur) ){ errors++; }
    else if( strcmp(cur, last)!=0 ){
      if( last[0]==0 || strcmp(cur, old)!=0 ) snprintf(last, sizeof(last), "%s", cur);
    }
    if( done ) break;
  }
  pthread_join(t, 0);
  /* states: old first, then whatever came after */
  printf(" %d states old%s\n", errors, strcmp(last, old)!=0 ? ",new" : "");
  return 0;
}

int main(int argc, char **argv){
  sqlite3 *db;
  char *zErr = 0;
  int rc;
  char *zSql;
  zFile = argc>1 ? argv[1] : ":memory:";
  if( getenv("W2V_THREADS") ) nThread = atoi(getenv("W2V_THREADS"));
  if( nThread<1 ) nThread = 1;
  if( argc>1 ) remove(zFile);
  /* every connection opened from now on has the w2v functions */
  rc = sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init);
  if( rc==SQLITE_OK ) rc = sqlite3_open(zFile, &db);
  if( rc!=SQLITE_OK ){ fprintf(stderr, "open failed\n"); return 1; }
  if( argc>1 ) sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0);
  /* three groups of words that share contexts inside the group only */
  zSql = sqlite3_mprintf(
    "CREATE TABLE docs(body TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 2999)"
    " INSERT INTO docs SELECT printf('g%%dm%%d g%%dc%%d g%%dc%%d g%%dm%%d', i%%3, i%%5, i%%3, (i/3)%%7, i%%3, (i/7)%%7, i%%3, (i/5)%%5) FROM n;"
    "SELECT json_extract(w2v_train('docs', 'body', 'model=emb, dim=16, window=3, epochs=5,"
    " sample=0, threads=%d, min_count=1'), '$.vocab_size');"
    "SELECT word FROM w2v_similar('emb', 'g0m0', 4);"
    "SELECT w2v_version();", nThread);
  rc = zSql ? sqlite3_exec(db, zSql, print_row, 0, &zErr) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ){
    fprintf(stderr, "error: %s\n", zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }
  if( argc>1 ) rc = threads_check(db);
  sqlite3_close(db);
  return rc;
}
