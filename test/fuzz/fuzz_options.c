/*
** libFuzzer harness: the options parser (options.c) with w2v_train's
** descriptor table, whose checks every accepted value must pass.  The same
** parser serves w2v_import and the evaluation functions.  make fuzz.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"   /* with SQLITE_CORE: plain sqlite3.h, and the SQL-layer declarations */
#include "w2vInt.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n){
  char *z = malloc(n + 1), *zErr = 0;
  W2vOptions o;
  if( z==0 ) return 0;
  memcpy(z, data, n);
  z[n] = 0;
  if( w2v_train_options_parse("fuzz", z, &o, &zErr)==SQLITE_OK ){
    /* what the parser accepted must be in range */
    if( o.zModel==0 || o.dim<1 || o.dim>W2V_MAX_DIM || o.window<1 || o.threads<1 || o.epochs<1
     || !(o.alpha>0) || o.minAlpha>o.alpha || o.maxMemory<1 || o.minCount<1
     || (o.arch!=W2V_SKIPGRAM && o.arch!=W2V_CBOW) || o.loss<0 || o.loss>W2V_LOSS_SOFTMAX ) abort();
    w2v_options_free(&w2v_train_options, &o);
  }else if( zErr==0 ){
    abort();                        /* every failure explains itself */
  }
  sqlite3_free(zErr);
  free(z);
  return 0;
}
