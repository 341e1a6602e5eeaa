/*
** Unit tests of the SQL layer's pure parts, with the extension's files
** compiled in (-DSQLITE_CORE): the options parser (ext/options.c) driven by
** w2v_train's descriptor table; the count and rowid filters (ext/ranked.c)
** on vocabularies whose counts never increase and on ones whose counts do
** (which no stored model has: the scan that replaces the binary search),
** against SQLite's own WHERE ("unit_sql filters").  Prints "checks N
** failures F".
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sqlite3ext.h"
#include "w2vInt.h"

static int nCheck, nFail;
#define CHECK(cond, ...) do{ nCheck++; if( !(cond) ){ nFail++; printf("FAIL " __VA_ARGS__); printf("\n"); } }while(0)

/* Parses z; returns the error message (or "") in buf. */
static const char *parse(const char *z, W2vOptions *o, char *buf, size_t nBuf){
  char *zErr = 0;
  int rc = w2v_train_options_parse("t", z, o, &zErr);
  snprintf(buf, nBuf, "%s", rc==SQLITE_OK ? "" : zErr ? zErr : "(no message)");
  sqlite3_free(zErr);
  return buf;
}

static void check_error(const char *z, const char *zWant){
  W2vOptions o;
  char buf[256];
  parse(z, &o, buf, sizeof(buf));
  CHECK(strcmp(buf, zWant)==0, "options '%s': '%s', expected '%s'", z, buf, zWant);
}

/* The ids w2v_filter_args leaves for the plan zPlan with the values of the
** SQL expressions zVals, against "SELECT id-1 FROM zTable WHERE zWhere" with
** the same values bound to ?1, ?2, ... */
static void check_filter(sqlite3 *db, const W2vModel *m, const char *zTable, const char *zPlan,
                         const char *zWhere, const char *zVals){
  sqlite3_value *argv[8];
  sqlite3_stmt *pv = 0, *pq = 0;
  char *zSql;
  int32_t want[64];
  int nWant = 0, argc = (int)strlen(zPlan), i, ok = 1, rc;
  W2vFilter f;
  zSql = sqlite3_mprintf("SELECT %s", zVals);
  rc = sqlite3_prepare_v2(db, zSql, -1, &pv, 0);
  sqlite3_free(zSql);
  if( rc || sqlite3_step(pv)!=SQLITE_ROW || sqlite3_column_count(pv)!=argc ){
    CHECK(0, "filter %s: values '%s'", zPlan, zVals);
    sqlite3_finalize(pv);
    return;
  }
  /* the values of the live row, as xFilter gets them (values of a statement):
  ** not sqlite3_value_dup copies, which belong to no connection, and on which
  ** SQLite 3.53's sqlite3_value_numeric_type dereferences a NULL db */
  for(i=0; i<argc; i++) argv[i] = sqlite3_column_value(pv, i);
  zSql = sqlite3_mprintf("SELECT id-1 FROM %s WHERE %s ORDER BY id", zTable, zWhere);
  rc = sqlite3_prepare_v2(db, zSql, -1, &pq, 0);
  sqlite3_free(zSql);
  for(i=0; i<argc && rc==SQLITE_OK; i++) sqlite3_bind_value(pq, i+1, argv[i]);
  while( rc==SQLITE_OK && sqlite3_step(pq)==SQLITE_ROW && nWant<64 ) want[nWant++] = sqlite3_column_int(pq, 0);
  sqlite3_finalize(pq);
  rc = w2v_filter_args(&f, m, zPlan, argc, argv);
  if( rc!=SQLITE_OK ){
    ok = 0;
  }else if( f.none ){
    ok = nWant==0;
  }else if( f.hasCand ){
    ok = f.nCand==nWant;
    for(i=0; ok && i<nWant; i++) ok = f.aCand[i]==want[i];
  }else{
    ok = f.hi-f.lo==nWant;
    for(i=0; ok && i<nWant; i++) ok = f.lo+i==want[i];
  }
  CHECK(ok, "filter %s on %s: %s with (%s): %d ids expected, none=%d cand=%d [%lld, %lld)", zPlan, zTable,
        zWhere, zVals, nWant, f.none, f.hasCand, (long long)f.lo, (long long)f.hi);
  w2v_filter_free(&f);
  sqlite3_finalize(pv);
}

static void check_filters(void){
  static const int64_t aUnsorted[] = {3, 9, 1, 9, 5, 7, 2, 2, 8, 4, 6, 3};
  static const int64_t aSorted[] = {9, 9, 8, 7, 6, 5, 4, 3, 3, 2, 2, 1};
  static const struct { const char *zPlan, *zWhere, *zVals; } aCase[] = {
    { "A",  "count >= ?1", "5" },       { "a",  "count > ?1", "5" },
    { "B",  "count <= ?1", "5" },       { "b",  "count < ?1", "5" },
    { "c",  "count = ?1", "9" },        { "c",  "count = ?1", "'3'" },
    { "c",  "count = ?1", "3.0" },      { "c",  "count = ?1", "3.5" },
    { "AB", "count >= ?1 AND count <= ?2", "3, 7" },
    { "AB", "count >= ?1 AND count <= ?2", "7, 3" },
    { "A",  "count >= ?1", "2.5" },     { "a",  "count > ?1", "2.5" },
    { "B",  "count <= ?1", "2.5" },     { "b",  "count < ?1", "2.5" },
    { "b",  "count < ?1", "-2.5" },     { "a",  "count > ?1", "-1e300" },
    { "a",  "count > ?1", "5.0" },      { "b",  "count < ?1", "5.0" },
    { "A",  "count >= ?1", "5.0" },     { "B",  "count <= ?1", "5.0" },
    { "A",  "count >= ?1", "' 4 '" },   { "B",  "count <= ?1", "'4.5'" },
    { "A",  "count >= ?1", "'abc'" },   { "B",  "count <= ?1", "'abc'" },
    { "b",  "count < ?1", "x'00'" },    { "a",  "count > ?1", "x'00'" },
    { "A",  "count >= ?1", "NULL" },    { "B",  "count <= ?1", "NULL" },
    { "a",  "count > ?1", "9223372036854775807" },
    { "b",  "count < ?1", "-9223372036854775808" },
    { "B",  "count <= ?1", "1e300" },   { "A",  "count >= ?1", "9223372036854775808.0" },
    { "F",  "rowid <= ?1", "5" },       { "f",  "rowid < ?1", "5.5" },
    { "H",  "rowid >= ?1", "'10'" },    { "h",  "rowid > ?1", "10" },
    { "r",  "rowid = ?1", "4" },        { "r",  "rowid = ?1", "13" },
    { "hf", "rowid > ?1 AND rowid < ?2", "0, 0" },
    { "FA", "rowid <= ?1 AND count >= ?2", "8, 3" },
    { "AhF","count >= ?1 AND rowid > ?2 AND rowid <= ?3", "2, 2, 11" },
    { "ab", "count > ?1 AND count < ?2", "2, 9" },
    { "Hf", "rowid >= ?1 AND rowid < ?2", "-5, 100" },
  };
  sqlite3 *db = 0;
  W2vModel m;
  int t, i, j;
  char zWord[16];
  if( sqlite3_open(":memory:", &db) ){ CHECK(0, "open"); return; }
  sqlite3_exec(db, "CREATE TABLE u(id INTEGER PRIMARY KEY, count INTEGER);"
                   "CREATE TABLE s(id INTEGER PRIMARY KEY, count INTEGER)", 0, 0, 0);
  for(i=0; i<12; i++){
    char *z = sqlite3_mprintf("INSERT INTO u VALUES(%d, %lld); INSERT INTO s VALUES(%d, %lld)",
                              i+1, (long long)aUnsorted[i], i+1, (long long)aSorted[i]);
    sqlite3_exec(db, z, 0, 0, 0);
    sqlite3_free(z);
  }
  for(t=0; t<2; t++){
    const int64_t *a = t ? aSorted : aUnsorted;
    memset(&m, 0, sizeof(m));
    w2v_vocab_init(&m.vocab);
    for(i=0; i<12; i++){
      snprintf(zWord, sizeof(zWord), "w%d", i);
      w2v_vocab_add(&m.vocab, zWord, (uint32_t)strlen(zWord), a[i]);
    }
    m.countsSorted = w2v_counts_sorted(m.vocab.counts, m.vocab.n);
    CHECK(m.countsSorted==t, "counts sorted: %d", m.countsSorted);
    for(j=0; j<(int)(sizeof(aCase)/sizeof(aCase[0])); j++){
      check_filter(db, &m, t ? "s" : "u", aCase[j].zPlan, aCase[j].zWhere, aCase[j].zVals);
    }
    /* "count IN (...)": the values sorted descending, distinct */
    {
      static const int64_t aSet[][4] = { {9, 3, 2, 0}, {8, 0, 0, 0}, {10, 6, 1, 0}, {11, 0, 0, 0} };
      static const int anSet[] = { 3, 1, 3, 1 };
      int s2;
      for(s2=0; s2<4; s2++){
        int32_t *aId = 0;
        int64_t nId = 0, id, o = 0;
        int ok = w2v_filter_count_ids(&m, aSet[s2], anSet[s2], &aId, &nId)==SQLITE_OK;
        for(id=0; ok && id<12; id++){
          int in = 0, v;
          for(v=0; v<anSet[s2]; v++) in |= a[id]==aSet[s2][v];
          if( in ) ok = o<nId && aId[o++]==id;
        }
        CHECK(ok && o==nId, "count ids, set %d, %s counts: %lld ids", s2, t ? "sorted" : "unsorted", (long long)nId);
        sqlite3_free(aId);
      }
    }
    w2v_vocab_free(&m.vocab);
  }
  sqlite3_close(db);
}

int main(int argc, char **argv){
  W2vOptions o;
  W2vConfigItem it;
  char buf[256];
  int i;

  if( argc==2 && strcmp(argv[1], "filters")==0 ){
    check_filters();
    printf("checks %d failures %d\n", nCheck, nFail);
    return nFail>0;
  }

  parse("model=m", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && strcmp(o.zModel, "m")==0 && o.dim==100 && o.arch==W2V_SKIPGRAM && o.loss==W2V_LOSS_NS
        && o.window==5 && o.minCount==5 && o.epochs==5 && o.threads>=1 && o.maxMemory>0,
        "defaults: %s", buf);
  CHECK(o.alpha==0.025 && fabs(o.minAlpha-0.025e-4)<1e-15, "skip-gram alpha %g %g", o.alpha, o.minAlpha);
  CHECK(w2v_train_given(&o, "model") && !w2v_train_given(&o, "dim"), "given bits");
  w2v_options_free(&w2v_train_options, &o);

  parse("model = 'a b,c''d' ,arch=cbow loss=hs,dim=8 max_memory=3", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && strcmp(o.zModel, "a b,c'd")==0 && o.arch==W2V_CBOW && o.loss==W2V_LOSS_HS && o.dim==8
        && o.maxMemory==3*1048576, "quoted, separators, scale: '%s' '%s'", buf, o.zModel ? o.zModel : "");
  CHECK(o.alpha==0.05, "cbow alpha %g", o.alpha);
  i = w2v_options_index(&w2v_train_options, "arch");
  w2v_options_item(&w2v_train_options, &o, i, &it);
  CHECK(it.type==SQLITE_TEXT && strcmp(it.zValue, "cbow")==0, "arch as stored");
  i = w2v_options_index(&w2v_train_options, "dim");
  w2v_options_item(&w2v_train_options, &o, i, &it);
  CHECK(it.type==SQLITE_INTEGER && it.iValue==8, "dim as stored");
  {
    W2vOptions b = o;
    b.dim = 9;
    CHECK(!w2v_options_equal(&w2v_train_options, i, &o, &b) && w2v_options_equal(&w2v_train_options, i, &o, &o), "equal");
  }
  w2v_options_free(&w2v_train_options, &o);

  parse("model=\"x\", arch=sg, alpha=0.1, min_alpha=0", &o, buf, sizeof(buf));
  CHECK(buf[0]==0 && o.arch==W2V_SKIPGRAM && o.alpha==0.1 && o.minAlpha==0, "alias sg, given alpha: %s", buf);
  w2v_options_free(&w2v_train_options, &o);

  check_error("dim=10", "t: option 'model' is required (model=NAME)");
  check_error("model=m, dims=10", "t: unknown option 'dims'");
  check_error("model=m, dim=1, dim=2", "t: option 'dim' given twice");
  check_error("model=m, dim=0", "t: option 'dim' must be between 1 and 10000, not '0'");
  check_error("model=m, dim=1e3", "t: option 'dim' must be an integer, not '1e3'");
  check_error("model=m, alpha=nan", "t: option 'alpha' must be a number, not 'nan'");
  check_error("model=m, min_count=0", "t: option 'min_count' must be at least 1, not '0'");
  check_error("model=m, arch=bow", "t: arch must be skipgram or cbow, not 'bow'");
  check_error("model=m, loss=x", "t: loss must be ns, hs, softmax or ova, not 'x'");
  check_error("model='m", "t: unterminated quoted value in options");
  check_error("model=m, dim", "t: option 'dim' needs a value (key=value)");
  check_error("model=", "t: option 'model' is empty");
  check_error("model=m, loss=ns, negative=0", "t: loss=ns needs negative >= 1");
  check_error("model=m, update=1, replace=1", "t: update=1 and replace=1 exclude each other");
  check_error("model=m, alpha=0.01, min_alpha=0.02", "t: min_alpha (0.02) must not exceed alpha (0.01)");
  printf("checks %d failures %d\n", nCheck, nFail);
  return nFail>0;
}
