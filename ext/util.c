/*
** Helpers with no dependency on the rest of w2v: see util.h.
*/
#include <stdarg.h>
#include <math.h>
#include <string.h>
#include "port.h"
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "util.h"

void w2v_json_string(sqlite3_str *s, const char *z){
  sqlite3_str_appendchar(s, 1, '"');
  for(; *z; z++){
    unsigned char c = (unsigned char)*z;
    if( c=='"' || c=='\\' ) sqlite3_str_appendf(s, "\\%c", c);
    else if( c<0x20 ) sqlite3_str_appendf(s, "\\u%04x", c);
    else sqlite3_str_appendchar(s, 1, (char)c);
  }
  sqlite3_str_appendchar(s, 1, '"');
}

void w2v_json_number(sqlite3_str *s, double v, int ok){
  if( ok && isfinite(v) ) sqlite3_str_appendf(s, "%.6f", v);
  else sqlite3_str_appendall(s, "null");
}

void w2v_result_error(sqlite3_context *ctx, char *zErr, int rc){
  if( zErr==0 ){ sqlite3_result_error_nomem(ctx); return; }
  sqlite3_result_error(ctx, zErr, -1);
  sqlite3_free(zErr);
  if( rc==SQLITE_NOMEM ) sqlite3_result_error_nomem(ctx);
  else if( rc!=SQLITE_ERROR && rc!=SQLITE_OK ) sqlite3_result_error_code(ctx, rc);
}

int w2v_vtab_error(sqlite3_vtab *pVtab, char *zErr, int rc){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
  if( zErr==0 ) return SQLITE_NOMEM;
  return rc==SQLITE_OK ? SQLITE_ERROR : rc;
}

int w2v_vtab_errorf(sqlite3_vtab *pVtab, const char *zFmt, ...){
  va_list ap;
  char *z;
  va_start(ap, zFmt);
  z = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  return w2v_vtab_error(pVtab, z, SQLITE_ERROR);
}

void w2v_floats_to_le(void *dst, const float *src, int n){
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_BIG_ENDIAN__
  unsigned char *d = dst;
  int i;
  for(i=0; i<n; i++){
    uint32_t u;
    memcpy(&u, &src[i], 4);
    d[4*i] = (unsigned char)u; d[4*i+1] = (unsigned char)(u>>8);
    d[4*i+2] = (unsigned char)(u>>16); d[4*i+3] = (unsigned char)(u>>24);
  }
#else
  memcpy(dst, src, (size_t)n*sizeof(float));
#endif
}

void w2v_floats_from_le(float *dst, const void *src, int n){
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_BIG_ENDIAN__
  const unsigned char *b = src;
  int i;
  for(i=0; i<n; i++){
    uint32_t u = b[4*i] | (uint32_t)b[4*i+1]<<8 | (uint32_t)b[4*i+2]<<16 | (uint32_t)b[4*i+3]<<24;
    memcpy(&dst[i], &u, 4);
  }
#else
  memcpy(dst, src, (size_t)n*sizeof(float));
#endif
}

void w2v_fold_ascii(char *dst, const char *src, size_t n){
  size_t i;
  for(i=0; i<n; i++){
    char c = src[i];
    dst[i] = (c>='A' && c<='Z') ? (char)(c + 32) : c;
  }
}

static const char *const azArch[] = { "skipgram", "cbow", "none", "supervised" };
static const char *const azLoss[] = { "ns", "hs", "softmax", "none", "ova" };
static const char *const azStorage[] = { "float32", "float16", "int8" };

/* Name i of az[0..n), "?" when out of range; and the index of z, or -1. */
static const char *name_of(const char *const *az, int n, int i){ return i>=0 && i<n ? az[i] : "?"; }
static int index_of(const char *const *az, int n, const char *z){
  int i;
  for(i=0; z && i<n; i++) if( strcmp(z, az[i])==0 ) return i;
  return -1;
}
#define N_NAMES(az) ((int)(sizeof(az)/sizeof(az[0])))

const char *w2v_arch_name(int arch){ return name_of(azArch, N_NAMES(azArch), arch); }
const char *w2v_loss_name(int loss){ return name_of(azLoss, N_NAMES(azLoss), loss); }
const char *w2v_storage_name(int storage){ return name_of(azStorage, N_NAMES(azStorage), storage); }
int w2v_arch_from_name(const char *z){ return index_of(azArch, N_NAMES(azArch), z); }
int w2v_loss_from_name(const char *z){ return index_of(azLoss, N_NAMES(azLoss), z); }
int w2v_storage_from_name(const char *z){ return index_of(azStorage, N_NAMES(azStorage), z); }

sqlite3_stmt *w2v_probe_open(sqlite3 *db){
  sqlite3_stmt *p = 0;
  if( sqlite3_prepare_v2(db, "SELECT 1", -1, &p, 0)!=SQLITE_OK ){ sqlite3_finalize(p); p = 0; }
  return p;
}

int w2v_interrupted(sqlite3_stmt *pProbe){
  int rc;
  if( pProbe==0 ) return 0;
  rc = sqlite3_step(pProbe);
  sqlite3_reset(pProbe);
  return rc==SQLITE_INTERRUPT;
}

int w2v_interrupted_cb(void *pProbe){
  return w2v_interrupted((sqlite3_stmt*)pProbe);
}

sqlite3_int64 w2v_default_max_memory(void){
  long long bytes = w2v_phys_bytes();
  if( bytes<=0 ) return (sqlite3_int64)4 << 30;
  return (sqlite3_int64)bytes / 2;
}

int w2v_text_arg(sqlite3_context *ctx, const char *zFunc, const char *zWhat, sqlite3_value *v, const char **pz){
  const char *z = (const char*)sqlite3_value_text(v);
  *pz = z;
  if( z && strlen(z)!=(size_t)sqlite3_value_bytes(v) ){
    char *zErr = sqlite3_mprintf("%s: the %s contains a NUL byte", zFunc, zWhat);
    w2v_result_error(ctx, zErr, SQLITE_ERROR);
    return 1;
  }
  if( z==0 && sqlite3_value_type(v)!=SQLITE_NULL ){ sqlite3_result_error_nomem(ctx); return 1; }
  return 0;
}

int w2v_text_has_nul(sqlite3_value *v){
  const char *z = (const char*)sqlite3_value_text(v);
  return z && strlen(z)!=(size_t)sqlite3_value_bytes(v);
}

int w2v_args_have_nul(sqlite3_context *ctx, const char *zFunc, int argc, sqlite3_value **argv,
                      const char *const *azWhat){
  int i;
  for(i=0; i<argc && azWhat[i]; i++){
    const char *z;
    if( sqlite3_value_type(argv[i])==SQLITE_BLOB ) continue;   /* vectors */
    if( w2v_text_arg(ctx, zFunc, azWhat[i], argv[i], &z) ) return 1;
  }
  return 0;
}
