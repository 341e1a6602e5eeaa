/*
** How text becomes words (w2vInt.h, "text.c"): white space or an FTS5
** tokenizer, then case folding.  FTS5 is reached through its public API:
** `SELECT fts5(?1)` hands out the connection's fts5_api, whose
** xFindTokenizer finds built-in and application tokenizers alike.
*/
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

size_t w2v_text_fold(int fold, char *dst, const char *src, size_t n){
  if( fold==W2V_FOLD_UNICODE ) return w2v_fold_utf8(dst, src, n);
  if( fold==W2V_FOLD_ASCII ) w2v_fold_ascii(dst, src, n);
  else if( n>0 ) memcpy(dst, src, n);
  return n;
}

int w2v_text_is_whitespace(const char *zSpec){
  return zSpec==0 || sqlite3_stricmp(zSpec, "whitespace")==0;   /* FTS5 names are case-blind too */
}

static fts5_api *find_fts5(sqlite3 *db, char **pzWhy){
  fts5_api *pApi = 0;
  sqlite3_stmt *p = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &p, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_pointer(p, 1, (void*)&pApi, "fts5_api_ptr", 0);
    sqlite3_step(p);
    rc = sqlite3_finalize(p);
    if( rc==SQLITE_OK && pApi==0 ){
      /* an fts5() that is not FTS5's (an application's function of that name) */
      *pzWhy = sqlite3_mprintf("fts5() did not hand out FTS5's API");
      rc = SQLITE_ERROR;
    }else if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      *pzWhy = sqlite3_mprintf("cannot reach FTS5: %s", sqlite3_errmsg(db));
    }
  }else if( rc!=SQLITE_NOMEM ){
    *pzWhy = strstr(sqlite3_errmsg(db), "no such function")
           ? sqlite3_mprintf("this SQLite has no FTS5")
           : sqlite3_mprintf("cannot reach FTS5: %s", sqlite3_errmsg(db));
  }
  return rc==SQLITE_OK ? pApi : 0;
}

/* FTS5's tokenize= argument syntax (fts5_config.c): words separated by
** white space, each a bareword (letters, digits, '_', bytes >= 0x80) or a
** '-quoted string ('' inside stands for ').  azArg points into zOut. */
static int parse_spec(const char *z, char *zOut, const char **azArg, int *pnArg){
  int n = 0;
  for(;;){
    while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
    if( *z==0 ) break;
    azArg[n++] = zOut;
    if( *z=='\'' ){
      for(z++; ; z++){
        if( *z==0 ) return 1;
        if( *z=='\'' ){ if( z[1]!='\'' ) break; z++; }
        *zOut++ = *z;
      }
      z++;
    }else{
      const char *s = z;
      while( (*z & 0x80) || (*z>='0' && *z<='9') || (*z>='a' && *z<='z')
          || (*z>='A' && *z<='Z') || *z=='_' ) *zOut++ = *z++;
      if( z==s ) return 1;
    }
    *zOut++ = 0;
  }
  *pnArg = n;
  return n==0;
}

int w2v_text_open(sqlite3 *db, void **ppApi, const char *zFunc, const char *zSpec, int fold,
                  W2vText *t, char **pzErr){
  size_t n;
  char *zBuf;
  const char **azArg;
  int nArg = 0, rc;
  fts5_api *pApi;
  fts5_tokenizer *x;
  void *pCtx = 0;
  char *zWhy = 0;
  memset(t, 0, sizeof(*t));
  t->fold = fold;
  if( w2v_text_is_whitespace(zSpec) ) return SQLITE_OK;
  n = strlen(zSpec);
  /* one block: the argument pointers (aligned), then their strings */
  azArg = sqlite3_malloc64((n+1)*sizeof(char*) + n*2 + 2);
  x = sqlite3_malloc(sizeof(*x));
  if( azArg==0 || x==0 ){
    sqlite3_free(azArg); sqlite3_free(x);
    *pzErr = sqlite3_mprintf("%s: out of memory", zFunc);
    return SQLITE_NOMEM;
  }
  zBuf = (char*)(azArg + n + 1);
  if( parse_spec(zSpec, zBuf, azArg, &nArg) ){
    *pzErr = sqlite3_mprintf("%s: cannot parse tokenize=%s (a tokenizer name, then its arguments; "
                             "quote an argument with ')", zFunc, zSpec);
    rc = SQLITE_ERROR;
    goto done;
  }
  pApi = ppApi ? (fts5_api*)*ppApi : 0;
  if( pApi==0 ){
    pApi = find_fts5(db, &zWhy);
    if( pApi==0 ){
      if( zWhy==0 ){
        *pzErr = sqlite3_mprintf("%s: out of memory", zFunc);
        rc = SQLITE_NOMEM;
      }else{
        *pzErr = sqlite3_mprintf("%s: tokenize=%s needs FTS5: %s", zFunc, zSpec, zWhy);
        rc = SQLITE_ERROR;
      }
      goto done;
    }
    if( ppApi ) *ppApi = pApi;
  }
  if( pApi->xFindTokenizer(pApi, azArg[0], &pCtx, x)!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s: no such tokenizer: %s (FTS5 has unicode61, ascii, porter and "
                             "trigram, and those the application registers; w2v adds whitespace)",
                             zFunc, azArg[0]);
    rc = SQLITE_ERROR;
    goto done;
  }
  rc = x->xCreate(pCtx, azArg+1, nArg-1, (Fts5Tokenizer**)&t->pTok);
  if( rc!=SQLITE_OK ){
    t->pTok = 0;
    *pzErr = rc==SQLITE_NOMEM ? sqlite3_mprintf("%s: out of memory", zFunc)
           : sqlite3_mprintf("%s: tokenizer %s rejects its arguments: %s", zFunc, azArg[0], zSpec);
    goto done;
  }
  t->xMethods = x;
  x = 0;
done:
  sqlite3_free(zWhy);
  sqlite3_free(azArg);
  sqlite3_free(x);
  return rc;
}

void w2v_text_close(W2vText *t){
  if( t->pTok ) ((fts5_tokenizer*)t->xMethods)->xDelete((Fts5Tokenizer*)t->pTok);
  sqlite3_free(t->xMethods);
  sqlite3_free(t->zFold);
  sqlite3_free(t->zWord);
  memset(t, 0, sizeof(*t));
}

typedef struct SplitCtx {
  W2vText *t;
  W2vTokenFn x;
  void *ctx;
} SplitCtx;

/* Folds (when the model does) and hands the token on. */
static int emit(SplitCtx *s, const char *z, int n, int iStart, int iEnd){
  W2vText *t = s->t;
  size_t need;
  if( n<=0 ) return SQLITE_OK;
  if( t->fold==W2V_FOLD_NONE ) return s->x(s->ctx, z, n, iStart, iEnd);
  need = W2V_FOLD_MAX((size_t)n);
  if( need>t->nFold ){
    char *p = sqlite3_realloc64(t->zFold, need);
    if( p==0 ) return SQLITE_NOMEM;
    t->zFold = p;
    t->nFold = need;
  }
  n = (int)w2v_text_fold(t->fold, t->zFold, z, (size_t)n);
  return s->x(s->ctx, t->zFold, n, iStart, iEnd);
}

static int fts5_token(void *pCtx, int tflags, const char *z, int n, int iStart, int iEnd){
  if( tflags & FTS5_TOKEN_COLOCATED ) return SQLITE_OK;   /* a synonym: the first form counts */
  return emit((SplitCtx*)pCtx, z, n, iStart, iEnd);
}

typedef struct OneWord {
  int nTok;
  const char *zJoin;          /* joins the tokens; NULL: stop at the second */
  char *zOne;
  int nOne;
  size_t nAlloc;
} OneWord;

static int one_word(void *pCtx, const char *z, int n, int iStart, int iEnd){
  OneWord *o = (OneWord*)pCtx;
  size_t nJoin = o->zJoin && o->nTok>0 ? strlen(o->zJoin) : 0, need;
  (void)iStart; (void)iEnd;
  if( o->nTok>0 && o->zJoin==0 ){ o->nTok++; return SQLITE_DONE; }
  need = (size_t)o->nOne + nJoin + (size_t)n;
  if( need>o->nAlloc ){
    char *p = sqlite3_realloc64(o->zOne, need*2);
    if( p==0 ) return SQLITE_NOMEM;
    o->zOne = p;
    o->nAlloc = need*2;
  }
  if( nJoin ) memcpy(o->zOne + o->nOne, o->zJoin, nJoin);
  memcpy(o->zOne + o->nOne + nJoin, z, (size_t)n);
  o->nOne = (int)need;
  o->nTok++;
  return SQLITE_OK;
}

int w2v_text_word(W2vText *t, const char *z, int n, const char *zJoin, const char **pz, int *pn){
  OneWord o;
  int rc;
  memset(&o, 0, sizeof(o));
  o.zJoin = zJoin;
  o.zOne = t->zWord;
  o.nAlloc = t->nWord;
  rc = w2v_text_split(t, z, n, one_word, &o);
  t->zWord = o.zOne;
  t->nWord = o.nAlloc;
  if( rc!=SQLITE_OK && rc!=SQLITE_DONE ) return rc;
  if( o.nTok==1 || (zJoin && o.nTok>1) ){
    *pz = t->zWord;
    *pn = o.nOne;
    return SQLITE_OK;
  }
  /* not one token: the text itself, folded as the model folds */
  if( W2V_FOLD_MAX((size_t)n)>t->nWord ){
    char *p = sqlite3_realloc64(t->zWord, W2V_FOLD_MAX((size_t)n));
    if( p==0 ) return SQLITE_NOMEM;
    t->zWord = p;
    t->nWord = W2V_FOLD_MAX((size_t)n);
  }
  n = (int)w2v_text_fold(t->fold, t->zWord, z, (size_t)n);
  *pz = t->zWord;
  *pn = n;
  return SQLITE_OK;
}

int w2v_text_split(W2vText *t, const char *z, int n, W2vTokenFn x, void *ctx){
  SplitCtx s;
  s.t = t; s.x = x; s.ctx = ctx;
  if( z==0 || n<=0 ) return SQLITE_OK;
  if( t->pTok==0 ){
    int i = 0, start, len, rc;
    while( (len = w2v_next_token(z, n, &i, &start))>0 ){
      if( (rc = emit(&s, z+start, len, start, start+len))!=SQLITE_OK ) return rc;
    }
    return SQLITE_OK;
  }
  return ((fts5_tokenizer*)t->xMethods)->xTokenize((Fts5Tokenizer*)t->pTok, &s,
                                                   FTS5_TOKENIZE_DOCUMENT, z, n, fts5_token);
}
