/*
** make test-oom: allocation-failure testing (issue #10), in the manner of
** SQLite's own malloc tests.
**
** The extension is compiled into this program (-DSQLITE_CORE) and registered
** with sqlite3_auto_extension.  One counter drives three doors:
**   - SQLite's allocator: an SQLITE_CONFIG_MALLOC wrapper around the default
**     methods (everything the SQL layer gets from sqlite3_malloc64 and what
**     SQLite allocates for it);
**   - the numeric core: w2v_core_alloc_hook (ext/core/alloc.c);
**   - plain malloc/calloc/realloc/posix_memalign called from the extension's
**     own objects (the Makefile links with -Wl,--wrap=...; the core's calls
**     arrive here too, right after the hook, and are not counted twice).
** "Fail the N-th allocation" (mode once) and "fail every allocation from the
** N-th on" (mode from-N).  For each scenario and N = 1, 2, 3, ... until the
** statement succeeds with no failure injected: a fresh in-memory database
** gets the fixture (a copy of a template built without failures), the
** counter is armed, the statement runs (prepare, every row, finalize), the
** counter is disarmed, and then:
**   - the statement succeeded, or failed with SQLITE_NOMEM, or with a message
**     that names a w2v function and says "out of memory";
**   - after a failure the database is unchanged (an order-free hash of
**     sqlite_schema, sqlite_temp_schema and every ordinary table), no file was
**     left behind in the working directory, and the same statement run again
**     without failures succeeds with the reference result;
**   - after a success with a failure injected (a fallback), the result is the
**     reference result;
**   - sqlite3_close() returns SQLITE_OK, and every byte allocated through
**     SQLite or the extension's malloc since before sqlite3_open is freed;
**   - no crash, no sanitizer report, no hang (alarm).
** Also checked: the connection is not left inside a transaction.  Each
** scenario runs in a child process, so a crash is reported with its N (and
** the stack of the injected failure) and the loop goes on after it.  At the
** end of each child LeakSanitizer checks again.  Problems are grouped by
** where the failure was injected: the first point of a group is printed in
** full (the problems, then the stack), the others are counted.
**
** Environment:
**   OOM_ONLY=text      only the scenarios whose name contains text
**   OOM_N=n            only that point (OOM_MODE=0 once, 1 from-N), verbosely
**   OOM_FULL=1         every N of every scenario, no stride
**   OOM_EXHAUSTIVE=n   every N up to n (default 300); beyond it every core
**   OOM_POINTS=p       or malloc allocation, the last 20, and a stride
**                      keeping about p (default 150) of the SQLite ones
**   OOM_SELFTEST=1     instead, scenarios with bugs planted on purpose (a
**                      leak, a crash, a changed database, a wrong error): all
**                      four must be reported FAILED
** Note: a trace callback (sqlite3_trace_v2) shifts SQLite's allocation
** numbers, so N is only meaningful without one.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sqlite3.h"
#include "w2v.h"
#include "core.h"

#if defined(__SANITIZE_ADDRESS__)
# define OOM_ASAN 1
# include <sanitizer/common_interface_defs.h>
# include <sanitizer/lsan_interface.h>
#else
# define OOM_ASAN 0
#endif

#define EXIT_ASAN   86
#define EXIT_UBSAN  87

#if OOM_ASAN
const char *__asan_default_options(void){
  return "detect_leaks=1:halt_on_error=1:exitcode=86:abort_on_error=0:"
         "allocator_may_return_null=1:malloc_context_size=30";
}
const char *__ubsan_default_options(void){
  return "halt_on_error=1:print_stacktrace=1:exitcode=87";
}
#endif

/* ---- the counter ------------------------------------------------------ */
enum { K_SQLITE = 0, K_CORE = 1, K_RAW = 2 };
static const char *azKind[] = { "sqlite3_malloc", "core", "malloc" };

static int64_t nCount;          /* allocations counted while armed */
static int64_t nFailAt;         /* N */
static int persist;             /* mode from-N */
static int armed;
static int64_t nInjected;       /* failures injected */
static int firstKind = -1;      /* door of the first injected failure */
static void *aFirstStack[40];   /* where the first injected failure happened */
static int nFirstStack;

static __thread int coreNext;   /* the core hook allowed one: the next malloc is its */

static int64_t aKindCount[3];   /* allocations per door while armed */
static unsigned char aRefKind[1<<20];  /* door+1 of each allocation of the reference run */
static int bRecordKinds;
static int should_fail(int kind){
  int64_t c;
  if( !__atomic_load_n(&armed, __ATOMIC_SEQ_CST) ) return 0;
  __atomic_add_fetch(&aKindCount[kind], 1, __ATOMIC_SEQ_CST);
  c = __atomic_add_fetch(&nCount, 1, __ATOMIC_SEQ_CST);
  if( bRecordKinds && c<(int64_t)sizeof(aRefKind) ) aRefKind[c] = (unsigned char)(kind+1);
  if( c==nFailAt || (persist && c>nFailAt) ){
    if( __atomic_add_fetch(&nInjected, 1, __ATOMIC_SEQ_CST)==1 ){
      firstKind = kind;
      nFirstStack = backtrace(aFirstStack, 40);
    }
    return 1;
  }
  return 0;
}

static void arm(int64_t n, int bPersist){
  nCount = 0; nInjected = 0; firstKind = -1; nFirstStack = 0;
  memset(aKindCount, 0, sizeof(aKindCount));
  nFailAt = n; persist = bPersist;
  __atomic_store_n(&armed, 1, __ATOMIC_SEQ_CST);
}
static void disarm(void){ __atomic_store_n(&armed, 0, __ATOMIC_SEQ_CST); }

/* ---- door 1: SQLite's allocator ---------------------------------------- */
static sqlite3_mem_methods defMem;
static int64_t nSqliteBytes;    /* outstanding */

static void *oomMalloc(int n){
  void *p;
  if( should_fail(K_SQLITE) ) return 0;
  p = defMem.xMalloc(n);
  if( p ) __atomic_add_fetch(&nSqliteBytes, defMem.xSize(p), __ATOMIC_SEQ_CST);
  return p;
}
static void oomFree(void *p){
  if( p ) __atomic_sub_fetch(&nSqliteBytes, defMem.xSize(p), __ATOMIC_SEQ_CST);
  defMem.xFree(p);
}
static void *oomRealloc(void *p, int n){
  int old;
  void *q;
  if( should_fail(K_SQLITE) ) return 0;
  old = p ? defMem.xSize(p) : 0;
  q = defMem.xRealloc(p, n);
  if( q ) __atomic_add_fetch(&nSqliteBytes, (int64_t)defMem.xSize(q) - old, __ATOMIC_SEQ_CST);
  return q;
}
static int oomSize(void *p){ return defMem.xSize(p); }
static int oomRoundup(int n){ return defMem.xRoundup(n); }
static int oomInit(void *x){ return defMem.xInit(x); }
static void oomShutdown(void *x){ defMem.xShutdown(x); }

/* ---- door 2: the core's hook ------------------------------------------- */
static int core_hook(size_t n){
  (void)n;
  if( should_fail(K_CORE) ) return 0;
  coreNext = 1;     /* alloc.c calls malloc & co. right after this */
  return 1;
}

/* ---- door 3: malloc from the extension's objects (-Wl,--wrap) ---------- */
static int64_t nSysBytes;       /* outstanding, core and plain malloc together */
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void*, size_t);
int __real_posix_memalign(void**, size_t, size_t);
void __real_free(void*);

static int raw_fail(void){
  if( coreNext ){ coreNext = 0; return 0; }
  return should_fail(K_RAW);
}
static void sys_add(void *p, int64_t sign){
  if( p ) __atomic_add_fetch(&nSysBytes, sign*(int64_t)malloc_usable_size(p), __ATOMIC_SEQ_CST);
}
void *__wrap_malloc(size_t n){
  void *p;
  if( raw_fail() ) return 0;
  p = __real_malloc(n);
  sys_add(p, 1);
  return p;
}
void *__wrap_calloc(size_t n, size_t s){
  void *p;
  if( raw_fail() ) return 0;
  p = __real_calloc(n, s);
  sys_add(p, 1);
  return p;
}
void *__wrap_realloc(void *p, size_t n){
  int64_t old;
  void *q;
  if( raw_fail() ) return 0;
  old = p ? (int64_t)malloc_usable_size(p) : 0;
  q = __real_realloc(p, n);
  if( q ){
    __atomic_sub_fetch(&nSysBytes, old, __ATOMIC_SEQ_CST);
    sys_add(q, 1);
  }else if( n==0 ){
    __atomic_sub_fetch(&nSysBytes, old, __ATOMIC_SEQ_CST);
  }
  return q;
}
int __wrap_posix_memalign(void **pp, size_t a, size_t n){
  int rc;
  if( raw_fail() ) return ENOMEM;
  rc = __real_posix_memalign(pp, a, n);
  if( rc==0 ) sys_add(*pp, 1);
  return rc;
}
void __wrap_free(void *p){
  sys_add(p, -1);
  __real_free(p);
}

/* ---- where the injected failure was ------------------------------------- */
/* The stack of the first injected failure, as text: the extension's frames
** with file:line; a run of SQLite frames shows as its outermost one (the API
** the extension called); it stops at the first SQLite frame above the
** extension.  Returns the text in z (n bytes). */
static char *injection_text(char *z, int n){
  int i, nExt = 0, k;
  char zPending[512] = "";
  z[0] = 0;
  if( firstKind<0 ){ snprintf(z, n, "      (no failure injected)\n"); return z; }
  k = snprintf(z, n, "      injected: %s allocation #%lld%s, at:\n", azKind[firstKind],
               (long long)nFailAt, persist ? " (and all after it)" : "");
  for(i=1; i<nFirstStack && k<n-1; i++){
    char buf[512];
#if OOM_ASAN
    __sanitizer_symbolize_pc((char*)aFirstStack[i]-1, "%f %L", buf, sizeof(buf));
#else
    snprintf(buf, sizeof(buf), "%p", aFirstStack[i]);
#endif
    if( strncmp(buf, "should_fail ", 12)==0 || strncmp(buf, "oomMalloc ", 10)==0
     || strncmp(buf, "oomRealloc ", 11)==0 || strncmp(buf, "core_hook ", 10)==0
     || strncmp(buf, "raw_fail ", 9)==0 || strncmp(buf, "__wrap_", 7)==0 ) continue;
    if( strstr(buf, "libsqlite3") ){
      char *sp = strchr(buf, ' ');
      if( sp ) *sp = 0;
      if( nExt ){ k += snprintf(z+k, n-k, "        %s (libsqlite3)\n", buf); break; }
      snprintf(zPending, sizeof(zPending), "%s", buf);
      continue;
    }
    if( strncmp(buf, "run_sql ", 8)==0 || strncmp(buf, "main ", 5)==0 || strstr(buf, "libc.so")
     || strstr(buf, "libc_start") ) break;
    if( zPending[0] ){ k += snprintf(z+k, n-k, "        %s (libsqlite3)\n", zPending); zPending[0] = 0; }
    if( k<n-1 ) k += snprintf(z+k, n-k, "        %s\n", buf);
    nExt++;
  }
  return z;
}
static void print_injection(FILE *out){
  char z[4096];
  fputs(injection_text(z, sizeof(z)), out);
  fflush(out);
}
static void death_callback(void){
  fprintf(stderr, "  [oom] this sanitizer report is from N=%lld (%s)\n",
          (long long)nFailAt, persist ? "from-N" : "once");
  print_injection(stderr);
}

/* ---- hashing ----------------------------------------------------------- */
static uint64_t fnv(uint64_t h, const void *p, size_t n){
  const unsigned char *z = p;
  while( n-- ){ h ^= *z++; h *= 0x100000001b3ULL; }
  return h;
}
static uint64_t mix(uint64_t h){
  h ^= h>>33; h *= 0xff51afd7ed558ccdULL; h ^= h>>33; h *= 0xc4ceb9fe1a85ec53ULL; h ^= h>>33;
  return h;
}
static uint64_t hash_row(uint64_t h, sqlite3_stmt *p){
  int i, n = sqlite3_column_count(p);
  for(i=0; i<n; i++){
    int t = sqlite3_column_type(p, i);
    h = fnv(h, &t, sizeof(t));
    if( t==SQLITE_INTEGER ){ sqlite3_int64 v = sqlite3_column_int64(p, i); h = fnv(h, &v, 8); }
    else if( t==SQLITE_FLOAT ){ double v = sqlite3_column_double(p, i); h = fnv(h, &v, 8); }
    else if( t!=SQLITE_NULL ){
      const void *z = sqlite3_column_blob(p, i);
      int nb = sqlite3_column_bytes(p, i);
      h = fnv(h, &nb, sizeof(nb));
      if( nb ) h = fnv(h, z, nb);
    }
  }
  return h;
}

/* Runs every statement of zSql; *pHash: an ordered hash of all result rows.
** Returns the error code; the message goes to zErr (ERRBUF bytes, may be 0),
** copied without allocating, since it may run with the counter armed. */
#define ERRBUF 600
static int run_sql(sqlite3 *db, const char *zSql, uint64_t *pHash, char *zErr){
  const char *zTail = zSql;
  uint64_t h = 0xcbf29ce484222325ULL;
  int rc = SQLITE_OK;
  if( zErr ) zErr[0] = 0;
  while( rc==SQLITE_OK && zTail && zTail[0] ){
    sqlite3_stmt *p = 0;
    rc = sqlite3_prepare_v2(db, zTail, -1, &p, &zTail);
    if( rc!=SQLITE_OK ) break;
    if( p==0 ) continue;
    while( (rc = sqlite3_step(p))==SQLITE_ROW ) h = hash_row(h, p);
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    else rc = sqlite3_extended_errcode(db);
    if( rc!=SQLITE_OK && zErr ) snprintf(zErr, ERRBUF, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(p);
  }
  if( rc!=SQLITE_OK && zErr && zErr[0]==0 ){
    rc = sqlite3_extended_errcode(db);
    snprintf(zErr, ERRBUF, "%s", sqlite3_errmsg(db));
    if( rc==SQLITE_OK ) rc = SQLITE_ERROR;
  }
  if( pHash ) *pHash = h;
  return rc;
}

/* An order-free hash of one query's rows (sum of row hashes), and their count. */
static uint64_t hash_rows_unordered(sqlite3 *db, const char *zSql, int64_t *pN, int *pOk){
  sqlite3_stmt *p = 0;
  uint64_t sum = 0, n = 0;
  if( sqlite3_prepare_v2(db, zSql, -1, &p, 0)!=SQLITE_OK ){ *pOk = 0; return 0; }
  while( sqlite3_step(p)==SQLITE_ROW ){
    sum += mix(hash_row(0xcbf29ce484222325ULL, p));
    n++;
  }
  if( sqlite3_finalize(p)!=SQLITE_OK ) *pOk = 0;
  *pN = n;
  return mix(sum ^ mix(n + 0x9e3779b97f4a7c15ULL));
}

/* The database's state as text, one item per schema entry (with a hash of
** its row in sqlite_schema) and per ordinary table (rows and a hash of their
** contents): equal strings, unchanged database; sqlite3_malloc'd. */
static char *db_state(sqlite3 *db, int *pOk){
  sqlite3_stmt *p = 0;
  sqlite3_str *s = sqlite3_str_new(0);
  *pOk = 1;
  if( sqlite3_prepare_v2(db,
        "SELECT 'main', type, name, tbl_name, rootpage, sql FROM main.sqlite_schema"
        " UNION ALL SELECT 'temp', type, name, tbl_name, rootpage, sql FROM temp.sqlite_schema"
        " ORDER BY 1, 3", -1, &p, 0)!=SQLITE_OK ){
    *pOk = 0; return sqlite3_str_finish(s);
  }
  while( sqlite3_step(p)==SQLITE_ROW ){
    const char *zDb = (const char*)sqlite3_column_text(p, 0);
    const char *zType = (const char*)sqlite3_column_text(p, 1);
    const char *zName = (const char*)sqlite3_column_text(p, 2);
    const char *zSql = (const char*)sqlite3_column_text(p, 5);
    uint64_t h = hash_row(0xcbf29ce484222325ULL, p);
    sqlite3_str_appendf(s, "%s.%s(%s,%016llx", zDb, zName, zType, (unsigned long long)h);
    if( strcmp(zType, "table")==0 && (zSql==0 || sqlite3_strnicmp(zSql, "CREATE VIRTUAL", 14)!=0) ){
      int64_t nRow = 0;
      char *zQ = sqlite3_mprintf("SELECT * FROM \"%w\".\"%w\"", zDb, zName);
      uint64_t hc = hash_rows_unordered(db, zQ, &nRow, pOk);
      sqlite3_free(zQ);
      sqlite3_str_appendf(s, ",%lldrows:%016llx", (long long)nRow, (unsigned long long)hc);
    }
    sqlite3_str_appendall(s, ") ");
  }
  if( sqlite3_finalize(p)!=SQLITE_OK ) *pOk = 0;
  return sqlite3_str_finish(s);
}

/* What differs between two db_state strings: items only in a, only in b. */
static char *state_diff(const char *a, const char *b){
  sqlite3_str *s = sqlite3_str_new(0);
  int pass;
  for(pass=0; pass<2; pass++){
    const char *x = pass ? b : a, *y = pass ? a : b;
    sqlite3_str_appendall(s, pass ? " | after only:" : "before only:");
    while( *x ){
      const char *e = strchr(x, ' ');
      int n = e ? (int)(e-x) : (int)strlen(x);
      char *zItem = sqlite3_mprintf(" %.*s ", n, x);
      char *zY = sqlite3_mprintf(" %s", y);
      if( strstr(zY, zItem)==0 ) sqlite3_str_appendf(s, " %.*s", n, x);
      sqlite3_free(zItem); sqlite3_free(zY);
      x += n; while( *x==' ' ) x++;
    }
  }
  return sqlite3_str_finish(s);
}

/* The names in the working directory, sorted, one per line (sqlite3_malloc'd). */
static char *dir_listing(void){
  struct dirent **a = 0;
  int i, n = scandir(".", &a, 0, alphasort);
  sqlite3_str *s = sqlite3_str_new(0);
  for(i=0; i<n; i++){
    if( strcmp(a[i]->d_name, ".") && strcmp(a[i]->d_name, "..") ) sqlite3_str_appendf(s, "%s ", a[i]->d_name);
    __real_free(a[i]);      /* scandir allocated them: not counted */
  }
  __real_free(a);
  return sqlite3_str_finish(s);
}

static uint64_t file_hash(const char *zPath){
  FILE *f = fopen(zPath, "rb");
  uint64_t h = 0xcbf29ce484222325ULL;
  char buf[4096];
  size_t n;
  if( f==0 ) return 1;
  while( (n = fread(buf, 1, sizeof(buf), f))>0 ) h = fnv(h, buf, n);
  fclose(f);
  return h;
}

/* ---- scenarios ------------------------------------------------------- */
typedef struct Scenario {
  const char *zName;
  const char *zSetup;   /* run on the fresh copy before the checksum, 0 = none */
  const char *zSql;     /* the statement under test */
  const char *zPost;    /* after a success: run without failures, compared with the
                        ** reference; 0 = compare the statement's own result */
  const char *zFile;    /* the statement writes this file (export): compared, then removed */
  int bKeepResult;      /* with zPost: compare the statement's result too */
} Scenario;

#define TRAIN_OPTS "threads=1, dim=8, epochs=1, min_count=1"
#define TRAIN_POST(m) "SELECT * FROM " m "_vocab; SELECT * FROM " m "_input; SELECT * FROM " m "_output;" \
                      " SELECT key, value FROM " m "_config WHERE key NOT IN ('generation', 'training')"
#define TRAIN(a, l) { "train " a "/" l, 0, \
  "SELECT w2v_train('docs', 'body', 'model=m, arch=" a ", loss=" l ", " TRAIN_OPTS "')", TRAIN_POST("m"), 0, 0 }

#define CLF_OPTS "threads=1, dim=8, epochs=2, word_ngrams=2, bucket=1000"
#define CLF_POST(m) TRAIN_POST(m) "; SELECT * FROM " m "_labels; SELECT * FROM " m "_ngrams"
#define CLF(l) { "train classifier " l, 0, \
  "SELECT w2v_train('ldocs', 'body', 'model=c, label=cat, loss=" l ", " CLF_OPTS "')", CLF_POST("c"), 0, 0 }

static const Scenario aScenario[] = {
  TRAIN("skipgram", "ns"), TRAIN("skipgram", "hs"), TRAIN("skipgram", "softmax"),
  TRAIN("cbow", "ns"),     TRAIN("cbow", "hs"),     TRAIN("cbow", "softmax"),
  { "train update=1 (skipgram/ns)", 0,
    "SELECT w2v_train('docs2', 'body', 'model=emb, update=1, " TRAIN_OPTS "')", TRAIN_POST("emb"), 0, 0 },
  { "train update=1 (cbow/hs)", 0,
    "SELECT w2v_train('docs2', 'body', 'model=embhs, update=1, " TRAIN_OPTS "')", TRAIN_POST("embhs"), 0, 0 },
  { "train replace=1", 0,
    "SELECT w2v_train('docs2', 'body', 'model=emb, replace=1, " TRAIN_OPTS "')", TRAIN_POST("emb"), 0, 0 },
  { "w2v_similar word", 0, "SELECT word, similarity, rank FROM w2v_similar('emb', 'g0m0', 5)", 0, 0, 0 },
  { "w2v_similar expression", 0,
    "SELECT word, similarity, rank FROM w2v_similar('emb', 'g0m1 - g1m1 + g1c2', 5)", 0, 0, 0 },
  { "w2v_similar mul", 0,
    "SELECT word, similarity, rank FROM w2v_similar('emb', 'g0m1 - g1m1 + g1c2', 5, 'mul')", 0, 0, 0 },
  { "w2v_similar blob, IN, floor", 0,
    "SELECT word, similarity FROM w2v_similar('emb', w2v_vector('emb', 'g1m2'))"
    " WHERE similarity > -0.5 AND word IN (SELECT word FROM emb WHERE rowid % 2 = 0)", 0, 0, 0 },
  { "w2v_similar warm cache", "SELECT count(*) FROM w2v_similar('emb', 'g2m2', 3)",
    "SELECT word, similarity, rank FROM w2v_similar('emb', 'g0m0', 5)", 0, 0, 0 },
  { "w2v_predict ns", 0, "SELECT word, probability, rank FROM w2v_predict('emb', 'g0m0', 5)", 0, 0, 0 },
  { "w2v_predict hs cbow context", 0,
    "SELECT word, probability, rank FROM w2v_predict('embhs', 'g0c1 g0c2 g0m3', 5)", 0, 0, 0 },
  { "w2v_predict softmax", 0, "SELECT word, probability, rank FROM w2v_predict('embsm', 'g1m1', 5)", 0, 0, 0 },
  { "model table KNN", 0,
    "SELECT word, distance FROM emb WHERE vector MATCH w2v_vector('emb', 'g2m1') AND k = 5", 0, 0, 0 },
  { "model table KNN with IN", 0,
    "SELECT word, distance FROM emb WHERE vector MATCH w2v_vector('emb', 'g2m1') AND k = 3 AND word IN ('g2m0', 'g2m2', 'g1m1', 'g0c0')", 0, 0, 0 },
  { "model table scan", 0, "SELECT rowid, word, count, vector FROM emb", 0, 0, 0 },
  { "model table word =", 0, "SELECT rowid, count, vector FROM embhs WHERE word = 'g1c3'", 0, 0, 0 },
  { "w2v_prob ns", 0, "SELECT w2v_prob('emb', 'g0m0', 'g0c1'), w2v_prob('emb', 'g0m0', 'g1c1')", 0, 0, 0 },
  { "w2v_prob hs", 0, "SELECT w2v_prob('embhs', 'g0c1 g0c2', 'g0m0')", 0, 0, 0 },
  { "w2v_prob sum softmax", 0, "SELECT sum(w2v_prob('embsm', 'g2m0', word)) FROM embsm", 0, 0, 0 },
  { "w2v_score", 0, "SELECT w2v_score('emb', 'g0m0', 'g0c1'), w2v_score('embsm', 'g1c1 g1c2', 'g1m1')", 0, 0, 0 },
  { "w2v_vector", 0, "SELECT w2v_vector('emb', 'g0m0'), w2v_vector('embhs', 'nosuch')", 0, 0, 0 },
  { "w2v_similarity", 0,
    "SELECT w2v_similarity('emb', 'g0m0', 'g0m1'), w2v_similarity('emb', w2v_vector('emb', 'g1m0'), 'g1m1')", 0, 0, 0 },
  { "w2v_embed", 0, "SELECT w2v_embed('emb', body) FROM docs LIMIT 3", 0, 0, 0 },
  { "w2v_eval_analogy", 0, "SELECT w2v_eval_analogy('emb', 'questions')", 0, 0, 0 },
  { "w2v_eval_similarity", 0, "SELECT w2v_eval_similarity('emb', 'pairs', 'restrict=0')", 0, 0, 0 },
  { "w2v_export text", 0, "SELECT w2v_export('emb', 'out.txt')", 0, "out.txt", 0 },
  { "w2v_export binary", 0, "SELECT w2v_export('embhs', 'out.bin', 'binary')", 0, "out.bin", 0 },
  { "w2v_import text", 0, "SELECT w2v_import('fix/emb.txt', 'model=imp')",
    "SELECT rowid, word, count, vector FROM imp", 0, 1 },
  { "w2v_import binary", 0, "SELECT w2v_import('fix/emb.bin', 'model=imp, format=binary')",
    "SELECT rowid, word, count, vector FROM imp", 0, 1 },
  { "w2v_import text replace=1", 0, "SELECT w2v_import('fix/embhs.txt', 'model=pre, replace=1')",
    "SELECT rowid, word, count, vector FROM pre", 0, 1 },
  { "w2v_import binary replace=1", 0, "SELECT w2v_import('fix/embhs.bin', 'model=pre, replace=1')",
    "SELECT rowid, word, count, vector FROM pre", 0, 1 },
  { "train text: unicode61, lower, phrases=2, vocab, exclude", 0,
    "SELECT w2v_train('docs', 'body', 'model=t, tokenize=\"unicode61 remove_diacritics 2\", lower=1, phrases=2,"
    " phrase_threshold=0, phrase_min_count=2, vocab=keep, exclude=stop, " TRAIN_OPTS "')",
    TRAIN_POST("t") "; SELECT * FROM t_phrases", 0, 0 },
  { "train text update=1 (the model's phrases)", 0,
    "SELECT w2v_train('docs2', 'body', 'model=embtx, update=1, " TRAIN_OPTS "')",
    TRAIN_POST("embtx") "; SELECT * FROM embtx_phrases", 0, 0 },
  { "queries through a tokenizer and phrases", 0,
    "SELECT w2v_vector('embtx', 'G0M0,'), w2v_embed('embtx', 'G0M0; g0c1!'), w2v_prob('embtx', 'G0M0 g0c1', 'g0c2'),"
    " (SELECT group_concat(word) FROM w2v_similar('embtx', 'G0M0, - g1m1 + g0c1', 3)),"
    " (SELECT group_concat(token || id) FROM w2v_tokens('embtx', 'G0M0, g0c1 g0c2!')),"
    " (SELECT group_concat(token) FROM w2v_tokens(NULL, 'Running Runs', 'porter', 1))", 0, 0, 0 },
  { "w2v_phrases", 0, "SELECT phrase, count, score, joins FROM w2v_phrases('docs', 'body', 'min_count=2, threshold=0')", 0, 0, 0 },
  { "train subwords skipgram/ns", 0,
    "SELECT w2v_train('docs', 'body', 'model=m, minn=2, maxn=3, bucket=1000, " TRAIN_OPTS "')",
    TRAIN_POST("m") "; SELECT * FROM m_ngrams", 0, 0 },
  { "train subwords cbow/hs", 0,
    "SELECT w2v_train('docs', 'body', 'model=m, arch=cbow, loss=hs, minn=1, maxn=4, " TRAIN_OPTS "')",
    TRAIN_POST("m") "; SELECT * FROM m_ngrams", 0, 0 },
  { "queries with subwords (unknown words)", 0,
    "SELECT w2v_vector('embsub', 'g0m9'), w2v_similarity('embsub', 'g1m9', 'g1m0'), w2v_embed('embsub', 'g0m9 g7c7 zz'),"
    " w2v_prob('embsub', 'g0m9 g0c1', 'g0c2'),"
    " (SELECT group_concat(word) FROM w2v_similar('embsub', 'g0m9 - g1m9 + g0c1', 3)),"
    " (SELECT group_concat(word) FROM w2v_predict('embsub', 'g2m9', 3))", 0, 0, 0 },
  { "w2v_import fasttext", 0, "SELECT w2v_import('fix/embsub.ftbin', 'model=imp')",
    "SELECT rowid, word, count, vector FROM imp; SELECT * FROM imp_ngrams", 0, 1 },
  { "w2v_export fasttext", 0, "SELECT w2v_export('embsub', 'out.ftbin', 'fasttext')", 0, "out.ftbin", 0 },
  { "train update=1 subwords", 0,
    "SELECT w2v_train('docs2', 'body', 'model=embsub, update=1, " TRAIN_OPTS "')",
    TRAIN_POST("embsub") "; SELECT * FROM embsub_ngrams", 0, 0 },
  { "train update=1 subwords, an imported fastText model", "SELECT w2v_import('fix/embsub.ftbin', 'model=impsub')",
    "SELECT w2v_train('docs2', 'body', 'model=impsub, update=1, loss=hs, " TRAIN_OPTS "')",
    TRAIN_POST("impsub") "; SELECT * FROM impsub_ngrams", 0, 0 },
  { "w2v_phrases passes=3 all=1", 0,
    "SELECT phrase, count, score, pass FROM w2v_phrases('docs', 'body', 'min_count=2, threshold=0, passes=3, all=1')", 0, 0, 0 },
  { "w2v_kmeans", 0, "SELECT word, cluster, distance, centroid, rowid FROM w2v_kmeans('emb', 3, 'threads=2')", 0, 0, 0 },
  { "w2v_kmeans words= through a tokenizer and phrases", 0,
    "SELECT word, cluster, distance FROM w2v_kmeans('embtx', 2, 'words=keep, seed=3')", 0, 0, 0 },
  { "w2v_kmeans docs=1", 0,
    "SELECT key, cluster, distance, rowid FROM w2v_kmeans('embdoc', 2, 'docs=1')", 0, 0, 0 },
  { "w2v_project", 0, "SELECT word, x, y, z, rowid FROM w2v_project('emb', 3, 'threads=2')", 0, 0, 0 },
  { "w2v_project words= max_words=", 0, "SELECT word, x, y FROM w2v_project('embtx', 2, 'words=keep, max_words=12')", 0, 0, 0 },
  { "w2v_project docs=1", 0,
    "SELECT key, x, y FROM w2v_project('embdb', 2, 'docs=1')", 0, 0, 0 },
  CLF("softmax"), CLF("ns"), CLF("hs"), CLF("ova"),
  { "train classifier replace=1 over a word model", 0,
    "SELECT w2v_train('ldocs', 'body', 'model=emb, label=cat, replace=1, " CLF_OPTS "')", CLF_POST("emb"), 0, 0 },
  { "w2v_classify", 0, "SELECT label, probability, rank FROM w2v_classify('clf', 'g0m0 g1c2 g0c1 nosuch', -1)", 0, 0, 0 },
  { "w2v_classify hs, k, threshold", 0,
    "SELECT label, probability, rank FROM w2v_classify('clfhs', 'g1m0 g1c2 g2c1', 2, 0.01)", 0, 0, 0 },
  { "w2v_classify warm cache", "SELECT count(*) FROM w2v_classify('clf', 'g2m1')",
    "SELECT label, probability, rank FROM w2v_classify('clf', 'g0m0 g1c2 g0c1', 3)", 0, 0, 0 },
  { "w2v_eval_classifier", 0, "SELECT w2v_eval_classifier('clf', 'ldocs', 'body', 'cat', 2)", 0, 0, 0 },
  { "w2v_eval_classifier hs", 0, "SELECT w2v_eval_classifier('clfhs', 'ldocs', 'body', 'cat')", 0, 0, 0 },
  { "train classifier subwords", 0,
    "SELECT w2v_train('ldocs', 'body', 'model=c, label=cat, minn=2, maxn=3, " CLF_OPTS "')", CLF_POST("c"), 0, 0 },
  { "w2v_classify subwords", 0, "SELECT label, probability, rank FROM w2v_classify('clfsw', 'g0m0 g1c2 g0c1 g0mx nosuch', -1)", 0, 0, 0 },
  { "w2v_eval_classifier subwords", 0, "SELECT w2v_eval_classifier('clfsw', 'ldocs', 'body', 'cat')", 0, 0, 0 },
  { "selftest leak", 0, "SELECT oom_selftest('leak')", 0, 0, 0 },
  { "selftest crash", 0, "SELECT oom_selftest('crash')", 0, 0, 0 },
  { "selftest changed", 0, "SELECT oom_selftest('changed')", 0, 0, 0 },
  { "selftest wrong error", 0, "SELECT oom_selftest('wrong')", 0, 0, 0 },
  { "train docs=dbow (rowid keys)", 0,
    "SELECT w2v_train('docs', 'body', 'model=m, docs=dbow, " TRAIN_OPTS "')",
    TRAIN_POST("m") "; SELECT * FROM m_docs", 0, 0 },
  { "train docs=dm loss=hs doc_key=tag", 0,
    "SELECT w2v_train('tdocs', 'body', 'model=m, docs=dm, loss=hs, doc_key=tag, " TRAIN_OPTS "')",
    TRAIN_POST("m") "; SELECT * FROM m_docs", 0, 0 },
  { "train docs=dbow softmax replace=1", 0,
    "SELECT w2v_train('docs2', 'body', 'model=embdb, docs=dbow, loss=softmax, replace=1, " TRAIN_OPTS "')",
    TRAIN_POST("embdb") "; SELECT * FROM embdb_docs", 0, 0 },
  { "w2v_similar_docs key", 0, "SELECT key, similarity, rank FROM w2v_similar_docs('embdb', 3, 5)", 0, 0, 0 },
  { "w2v_similar_docs blob, w2v_doc_vector", 0,
    "SELECT key, similarity, rank FROM w2v_similar_docs('embdoc', w2v_doc_vector('embdoc', 'k3'), 5)", 0, 0, 0 },
  { "w2v_infer dbow ns, dm hs", 0,
    "SELECT w2v_infer('embdb', body), w2v_infer('embdoc', body, 2) FROM docs LIMIT 2", 0, 0, 0 },
  { "w2v_embed sif", 0, "SELECT w2v_embed('emb', body, 'sif:1e-4') FROM docs LIMIT 3", 0, 0, 0 },
  { "DROP TABLE model", 0, "DROP TABLE embhs", "SELECT name FROM sqlite_schema ORDER BY name", 0, 0 },
  { "ALTER TABLE model RENAME", 0, "ALTER TABLE embhs RENAME TO renamed",
    "SELECT name FROM sqlite_schema ORDER BY name; SELECT * FROM renamed", 0, 0 },
};
#define N_SCENARIO ((int)(sizeof(aScenario)/sizeof(aScenario[0])))

static const char zFixture[] =
  "CREATE TABLE docs(body TEXT);"
  "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 59)"
  " INSERT INTO docs SELECT printf('g%dm%d g%dc%d g%dc%d g%dm%d', i%3, i%5, i%3, (i/3)%7, i%3, (i/7)%7, i%3, (i/5)%5) FROM n;"
  "CREATE TABLE docs2(body TEXT);"
  "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 29)"
  " INSERT INTO docs2 SELECT printf('g%dm%d new%d g%dc%d new%d', i%3, i%5, i%4, i%3, i%7, (i+1)%4) FROM n;"
  "SELECT w2v_train('docs', 'body', 'model=emb, arch=skipgram, loss=ns, " TRAIN_OPTS "');"
  "SELECT w2v_train('docs', 'body', 'model=embhs, arch=cbow, loss=hs, " TRAIN_OPTS "');"
  "SELECT w2v_train('docs', 'body', 'model=embsm, arch=skipgram, loss=softmax, " TRAIN_OPTS "');"
  "SELECT w2v_train('docs', 'body', 'model=embtx, tokenize=unicode61, phrases=1, phrase_threshold=0,"
  " phrase_min_count=2, " TRAIN_OPTS "');"
  "CREATE TABLE tdocs AS SELECT 'k' || rowid AS tag, body FROM docs;"
  "SELECT w2v_train('docs', 'body', 'model=embdb, docs=dbow, " TRAIN_OPTS "');"
  "SELECT w2v_train('tdocs', 'body', 'model=embdoc, docs=dm, loss=hs, doc_key=tag, " TRAIN_OPTS "');"
  "CREATE TABLE stop(word TEXT); INSERT INTO stop VALUES ('G0C1'), ('g1c2');"
  "CREATE TABLE keep(word TEXT, count INTEGER);"
  " INSERT INTO keep SELECT printf('g%dm%d', i/5, i%5), 10 + i FROM (WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 14) SELECT i FROM n);"
  "CREATE TABLE questions(section TEXT, a TEXT, b TEXT, c TEXT, d TEXT);"
  "INSERT INTO questions VALUES ('s1', 'g0m0', 'g0m1', 'g1m0', 'g1m1'), ('s1', 'g0c0', 'g0c1', 'g2c0', 'g2c1'),"
  " ('s2', 'g1m2', 'g1m3', 'g2m2', 'g2m3'), ('s2', 'g0m0', 'nosuch', 'g1m0', 'g1m1');"
  "CREATE TABLE pairs(word1 TEXT, word2 TEXT, score REAL);"
  "INSERT INTO pairs VALUES ('g0m0', 'g0m1', 9), ('g0m0', 'g1m1', 2), ('g1c1', 'g1c2', 8), ('g2m0', 'g0c3', 1),"
  " ('g2m0', 'g2c3', 7), ('g0m0', 'nosuch', 5);"
  "SELECT w2v_export('emb', 'fix/emb.txt'), w2v_export('emb', 'fix/emb.bin', 'binary'),"
  " w2v_export('embhs', 'fix/embhs.txt'), w2v_export('embhs', 'fix/embhs.bin', 'binary');"
  "SELECT w2v_import('fix/emb.txt', 'model=pre');"
  "CREATE TABLE ldocs(body TEXT, cat TEXT);"
  "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 47)"
  " INSERT INTO ldocs SELECT printf('g%dm%d g%dc%d g%dc%d', i%3, i%5, i%3, (i/3)%7, (i+1)%3, (i/7)%7),"
  " CASE WHEN i%7=0 THEN NULL WHEN i%5=0 THEN printf('l%d l%d', i%3, (i+1)%3) ELSE printf('l%d', i%3) END FROM n;"
  "SELECT w2v_train('ldocs', 'body', 'model=clf, label=cat, " CLF_OPTS "');"
  "SELECT w2v_train('ldocs', 'body', 'model=clfhs, label=cat, loss=hs, " CLF_OPTS "');"
  "SELECT w2v_train('ldocs', 'body', 'model=clfsw, label=cat, minn=2, maxn=3, " CLF_OPTS "');"
  "SELECT w2v_train('docs', 'body', 'model=embsub, minn=2, maxn=3, bucket=5000, " TRAIN_OPTS "');"
  "SELECT w2v_export('embsub', 'fix/embsub.ftbin', 'fasttext');";

/* ---- one point ------------------------------------------------------- */
typedef struct Shared {          /* parent <-> child, in MAP_SHARED memory */
  int mode;                      /* 0 once, 1 from-N */
  int64_t n;                     /* the point being run */
  int64_t aPoints[2];            /* points run, per mode */
  int64_t aAlloc[2];             /* allocations of the reference run */
  int64_t aKind[3];              /* of them, through each door */
  int64_t stride;
  int64_t exhaustive;
  int nFail;                     /* failures reported */
  int done;
} Shared;
static Shared *sh;

static sqlite3 *dbTemplate;
static uint64_t refHash;         /* reference result (statement and/or post) */
static int verbose;
static int bSetRef;              /* this run sets refHash */

enum { F_WRONGERR, F_TXN, F_CHANGED, F_LEFTOVER, F_RETRY, F_RESULT, F_CLOSE, F_LEAK_SQLITE,
       F_LEAK_SYS, F_CHECK, F_COUNT };
static const char *azFail[] = { "wrong error", "transaction left open", "database changed", "file left behind",
  "retry after failure", "wrong result after a recovered failure", "sqlite3_close failed",
  "leak (SQLite allocations)", "leak (core/malloc allocations)", "harness check failed" };
static int64_t aFailCount[2][F_COUNT];

/* The problems found at one point are collected, then reported together
** with the stack of the injected failure.  Points are grouped by their set
** of problems and the functions on that stack: the first point of a group
** is printed in full, the others counted, and groups of several points are
** summed up at the end of the scenario. */
typedef struct Group {
  unsigned mask;
  char zSig[1024];
  int64_t aCount[2], aFirst[2], aLast[2];
} Group;
static Group aGroup[300];
static int nGroup;
static unsigned pointMask;       /* problems at the current point */
static char zPoint[8192];        /* their messages (no allocation: leaks are counted) */
static int nPoint;

static void fail(int mode, int kind, int64_t n, const char *zFmt, ...){
  va_list ap;
  (void)n;
  char z[2048];
  va_start(ap, zFmt);
  vsnprintf(z, sizeof(z), zFmt, ap);
  va_end(ap);
  if( nPoint<(int)sizeof(zPoint)-1 ){
    nPoint += snprintf(zPoint+nPoint, sizeof(zPoint)-nPoint, "      - %s: %s\n", azFail[kind], z);
    if( nPoint>(int)sizeof(zPoint)-1 ) nPoint = sizeof(zPoint)-1;
  }
  pointMask |= 1u<<kind;
  aFailCount[mode][kind]++;
}

static void point_end(int mode, int64_t n){
  char zInj[4096], zSig[1024];
  const char *zMsg = zPoint;
  const char *x;
  int i, k = 0;
  Group *g = 0;
  if( pointMask==0 ) return;
  sh->nFail++;
  injection_text(zInj, sizeof(zInj));
  /* the signature: the problems, then the function names on the stack */
  k = snprintf(zSig, sizeof(zSig), "%x", pointMask);
  for(x = strchr(zInj, '\n'); x && x[1] && k<(int)sizeof(zSig)-2; x = strchr(x+1, '\n')){
    const char *f = x+1;
    while( *f==' ' ) f++;
    for(i=0; f[i] && f[i]!=' ' && f[i]!='\n' && k<(int)sizeof(zSig)-2; i++) zSig[k++] = f[i];
    zSig[k++] = ' ';
  }
  zSig[k] = 0;
  for(i=0; i<nGroup; i++){
    if( aGroup[i].mask==pointMask && strcmp(aGroup[i].zSig, zSig)==0 ){ g = &aGroup[i]; break; }
  }
  if( g==0 && nGroup<(int)(sizeof(aGroup)/sizeof(aGroup[0])) ){
    g = &aGroup[nGroup++];
    memset(g, 0, sizeof(*g));
    g->mask = pointMask;
    snprintf(g->zSig, sizeof(g->zSig), "%s", zSig);
    printf("    FAIL at N=%lld (%s):\n%s%s", (long long)n, mode ? "from-N" : "once", zMsg ? zMsg : "", zInj);
  }else if( verbose ){
    printf("    FAIL at N=%lld (%s):\n%s%s", (long long)n, mode ? "from-N" : "once", zMsg ? zMsg : "", zInj);
  }
  if( g ){
    if( g->aCount[mode]++==0 ) g->aFirst[mode] = n;
    g->aLast[mode] = n;
  }
  pointMask = 0;
  nPoint = 0;
  zPoint[0] = 0;
  fflush(stdout);
}

static void print_groups(void){
  int i, m, k;
  for(i=0; i<nGroup; i++){
    Group *g = &aGroup[i];
    const char *sep = "";
    if( g->aCount[0]+g->aCount[1]<=1 ) continue;
    printf("    (");
    for(k=0; k<F_COUNT; k++) if( g->mask & (1u<<k) ){ printf("%s%s", sep, azFail[k]); sep = ", "; }
    printf(" at %s: ", strchr(g->zSig, ' ') ? strchr(g->zSig, ' ')+1 : "");
    for(m=0; m<2; m++){
      if( g->aCount[m]==0 ) continue;
      printf("%s%s %lld points, N=%lld..%lld", m && g->aCount[0] ? "; " : "", m ? "from-N" : "once",
             (long long)g->aCount[m], (long long)g->aFirst[m], (long long)g->aLast[m]);
    }
    printf(")\n");
  }
}

/* oom_selftest(what): bugs on purpose, to check that the harness sees them
** (OOM_SELFTEST=1 adds scenarios that use it).  It makes three allocations, one per door,
** and, when one fails, does what 'what' says instead of failing cleanly. */
static void fn_selftest(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *w = (const char*)sqlite3_value_text(argv[0]);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *a = sqlite3_malloc(100);
  char *b = w2v_core_malloc(100);
  char *c = malloc(100);          /* through __wrap_malloc: the third door */
  (void)argc;
  if( a && b && c ){ sqlite3_free(a); w2v_core_free(b); free(c); sqlite3_result_int(ctx, 1); return; }
  if( w && strcmp(w, "leak")==0 ){ sqlite3_result_error_nomem(ctx); return; }
  if( w && strcmp(w, "crash")==0 ){ a[50] = b[50] = c[50] = 1; }
  if( w && strcmp(w, "changed")==0 ){ sqlite3_exec(db, "CREATE TABLE oops(x)", 0, 0, 0); sqlite3_result_error_nomem(ctx); }
  if( w && strcmp(w, "wrong")==0 ) sqlite3_result_error(ctx, "oom_selftest: no such thing", -1);
  sqlite3_free(a); w2v_core_free(b); free(c);
}

static sqlite3 *fresh_db(const Scenario *s){
  sqlite3 *db = 0;
  sqlite3_backup *b;
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ){ fprintf(stderr, "open failed\n"); exit(2); }
  b = sqlite3_backup_init(db, "main", dbTemplate, "main");
  if( b==0 || sqlite3_backup_step(b, -1)!=SQLITE_DONE || sqlite3_backup_finish(b)!=SQLITE_OK ){
    fprintf(stderr, "backup failed: %s\n", sqlite3_errmsg(db)); exit(2);
  }
  sqlite3_create_function(db, "oom_selftest", 1, SQLITE_UTF8, 0, fn_selftest, 0, 0);
  if( s->zSetup && run_sql(db, s->zSetup, 0, 0)!=SQLITE_OK ){
    fprintf(stderr, "setup failed: %s\n", sqlite3_errmsg(db)); exit(2);
  }
  return db;
}

/* The comparison hash after a success (statement result and/or post query). */
static uint64_t success_hash(sqlite3 *db, const Scenario *s, uint64_t hStmt){
  uint64_t h = s->zPost ? 0 : hStmt;
  if( s->zPost ){
    uint64_t hp;
    if( run_sql(db, s->zPost, &hp, 0)!=SQLITE_OK ) hp = 1;
    h = hp;
    if( s->bKeepResult ) h = mix(h) ^ hStmt;
  }
  return h;
}

static int acceptable_error(int rc, const char *zMsg){
  if( (rc & 0xff)==SQLITE_NOMEM ) return 1;
  return zMsg && strncmp(zMsg, "w2v", 3)==0 && strstr(zMsg, ": ") && strstr(zMsg, "out of memory");
}

/* Runs point n in mode; returns 1 when the statement succeeded with no
** failure injected (the loop is over), 0 otherwise. */
static int run_point(const Scenario *s, int mode, int64_t n, int64_t *pAlloc){
  sqlite3 *db;
  uint64_t hStmt = 0;
  char *zBefore, *zAfter;
  int ok1, ok2, rc, rcClose, finished = 0;
  int64_t baseSqlite, baseSys, injected, count;
  int bLsanNow = 0;
  char zErr[ERRBUF], *zDirBefore, *zDirAfter;

  alarm(60);
  baseSqlite = __atomic_load_n(&nSqliteBytes, __ATOMIC_SEQ_CST);
  baseSys = __atomic_load_n(&nSysBytes, __ATOMIC_SEQ_CST);
  db = fresh_db(s);
  zBefore = db_state(db, &ok1);
  zDirBefore = dir_listing();
  if( !ok1 ) fail(mode, F_CHECK, n, "checksum before: %s", sqlite3_errmsg(db));

  arm(n, mode);
  rc = run_sql(db, s->zSql, &hStmt, zErr);
  disarm();
  injected = nInjected;
  count = nCount;
  if( pAlloc ) *pAlloc = count;
  if( verbose ){
    printf("    N=%lld %s: rc=%d (%s) %s; %lld allocations, %lld failed\n", (long long)n, mode ? "from-N" : "once",
           rc, sqlite3_errstr(rc), zErr, (long long)count, (long long)injected);
    print_injection(stdout);
  }

  if( rc==SQLITE_OK ){
    uint64_t h = success_hash(db, s, hStmt);
    if( s->zFile ){
      h = mix(h) ^ file_hash(s->zFile);
      remove(s->zFile);
    }
    if( injected==0 ) finished = 1;
    if( bSetRef ) refHash = h;
    else if( h!=refHash ){
      if( injected ) fail(mode, F_RESULT, n, "the statement succeeded with %lld failure(s) injected but its result"
                          " differs from the reference", (long long)injected);
      else fail(mode, F_CHECK, n, "the result differs from the reference run's with nothing injected");
    }
  }else{
    if( injected==0 ){
      fail(mode, F_WRONGERR, n, "failed with no failure injected: rc=%d %s", rc, zErr);
    }else if( !acceptable_error(rc, zErr) ){
      fail(mode, F_WRONGERR, n, "rc=%d (%s), message '%s'", rc, sqlite3_errstr(rc), zErr);
    }
    if( !sqlite3_get_autocommit(db) ){
      fail(mode, F_TXN, n, "after the failed statement (rc=%d '%s') the connection is inside a transaction"
           " (sqlite3_get_autocommit()=0; it was 1 before)", rc, zErr);
    }
    zAfter = db_state(db, &ok2);
    if( !ok2 ) fail(mode, F_CHECK, n, "checksum after: %s", sqlite3_errmsg(db));
    else if( strcmp(zBefore, zAfter)!=0 ){
      char *zDiff = state_diff(zBefore, zAfter);
      fail(mode, F_CHANGED, n, "failed with rc=%d '%s'; %s", rc, zErr, zDiff);
      sqlite3_free(zDiff);
    }
    sqlite3_free(zAfter);
    zDirAfter = dir_listing();
    if( strcmp(zDirBefore, zDirAfter)!=0 ){
      fail(mode, F_LEFTOVER, n, "working directory before: [%s] after: [%s]", zDirBefore, zDirAfter);
      if( s->zFile ){
        char *zTmp = sqlite3_mprintf("%s.w2v-partial", s->zFile);
        remove(s->zFile); remove(zTmp);
        sqlite3_free(zTmp);
      }
    }
    sqlite3_free(zDirAfter);
    /* the same statement again, without failures, on the same connection */
    {
      uint64_t h2 = 0;
      char zErr2[ERRBUF];
      int rc2 = run_sql(db, s->zSql, &h2, zErr2);
      if( rc2!=SQLITE_OK ){
        fail(mode, F_RETRY, n, "the retry failed: rc=%d %s (first attempt: rc=%d %s)", rc2, zErr2,
             rc, zErr);
      }else{
        uint64_t h = success_hash(db, s, h2);
        if( s->zFile ){ h = mix(h) ^ file_hash(s->zFile); remove(s->zFile); }
        if( h!=refHash ) fail(mode, F_RETRY, n, "the retry succeeded with a result that differs from the reference"
                              " (first attempt: rc=%d %s)", rc, zErr);
      }
    }
  }
  sqlite3_free(zDirBefore);
  sqlite3_free(zBefore);
  rcClose = sqlite3_close(db);
  if( rcClose!=SQLITE_OK ){
    fail(mode, F_CLOSE, n, "sqlite3_close: rc=%d %s", rcClose, sqlite3_errstr(rcClose));
    sqlite3_close_v2(db);
  }else{
    int64_t dSqlite = __atomic_load_n(&nSqliteBytes, __ATOMIC_SEQ_CST) - baseSqlite;
    int64_t dSys = __atomic_load_n(&nSysBytes, __ATOMIC_SEQ_CST) - baseSys;
    if( dSqlite ) fail(mode, F_LEAK_SQLITE, n, "%lld bytes allocated through SQLite not freed after sqlite3_close", (long long)dSqlite);
    if( dSys ) fail(mode, F_LEAK_SYS, n, "%lld bytes of core/malloc allocations not freed after sqlite3_close", (long long)dSys);
    bLsanNow = (dSqlite || dSys) && aFailCount[mode][dSqlite ? F_LEAK_SQLITE : F_LEAK_SYS]==1;
  }
  point_end(mode, n);
#if OOM_ASAN
  if( bLsanNow ){
    printf("      LeakSanitizer, now (stacks of the leaked blocks, on stderr)\n");
    fflush(stdout);
    __lsan_do_recoverable_leak_check();
  }
#endif
  alarm(0);
  return finished;
}

/* ---- a scenario, in a child process ------------------------------------ */
static void child_setup(void){
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &defMem);
  {
    static sqlite3_mem_methods m;
    m = defMem;
    m.xMalloc = oomMalloc; m.xFree = oomFree; m.xRealloc = oomRealloc;
    m.xSize = oomSize; m.xRoundup = oomRoundup; m.xInit = oomInit; m.xShutdown = oomShutdown;
    if( sqlite3_config(SQLITE_CONFIG_MALLOC, &m)!=SQLITE_OK ){ fprintf(stderr, "config failed\n"); exit(2); }
  }
  /* no lookaside: every allocation SQLite makes can fail */
  sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
  if( sqlite3_initialize()!=SQLITE_OK ){ fprintf(stderr, "init failed\n"); exit(2); }
  w2v_core_alloc_hook = core_hook;
  sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init);
  {
    void *x[4];
    backtrace(x, 4);                   /* loads libgcc now, not during a test */
  }
  if( sqlite3_open(":memory:", &dbTemplate)!=SQLITE_OK ){ fprintf(stderr, "open failed\n"); exit(2); }
  mkdir("fix", 0777);
  if( run_sql(dbTemplate, zFixture, 0, 0)!=SQLITE_OK ){
    fprintf(stderr, "fixture failed: %s\n", sqlite3_errmsg(dbTemplate)); exit(2);
  }
#if OOM_ASAN
  __sanitizer_set_death_callback(death_callback);
#endif
}

static int64_t env_int(const char *z, int64_t dflt){
  const char *v = getenv(z);
  return v && v[0] ? atoll(v) : dflt;
}

/* The next N: every one up to sh->exhaustive, then every stride-th, but
** never skipping one that was a core or plain malloc allocation in the
** reference run (they are few, and they are the extension's own), nor the
** last 20. */
static int64_t next_n(int64_t n){
  int64_t k;
  if( n<sh->exhaustive || sh->stride<=1 ) return n+1;
  /* the last allocations too: a failure after the commit lives there */
  if( n+1>=sh->aAlloc[0]-20 ) return n+1;
  for(k=n+1; k<n+sh->stride; k++){
    if( k<(int64_t)sizeof(aRefKind) && aRefKind[k]>1 ) return k;
  }
  return n + sh->stride;
}

static void child_run(const Scenario *s, int startMode, int64_t startN){
  int mode, status = 0;
  int64_t onlyN = env_int("OOM_N", 0);
  child_setup();
  /* the reference run: nothing fails; its result and its allocation count;
  ** then a second one that must agree, since the comparisons depend on it */
  bSetRef = 1;
  bRecordKinds = 1;
  if( !run_point(s, 0, 0, &sh->aAlloc[0]) ){
    printf("    FAIL the statement fails without injected failures\n");
    sh->nFail++; sh->done = 1; _exit(1);
  }
  memcpy(sh->aKind, aKindCount, sizeof(sh->aKind));
  bSetRef = 0;
  bRecordKinds = 0;
  if( !run_point(s, 0, 0, &sh->aAlloc[1]) || sh->nFail ){
    printf("    FAIL the reference run cannot be repeated\n");
    sh->nFail++; sh->done = 1; _exit(1);
  }
  sh->exhaustive = env_int("OOM_FULL", 0) ? INT64_MAX : env_int("OOM_EXHAUSTIVE", 300);
  {
    int64_t rest = sh->aAlloc[0] - sh->exhaustive;
    int64_t pts = env_int("OOM_POINTS", 150);
    sh->stride = rest>0 ? (rest + pts - 1)/pts : 1;
    if( sh->stride<1 ) sh->stride = 1;
  }
  if( onlyN>0 ){
    verbose = 1;
    mode = (int)env_int("OOM_MODE", 0);
    run_point(s, mode, onlyN, 0);
    sh->done = 1;
    fflush(stdout);
    _exit(sh->nFail ? 1 : 0);
  }
  for(mode=startMode; mode<2; mode++){
    int64_t n = mode==startMode ? startN : 1;
    for(;; n = next_n(n)){
      int64_t alloc = 0;
      sh->mode = mode; sh->n = n;
      sh->aPoints[mode]++;
      if( run_point(s, mode, n, &alloc) ) break;
      if( n > 4*sh->aAlloc[0] + 1000 ){
        printf("    the statement never succeeds (N=%lld > 4 x %lld allocations): stopped\n",
               (long long)n, (long long)sh->aAlloc[0]);
        sh->nFail++;
        break;
      }
    }
  }
  print_groups();
  sqlite3_close(dbTemplate);
  sqlite3_shutdown();
#if OOM_ASAN
  fflush(stdout);
  if( __lsan_do_recoverable_leak_check() ){
    printf("    FAIL LeakSanitizer found leaks at the end of the scenario (report on stderr)\n");
    sh->nFail++;
  }
#endif
  sh->done = 1;
  fflush(stdout);
  status = sh->nFail ? 1 : 0;
  _exit(status);
}

/* Copies the last child's stderr to ours; with bCrash, prints its sanitizer
** summary and first frames outside the sanitizer and this harness. */
static void quote_stderr(int bCrash){
  FILE *f = fopen("fix/stderr.log", "r");
  char line[1024];
  int nFrame = 0, bSummary = 0, bErr = 0;
  if( f==0 ) return;
  while( fgets(line, sizeof(line), f) ){
    fputs(line, stderr);
    if( !bCrash ) continue;
    if( strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer")
     || strstr(line, "runtime error:") ){
      if( !bErr ) printf("      %s", line);
      bErr = 1;
    }else if( bErr && nFrame<6 && strncmp(line, "    #", 5)==0
           && !strstr(line, "libsanitizer") && !strstr(line, "in __interceptor") ){
      printf("      %s", line);
      nFrame++;
    }else if( strncmp(line, "SUMMARY:", 8)==0 && !bSummary ){
      printf("      %s", line);
      bSummary = 1;
    }
  }
  fclose(f);
  fflush(stderr);
  remove("fix/stderr.log");
}

int main(void){
  const char *zOnly = getenv("OOM_ONLY");
  char zDir[] = "/tmp/w2v-oom-XXXXXX";
  int i, nPass = 0, nFailSc = 0;
  double t0;
  struct timespec ts;

  setvbuf(stdout, 0, _IOLBF, 0);
  sh = mmap(0, sizeof(*sh), PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  if( sh==MAP_FAILED ) return 2;
  if( mkdtemp(zDir)==0 || chdir(zDir)!=0 ){ perror("temp dir"); return 2; }
  mkdir("fix", 0777);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  t0 = ts.tv_sec + ts.tv_nsec*1e-9;
  printf("oom_host: each scenario for N = 1, 2, ... (fail the N-th allocation: 'once'; fail every one from the N-th: 'from-N')\n");

  for(i=0; i<N_SCENARIO; i++){
    const Scenario *s = &aScenario[i];
    int mode = 0, nCrash = 0, nFail = 0;
    int64_t n = 1, aPoints[2] = {0, 0};
    double t1;
    if( zOnly && !strstr(s->zName, zOnly) ) continue;
    if( (strncmp(s->zName, "selftest", 8)==0)!=(getenv("OOM_SELFTEST")!=0) ) continue;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t1 = ts.tv_sec + ts.tv_nsec*1e-9;
    printf("%s:\n", s->zName);
    for(;;){
      pid_t pid;
      int st;
      memset(sh, 0, sizeof(*sh));
      fflush(stdout); fflush(stderr);
      pid = fork();
      if( pid<0 ){ perror("fork"); return 2; }
      if( pid==0 ){
        /* the child's stderr goes to a file that the parent copies through,
        ** quoting the sanitizer's summary and top frames in the report */
        if( freopen("fix/stderr.log", "w", stderr)==0 ) _exit(2);
        child_run(s, mode, n);
      }
      while( waitpid(pid, &st, 0)<0 && errno==EINTR ){}
      if( sh->done ) quote_stderr(0);
      aPoints[0] += sh->aPoints[0];
      aPoints[1] += sh->aPoints[1];
      nFail += sh->nFail;
      if( sh->done ) break;
      /* the child died at (sh->mode, sh->n) */
      nFail++;
      nCrash++;
      if( WIFSIGNALED(st) ){
        printf("    FAIL %s at N=%lld (%s): killed by signal %d (%s)\n",
               WTERMSIG(st)==SIGALRM ? "hang (60 s)" : "crash", (long long)sh->n,
               sh->mode ? "from-N" : "once", WTERMSIG(st), strsignal(WTERMSIG(st)));
      }else{
        int code = WEXITSTATUS(st);
        printf("    FAIL %s at N=%lld (%s): exit code %d (report on stderr)\n",
               code==EXIT_ASAN ? "sanitizer report (ASan/UBSan/LSan)" : code==EXIT_UBSAN ? "UBSan report" : "crash",
               (long long)sh->n, sh->mode ? "from-N" : "once", code);
      }
      quote_stderr(1);
      if( sh->aPoints[0]==0 && sh->aPoints[1]==0 && sh->n==0 ){
        printf("    the scenario cannot start\n");
        break;
      }
      if( getenv("OOM_N") || nCrash>=5 ){
        if( nCrash>=5 ) printf("    stopped after %d crashes\n", nCrash);
        break;
      }
      mode = sh->mode;
      n = sh->n + 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    {
      char zHow[256];
      if( sh->stride>1 ){
        snprintf(zHow, sizeof(zHow), "every N up to %lld, then every core/malloc one, the last 20 and every %lld-th",
                 (long long)sh->exhaustive, (long long)sh->stride);
      }else{
        snprintf(zHow, sizeof(zHow), "every N");
      }
      printf("%s: %lld points (once %lld + from-N %lld; %lld allocations: sqlite %lld, core %lld, malloc %lld; %s), %.1f s, %s\n",
             s->zName, (long long)(aPoints[0]+aPoints[1]), (long long)aPoints[0], (long long)aPoints[1],
             (long long)sh->aAlloc[0], (long long)sh->aKind[0], (long long)sh->aKind[1], (long long)sh->aKind[2], zHow, ts.tv_sec + ts.tv_nsec*1e-9 - t1,
             nFail ? "FAILED" : "ok");
    }
    if( nFail ) nFailSc++; else nPass++;
  }
  {
    /* the temporary directory */
    char zCmd[64];
    snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zDir);
    if( chdir("/")!=0 ){}
    if( system(zCmd)!=0 ){}
  }
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("%.0f s in all\n", ts.tv_sec + ts.tv_nsec*1e-9 - t0);
  printf("%d passed, %d failed\n", nPass, nFailSc);
  return nFailSc ? 1 : 0;
}
