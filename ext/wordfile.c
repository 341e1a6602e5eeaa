/*
** The word2vec vector files, in and out:
**
**   w2v_export(model, path [, format])   'text' (default) or 'binary'
**   w2v_import(path [, options])         model=NAME, format=auto|text|binary, replace=0|1
**
** Text: a header "V dim", then one line per word: the word and dim numbers,
** separated by spaces.  Binary (word2vec.c -binary 1, gensim binary=True):
** the same header, then per word the word, a space, dim little-endian float32
** and a newline.  A text file without the header is read as GloVe.
**
** Files are written to a temporary name and renamed at the end, so an error
** never leaves half a file (devices and pipes, such as /dev/stdout, are
** written in place).  Words holding white space cannot be written
** (the formats could not read them back): an error names the first one.
** An imported model has word vectors only; its words get counts V, V-1, ...
** so that the file's order is the rank order.
*/
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

static int is_space(char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\v' || c=='\f';
}

static void result_msg(sqlite3_context *ctx, char *z){
  if( z ){ sqlite3_result_error(ctx, z, -1); sqlite3_free(z); }
  else sqlite3_result_error_nomem(ctx);
}

/* ---- export ----------------------------------------------------------------- */

static void write_file(sqlite3_context*, const W2vModel*, const char *zPath, int binary);

static void put_le_floats(FILE *f, const float *v, int n){
  unsigned char b[4];
  int i;
  for(i=0; i<n; i++){
    uint32_t u;
    memcpy(&u, &v[i], 4);
    b[0] = (unsigned char)u; b[1] = (unsigned char)(u>>8);
    b[2] = (unsigned char)(u>>16); b[3] = (unsigned char)(u>>24);
    fwrite(b, 1, 4, f);
  }
}

void w2v_fn_export(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  W2vConn *conn = sqlite3_user_data(ctx);
  const char *zPath = (const char*)sqlite3_value_text(argv[1]);
  const char *zFormat = argc>2 ? (const char*)sqlite3_value_text(argv[2]) : 0;
  W2vModel *m = 0;
  char *zErr = 0;
  int binary = 0;
  if( zFormat==0 || sqlite3_stricmp(zFormat, "text")==0 ) binary = 0;
  else if( sqlite3_stricmp(zFormat, "binary")==0 ) binary = 1;
  else{
    result_msg(ctx, sqlite3_mprintf("w2v_export: format must be 'text' or 'binary', not '%s'", zFormat));
    return;
  }
  if( zPath==0 || zPath[0]==0 ){
    sqlite3_result_error(ctx, "w2v_export: the path is NULL or empty", -1);
    return;
  }
  if( w2v_model_acquire(conn, "w2v_export", 0, (const char*)sqlite3_value_text(argv[0]), &m, &zErr) ){
    result_msg(ctx, zErr);
    return;
  }
  write_file(ctx, m, zPath, binary);
  w2v_model_release(m);
}

/* Writes the model's vectors to zPath, through a temporary file. */
static void write_file(sqlite3_context *ctx, const W2vModel *m, const char *zPath, int binary){
  char *zTmp;
  int ok, direct = 0;
  int64_t i;
  FILE *f;
  for(i=0; i<m->vocab.n; i++){
    const char *w = w2v_vocab_word(&m->vocab, i);
    uint32_t j, n = m->vocab.lens[i];
    for(j=0; j<n && !is_space(w[j]); j++){}
    if( j<n || n==0 ){
      result_msg(ctx, sqlite3_mprintf("w2v_export: word %lld ('%s') %s; the word2vec formats cannot hold it",
                                      (long long)i+1, w, n ? "contains white space" : "is empty"));
      return;
    }
  }
  {
    /* a device or a pipe (/dev/stdout, a FIFO) is written in place: renaming
    ** a temporary file over it would replace it */
    struct stat st;
    int special = stat(zPath, &st)==0 && !S_ISREG(st.st_mode);
    zTmp = special ? sqlite3_mprintf("%s", zPath) : sqlite3_mprintf("%s.w2v-partial", zPath);
    if( zTmp==0 ){ sqlite3_result_error_nomem(ctx); return; }
    if( special ) direct = 1;
  }
  f = fopen(zTmp, "wb");
  if( f==0 ){
    result_msg(ctx, sqlite3_mprintf("w2v_export: cannot write '%s': %s", zPath, strerror(errno)));
    sqlite3_free(zTmp);
    return;
  }
  fprintf(f, "%lld %d\n", (long long)m->vocab.n, m->dim);
  for(i=0; i<m->vocab.n; i++){
    const float *v = m->in + i*m->dim;
    int d;
    fwrite(w2v_vocab_word(&m->vocab, i), 1, m->vocab.lens[i], f);
    if( binary ){
      fputc(' ', f);
      put_le_floats(f, v, m->dim);
    }else{
      for(d=0; d<m->dim; d++) fprintf(f, " %.9g", v[d]);   /* 9 digits: float32 round-trips */
    }
    fputc('\n', f);
  }
  ok = !ferror(f);
  ok = (fclose(f)==0) && ok;
  if( ok && !direct && rename(zTmp, zPath)!=0 ) ok = 0;
  if( !ok ){
    result_msg(ctx, sqlite3_mprintf("w2v_export: cannot write '%s': %s", zPath, strerror(errno)));
    if( !direct ) remove(zTmp);
  }else{
    sqlite3_result_int64(ctx, m->vocab.n);
  }
  sqlite3_free(zTmp);
}

/* ---- import ----------------------------------------------------------------- */

typedef struct ImportOptions { char *zModel; int format, replace; } ImportOptions;
static const W2vOptName aFormat[] = { { "auto", 0 }, { "text", 1 }, { "binary", 2 }, { 0, 0 } };
static const W2vOptDesc aImportOpt[] = {
  { "model",   W2V_OPT_TEXT, 0, 0, NAN, offsetof(ImportOptions, zModel) },
  { "format",  W2V_OPT_NAME, 0, 0, 0,   offsetof(ImportOptions, format), 0, aFormat },
  { "replace", W2V_OPT_INT,  0, 1, 0,   offsetof(ImportOptions, replace), W2V_OPT_INT32, 0, "0 or 1" },
};
static const W2vOptTable importOptions = { aImportOpt, 3, 1 };

typedef struct Reader {
  char *a;           /* the whole file, 0-terminated */
  size_t n, pos;
  int64_t line;      /* 1-based line of pos, text formats */
} Reader;

static char *read_file(const char *zPath, size_t *pn, char **pzErr){
  FILE *f = fopen(zPath, "rb");
  char *a = 0;
  size_t n = 0, cap = 0;
  if( f==0 ){
    *pzErr = sqlite3_mprintf("w2v_import: cannot open '%s': %s", zPath, strerror(errno));
    return 0;
  }
  for(;;){
    size_t got;
    if( cap-n<65536 ){
      char *b = sqlite3_realloc64(a, cap = cap ? cap*2 : 1<<20);
      if( b==0 ){ sqlite3_free(a); fclose(f); *pzErr = sqlite3_mprintf("w2v_import: out of memory reading '%s'", zPath); return 0; }
      a = b;
    }
    got = fread(a+n, 1, cap-n-1, f);
    n += got;
    if( got==0 ) break;
  }
  if( ferror(f) ){
    *pzErr = sqlite3_mprintf("w2v_import: cannot read '%s': %s", zPath, strerror(errno));
    sqlite3_free(a);
    fclose(f);
    return 0;
  }
  fclose(f);
  a[n] = 0;
  *pn = n;
  return a;
}

/* The next line as [*pz, *pz + *pn), without "\r\n" / "\n"; 0 at the end. */
static int next_line(Reader *r, const char **pz, size_t *pn){
  size_t s = r->pos, e;
  if( s>=r->n ) return 0;
  for(e=s; e<r->n && r->a[e]!='\n'; e++){}
  r->pos = e<r->n ? e+1 : e;
  r->line++;
  if( e>s && r->a[e-1]=='\r' ) e--;
  *pz = r->a + s;
  *pn = e - s;
  return 1;
}

/* Splits a line into fields at spaces and tabs (runs count once, trailing
** ones ignored).  aStart/aEnd get at most nMax fields; returns the count. */
static int split_fields(const char *z, size_t n, size_t *aStart, size_t *aEnd, int nMax){
  size_t i = 0;
  int k = 0;
  while( i<n ){
    while( i<n && (z[i]==' ' || z[i]=='\t') ) i++;
    if( i>=n ) break;
    if( k<nMax ) aStart[k] = i;
    while( i<n && z[i]!=' ' && z[i]!='\t' ) i++;
    if( k<nMax ) aEnd[k] = i;
    k++;
  }
  return k;
}

static int parse_float(const char *z, size_t n, float *pv){
  char buf[64], *zEnd;
  double v;
  if( n==0 || n>=sizeof(buf) ) return 1;
  memcpy(buf, z, n);
  buf[n] = 0;
  errno = 0;
  v = strtod(buf, &zEnd);
  if( *zEnd || !isfinite(v) || fabs(v)>3.4e38 ) return 1;
  *pv = (float)v;
  return 0;
}

/* A header line: exactly two integers, words >= 0 and dim >= 1. */
static int parse_header(const char *z, size_t n, int64_t *pV, int *pDim){
  size_t s[3], e[3];
  char buf[32];
  long long v, d;
  if( split_fields(z, n, s, e, 3)!=2 || e[0]-s[0]>=20 || e[1]-s[1]>=20 ) return 0;
  memcpy(buf, z+s[0], e[0]-s[0]); buf[e[0]-s[0]] = 0;
  if( sscanf(buf, "%lld", &v)!=1 || v<0 || strspn(buf, "0123456789")!=strlen(buf) ) return 0;
  memcpy(buf, z+s[1], e[1]-s[1]); buf[e[1]-s[1]] = 0;
  if( sscanf(buf, "%lld", &d)!=1 || d<1 || strspn(buf, "0123456789")!=strlen(buf) ) return 0;
  *pV = v;
  *pDim = d>0x7fffffff ? 0x7fffffff : (int)d;
  return 1;
}

typedef struct Vectors {
  W2vVocab vocab;
  float *v;
  int64_t nAlloc;
  int dim;
} Vectors;

/* Adds a word and makes room for its vector; returns the vector or NULL
** with *pzErr set. */
static float *add_word(Vectors *x, const char *z, size_t n, int64_t line, char **pzErr){
  int64_t id, nBefore = x->vocab.n;
  if( n==0 || n>0x7fffffff ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld: an empty word", (long long)line);
    return 0;
  }
  id = w2v_vocab_add(&x->vocab, z, (uint32_t)n, 1);
  if( id<0 ){ *pzErr = sqlite3_mprintf("w2v_import: out of memory"); return 0; }
  if( x->vocab.n==nBefore ){
    *pzErr = sqlite3_mprintf("w2v_import: line %lld: the word '%.*s' appears twice", (long long)line, (int)n, z);
    return 0;
  }
  if( x->vocab.n>x->nAlloc ){
    int64_t nNew = x->nAlloc ? x->nAlloc*2 : 1024;
    float *v = sqlite3_realloc64(x->v, sizeof(float)*(sqlite3_uint64)nNew*x->dim);
    if( v==0 ){ *pzErr = sqlite3_mprintf("w2v_import: out of memory"); return 0; }
    x->v = v;
    x->nAlloc = nNew;
  }
  return x->v + (x->vocab.n-1)*x->dim;
}

/* Text lines after the header (or all lines, GloVe).  A word may hold
** spaces: the last dim fields are the numbers, the rest is the word. */
static int read_text(Reader *r, Vectors *x, int64_t nHeader, char **pzErr){
  const char *z;
  size_t n, *s = 0, *e = 0;
  int rc = SQLITE_OK;
  while( rc==SQLITE_OK && next_line(r, &z, &n) ){
    int k = split_fields(z, n, 0, 0, 0), d;
    size_t i = n, w0 = 0, w1;
    float *v;
    if( k==0 ) continue;                                        /* blank line */
    if( x->dim==0 ){                                            /* GloVe: the first line says */
      x->dim = k-1;
      if( k<2 || x->dim>10000 ){
        *pzErr = sqlite3_mprintf("w2v_import: line %lld has %d values (1 to 10000 needed)", (long long)r->line, k-1);
        rc = SQLITE_ERROR; break;
      }
    }
    if( s==0 ){
      s = sqlite3_malloc64(sizeof(size_t)*x->dim);
      e = sqlite3_malloc64(sizeof(size_t)*x->dim);
      if( !s || !e ){ *pzErr = sqlite3_mprintf("w2v_import: out of memory"); rc = SQLITE_NOMEM; break; }
    }
    if( k<x->dim+1 ){
      *pzErr = sqlite3_mprintf("w2v_import: line %lld has %d values, expected %d", (long long)r->line, k-1, x->dim);
      rc = SQLITE_ERROR; break;
    }
    /* the numbers are the last dim fields, found from the end */
    for(d=x->dim-1; d>=0; d--){
      while( i>0 && (z[i-1]==' ' || z[i-1]=='\t') ) i--;
      e[d] = i;
      while( i>0 && z[i-1]!=' ' && z[i-1]!='\t' ) i--;
      s[d] = i;
    }
    w1 = i;
    while( w1>0 && (z[w1-1]==' ' || z[w1-1]=='\t') ) w1--;
    while( w0<w1 && (z[w0]==' ' || z[w0]=='\t') ) w0++;
    v = add_word(x, z+w0, w1-w0, r->line, pzErr);
    if( v==0 ){ rc = SQLITE_ERROR; break; }
    for(d=0; d<x->dim; d++){
      if( parse_float(z+s[d], e[d]-s[d], &v[d]) ){
        *pzErr = sqlite3_mprintf("w2v_import: line %lld: '%.*s' is not a finite float32 number",
                                 (long long)r->line, (int)(e[d]-s[d] > 40 ? 40 : e[d]-s[d]), z+s[d]);
        rc = SQLITE_ERROR; break;
      }
    }
  }
  sqlite3_free(s);
  sqlite3_free(e);
  if( rc==SQLITE_OK && nHeader>=0 && nHeader!=x->vocab.n ){
    *pzErr = sqlite3_mprintf("w2v_import: the header says %lld words, the file has %lld",
                             (long long)nHeader, (long long)x->vocab.n);
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* Binary records after the header: word, ' ', dim float32 LE, optional '\n'. */
static int read_binary(Reader *r, Vectors *x, int64_t nWord, char **pzErr){
  int64_t i;
  for(i=0; i<nWord; i++){
    size_t s, d;
    float *v;
    while( r->pos<r->n && is_space(r->a[r->pos]) ) r->pos++;
    s = r->pos;
    while( r->pos<r->n && r->a[r->pos]!=' ' ) r->pos++;
    if( r->pos>=r->n || r->pos + 1 + 4*(size_t)x->dim > r->n ){
      *pzErr = sqlite3_mprintf("w2v_import: the file ends inside word %lld of %lld (binary format)",
                               (long long)i+1, (long long)nWord);
      return SQLITE_ERROR;
    }
    v = add_word(x, r->a + s, r->pos - s, i+2, pzErr);
    if( v==0 ) return SQLITE_ERROR;
    r->pos++;
    for(d=0; d<(size_t)x->dim; d++){
      const unsigned char *b = (const unsigned char*)r->a + r->pos + 4*d;
      uint32_t u = b[0] | (uint32_t)b[1]<<8 | (uint32_t)b[2]<<16 | (uint32_t)b[3]<<24;
      memcpy(&v[d], &u, 4);
      if( !isfinite(v[d]) ){
        *pzErr = sqlite3_mprintf("w2v_import: word %lld has a non-finite value", (long long)i+1);
        return SQLITE_ERROR;
      }
    }
    r->pos += 4*(size_t)x->dim;
  }
  while( r->pos<r->n && is_space(r->a[r->pos]) ) r->pos++;
  if( r->pos<r->n ){
    *pzErr = sqlite3_mprintf("w2v_import: the header says %lld words, the file has more (binary format)", (long long)nWord);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Text or binary, for format=auto: the first record after the header has
** at least dim+1 fields and no NUL byte.  (A binary record is a word and
** 4*dim raw bytes: dim spaces or tabs among them do not happen.) */
static int looks_like_text(Reader *r, int dim){
  Reader t = *r;
  const char *z;
  size_t n;
  if( !next_line(&t, &z, &n) ) return 1;
  return memchr(z, 0, n)==0 && split_fields(z, n, 0, 0, 0)>=dim+1;
}

void w2v_fn_import(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  W2vConn *conn = sqlite3_user_data(ctx);
  const char *zPath = (const char*)sqlite3_value_text(argv[0]);
  const char *zOpt = argc>1 ? (const char*)sqlite3_value_text(argv[1]) : 0;
  char *zErr = 0, *zJson = 0;
  ImportOptions io;
  int format;                       /* 0 auto, 1 text, 2 binary */
  int rc;
  sqlite3_int64 expectGen = W2V_GEN_NONE;
  int64_t nHeader = -1;
  Reader rd;
  Vectors x;
  memset(&rd, 0, sizeof(rd));
  memset(&x, 0, sizeof(x));
  w2v_vocab_init(&x.vocab);
  if( zPath==0 || zPath[0]==0 ){
    sqlite3_result_error(ctx, "w2v_import: the path is NULL or empty", -1);
    return;
  }
  rc = w2v_options_parse("w2v_import", zOpt, &importOptions, &io, 0, &zErr);
  if( rc==SQLITE_OK && io.zModel==0 ){
    zErr = sqlite3_mprintf("w2v_import: the options need model=NAME");
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && w2v_name_reserved(io.zModel) ){
    zErr = sqlite3_mprintf("w2v_import: '%s' is the name of one of w2v's functions; choose another model name", io.zModel);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    char *zTaken = 0;
    W2vNameState state = w2v_store_state(db, "main", io.zModel, &zTaken);
    if( state==W2V_NAME_MODEL && !io.replace ){
      zErr = sqlite3_mprintf("w2v_import: model '%s' already exists (replace=1 overwrites it)", io.zModel);
      rc = SQLITE_ERROR;
    }else if( state==W2V_NAME_TAKEN && zTaken && sqlite3_stricmp(zTaken, io.zModel)!=0 ){
      zErr = sqlite3_mprintf("w2v_import: model '%s' needs the table name '%s', which is taken", io.zModel, zTaken);
      rc = SQLITE_ERROR;
    }else if( state==W2V_NAME_TAKEN ){
      zErr = sqlite3_mprintf("w2v_import: '%s' already exists and is not a w2v model", io.zModel);
      rc = SQLITE_ERROR;
    }else if( state==W2V_NAME_ERROR ){
      zErr = sqlite3_mprintf("w2v_import: %s", zTaken ? zTaken : "out of memory");
      rc = SQLITE_ERROR;
    }else if( state==W2V_NAME_MODEL ){
      expectGen = w2v_store_generation(db, "main", io.zModel);
    }
    sqlite3_free(zTaken);
  }
  format = io.format;
  if( rc==SQLITE_OK ){
    rd.a = read_file(zPath, &rd.n, &zErr);
    if( rd.a==0 ) rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    const char *z;
    size_t n;
    Reader save = rd;
    int dim = 0;
    if( next_line(&rd, &z, &n) && parse_header(z, n, &nHeader, &dim) ){
      if( dim>10000 ){
        zErr = sqlite3_mprintf("w2v_import: dim %d is over 10000", dim);
        rc = SQLITE_ERROR;
      }
      x.dim = dim;
    }else{
      rd = save;                       /* no header: GloVe text */
      if( format==2 ){
        zErr = sqlite3_mprintf("w2v_import: '%s' has no \"words dim\" header, which the binary format needs", zPath);
        rc = SQLITE_ERROR;
      }
      format = 1;
    }
    if( rc==SQLITE_OK && format==0 ) format = looks_like_text(&rd, x.dim) ? 1 : 2;
    if( rc==SQLITE_OK ){
      rc = format==1 ? read_text(&rd, &x, nHeader, &zErr) : read_binary(&rd, &x, nHeader, &zErr);
    }
  }
  if( rc==SQLITE_OK && x.vocab.n==0 ){
    zErr = sqlite3_mprintf("w2v_import: '%s' holds no vectors", zPath);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    W2vStoreModel sm;
    int64_t k;
    memset(&sm, 0, sizeof(sm));
    sm.zModel = io.zModel;
    sm.arch = W2V_ARCH_NONE;
    sm.loss = W2V_LOSS_NONE;
    sm.dim = x.dim;
    sm.vocab = &x.vocab;
    sm.in = x.v;
    for(k=0; k<x.vocab.n; k++) x.vocab.counts[k] = x.vocab.n - k;
    {
      sqlite3_str *js = sqlite3_str_new(0);
      sqlite3_str_appendall(js, "{\"model\":");
      w2v_json_string(js, io.zModel);
      sqlite3_str_appendall(js, ",\"imported_from\":");
      w2v_json_string(js, zPath);
      sqlite3_str_appendf(js, ",\"format\":\"%s\",\"vocab_size\":%lld,\"dim\":%d}",
                          format==2 ? "binary" : nHeader<0 ? "glove" : "text", (long long)x.vocab.n, x.dim);
      zJson = sqlite3_str_finish(js);
    }
    sm.zStats = zJson;
    if( zJson==0 ) rc = SQLITE_NOMEM;
    else rc = w2v_store_save(db, "w2v_import", &sm, expectGen, &zErr);
    if( rc==SQLITE_OK ){
      w2v_conn_forget(conn, "main", io.zModel);
      sqlite3_result_text(ctx, zJson, -1, SQLITE_TRANSIENT);
    }
  }
  if( rc!=SQLITE_OK ){
    if( zErr ) result_msg(ctx, zErr);
    else sqlite3_result_error_code(ctx, rc);
  }
  sqlite3_free(zJson);
  w2v_options_free(&importOptions, &io);
  sqlite3_free(rd.a);
  sqlite3_free(x.v);
  w2v_vocab_free(&x.vocab);
}
