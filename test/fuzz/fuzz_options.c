/*
** libFuzzer harness: the w2v_train options parser, and the key=value reader
** shared with w2v_import and the evaluation functions.  make fuzz.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"   /* with SQLITE_CORE: plain sqlite3.h, and the SQL-layer declarations */
#include "w2vInt.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n){
  char *z = malloc(n + 1), *zErr = 0, *zKey, *zVal;
  W2vOptions o;
  int i = 0;
  if( z==0 ) return 0;
  memcpy(z, data, n);
  z[n] = 0;
  if( w2v_options_parse("fuzz", z, &o, &zErr)==SQLITE_OK ){
    /* what the parser accepted must be in range */
    if( o.zModel==0 || o.dim<1 || o.dim>10000 || o.window<1 || o.threads<1 || o.epochs<1
     || !(o.alpha>0) || o.minAlpha>o.alpha || o.maxMemory<1 ) abort();
    w2v_options_free(&o);
  }else if( zErr==0 ){
    abort();                        /* every failure explains itself */
  }
  sqlite3_free(zErr);
  zErr = 0;
  while( w2v_options_next("fuzz", z, &i, &zKey, &zVal, &zErr)>0 ){
    sqlite3_free(zKey);
    sqlite3_free(zVal);
  }
  sqlite3_free(zErr);
  free(z);
  return 0;
}
