/*
** A test extension that registers FTS5 tokenizers, as an application would
** (text.test): "w2vtest" splits at '|' and reverses every token, giving
** each a colocated synonym "SYN" that w2v must skip; its argument "fail"
** makes xTokenize fail on text holding "FAIL"; an unknown argument makes
** xCreate fail.
*/
#include <string.h>
#include <sqlite3ext.h>
static const sqlite3_api_routines *sqlite3_api;   /* static: no clash with the extension under test */

typedef struct TestTok { int failOnFail; } TestTok;

static int tt_create(void *pCtx, const char **azArg, int nArg, Fts5Tokenizer **ppOut){
  TestTok *t;
  int i;
  (void)pCtx;
  for(i=0; i<nArg; i++) if( strcmp(azArg[i], "fail")!=0 ) return SQLITE_ERROR;
  t = sqlite3_malloc(sizeof(*t));
  if( t==0 ) return SQLITE_NOMEM;
  t->failOnFail = nArg>0;
  *ppOut = (Fts5Tokenizer*)t;
  return SQLITE_OK;
}

static void tt_delete(Fts5Tokenizer *p){ sqlite3_free(p); }

static int tt_tokenize(Fts5Tokenizer *p, void *pCtx, int flags, const char *z, int n,
                       int (*xToken)(void*, int, const char*, int, int, int)){
  TestTok *t = (TestTok*)p;
  char buf[256];
  int i = 0;
  (void)flags;
  if( t->failOnFail && n>=4 ){
    for(i=0; i+4<=n; i++) if( memcmp(z+i, "FAIL", 4)==0 ) return SQLITE_ERROR;
    i = 0;
  }
  while( i<n ){
    int s, len, k, rc;
    while( i<n && z[i]=='|' ) i++;
    s = i;
    while( i<n && z[i]!='|' ) i++;
    len = i - s;
    if( len==0 ) break;
    if( len>(int)sizeof(buf) ) len = (int)sizeof(buf);
    for(k=0; k<len; k++) buf[k] = z[s+len-1-k];
    if( (rc = xToken(pCtx, 0, buf, len, s, i))!=SQLITE_OK ) return rc;
    if( (rc = xToken(pCtx, FTS5_TOKEN_COLOCATED, "SYN", 3, s, i))!=SQLITE_OK ) return rc;
  }
  return SQLITE_OK;
}

int sqlite3_tokext_init(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi){
  static fts5_tokenizer tok = { tt_create, tt_delete, tt_tokenize };
  fts5_api *api = 0;
  sqlite3_stmt *p = 0;
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  (void)pzErr;
  rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &p, 0);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_pointer(p, 1, (void*)&api, "fts5_api_ptr", 0);
  sqlite3_step(p);
  rc = sqlite3_finalize(p);
  if( rc!=SQLITE_OK || api==0 ) return SQLITE_ERROR;
  return api->xCreateTokenizer(api, "w2vtest", 0, &tok, 0);
}
