/*
** A minimal stand-in for the sqlite3 shell, for the smoke tests of builds
** that run under an emulator (test/smoke.sh, make test-arm64), where no
** sqlite3 program of that architecture is at hand:
**
**   smoke_shell DB ARG...    each ARG in turn: ".load PATH" loads an
**                            extension, anything else is SQL whose rows are
**                            printed with "|" between columns, as sqlite3's
**                            list mode does.  Exits 1 at the first error.
*/
#include <stdio.h>
#include <string.h>
#include "sqlite3.h"

static int print_row(void *arg, int n, char **val, char **col){
  int i;
  (void)arg; (void)col;
  for(i=0; i<n; i++) printf("%s%s", i ? "|" : "", val[i] ? val[i] : "");
  printf("\n");
  return 0;
}

int main(int argc, char **argv){
  sqlite3 *db;
  char *zErr = 0;
  int i, rc;
  if( argc<2 ){ fprintf(stderr, "usage: smoke_shell DB [.load PATH | SQL]...\n"); return 2; }
  if( sqlite3_open(argv[1], &db)!=SQLITE_OK ){
    fprintf(stderr, "smoke_shell: cannot open %s: %s\n", argv[1], sqlite3_errmsg(db));
    return 1;
  }
  sqlite3_enable_load_extension(db, 1);
  for(i=2; i<argc; i++){
    if( strncmp(argv[i], ".load ", 6)==0 ){
      rc = sqlite3_load_extension(db, argv[i]+6, 0, &zErr);
    }else{
      rc = sqlite3_exec(db, argv[i], print_row, 0, &zErr);
    }
    fflush(stdout);
    if( rc!=SQLITE_OK ){
      fprintf(stderr, "Error: %s\n", zErr ? zErr : sqlite3_errmsg(db));
      sqlite3_free(zErr);
      sqlite3_close(db);
      return 1;
    }
  }
  sqlite3_close(db);
  return 0;
}
