/*
** The "embedded in an app" case: the extension compiled into a program
** (-DSQLITE_CORE, no loading), registered for every connection with
** sqlite3_auto_extension.  Used by test/hosts.test; also a usage example:
**
**   cc -DSQLITE_CORE -Iinclude -Iext -O2 test/static_host.c ext/[a-z]*.c -lsqlite3 -lpthread -lm
**   ./a.out           prints the nearest words of g0m0 in a planted corpus
*/
#include <stdio.h>
#include <stdlib.h>
#include "sqlite3.h"
#include "w2v.h"

static int print_row(void *arg, int n, char **val, char **col){
  int i;
  (void)arg; (void)col;
  for(i=0; i<n; i++) printf("%s%s", i ? " " : "", val[i] ? val[i] : "NULL");
  printf("\n");
  return 0;
}

int main(void){
  sqlite3 *db;
  char *zErr = 0;
  int rc;
  /* every connection opened from now on has the w2v functions */
  rc = sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init);
  if( rc==SQLITE_OK ) rc = sqlite3_open(":memory:", &db);
  if( rc!=SQLITE_OK ){ fprintf(stderr, "open failed\n"); return 1; }
  /* three groups of words that share contexts inside the group only */
  rc = sqlite3_exec(db,
    "CREATE TABLE docs(body TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 2999)"
    " INSERT INTO docs SELECT printf('g%dm%d g%dc%d g%dc%d g%dm%d', i%3, i%5, i%3, (i/3)%7, i%3, (i/7)%7, i%3, (i/5)%5) FROM n;"
    "SELECT json_extract(w2v_train('docs', 'body', 'model=emb, dim=16, window=3, epochs=5,"
    " sample=0, threads=1, min_count=1'), '$.vocab_size');"
    "SELECT word FROM w2v_similar('emb', 'g0m0', 4);"
    "SELECT w2v_version();",
    print_row, 0, &zErr);
  if( rc!=SQLITE_OK ){
    fprintf(stderr, "error: %s\n", zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }
  sqlite3_close(db);
  return 0;
}
