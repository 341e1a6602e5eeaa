/*
** Test helper (settings.test): sqlite3_limit() from SQL, which the Tcl
** binding of Debian's libsqlite3-tcl does not offer.
**
**   SELECT test_limit('length', 1000);   -- sets the limit, returns the old one
**   SELECT test_limit('length');         -- returns the current one
*/
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

static const struct { const char *z; int id; } aLimit[] = {
  { "length", SQLITE_LIMIT_LENGTH }, { "sql_length", SQLITE_LIMIT_SQL_LENGTH },
  { "column", SQLITE_LIMIT_COLUMN }, { "expr_depth", SQLITE_LIMIT_EXPR_DEPTH },
  { "compound_select", SQLITE_LIMIT_COMPOUND_SELECT }, { "vdbe_op", SQLITE_LIMIT_VDBE_OP },
  { "function_arg", SQLITE_LIMIT_FUNCTION_ARG }, { "attached", SQLITE_LIMIT_ATTACHED },
  { "like_pattern_length", SQLITE_LIMIT_LIKE_PATTERN_LENGTH },
  { "variable_number", SQLITE_LIMIT_VARIABLE_NUMBER }, { "trigger_depth", SQLITE_LIMIT_TRIGGER_DEPTH },
  { "worker_threads", SQLITE_LIMIT_WORKER_THREADS },
};

static void test_limit(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *z = (const char*)sqlite3_value_text(argv[0]);
  unsigned i;
  for(i=0; z && i<sizeof(aLimit)/sizeof(aLimit[0]); i++){
    if( strcmp(z, aLimit[i].z)==0 ){
      int v = argc>1 ? sqlite3_value_int(argv[1]) : -1;
      sqlite3_result_int(ctx, sqlite3_limit(sqlite3_context_db_handle(ctx), aLimit[i].id, v));
      return;
    }
  }
  sqlite3_result_error(ctx, "test_limit: unknown limit", -1);
}

int sqlite3_limithelper_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi){
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  (void)pzErr;
  rc = sqlite3_create_function(db, "test_limit", 1, SQLITE_UTF8, 0, test_limit, 0, 0);
  if( rc==SQLITE_OK ) rc = sqlite3_create_function(db, "test_limit", 2, SQLITE_UTF8, 0, test_limit, 0, 0);
  return rc;
}
