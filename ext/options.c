/*
** The options string of w2v_train: key=value pairs separated by commas
** and/or white space.  A value may be quoted with ' or " (a doubled quote
** inside stands for itself), so a model name can hold any character.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

typedef enum { OPT_INT, OPT_REAL, OPT_BOOL, OPT_ARCH, OPT_LOSS, OPT_TEXT } OptType;

typedef struct OptSpec {
  const char *zKey;
  OptType type;
  double lo, hi;          /* inclusive range for numbers */
} OptSpec;

static const OptSpec aSpec[] = {
  { "model",       OPT_TEXT, 0, 0 },
  { "arch",        OPT_ARCH, 0, 0 },
  { "loss",        OPT_LOSS, 0, 0 },
  { "dim",         OPT_INT,  1, 10000 },
  { "window",      OPT_INT,  1, 1000 },
  { "negative",    OPT_INT,  0, 1000 },
  { "ns_exponent", OPT_REAL, -10, 10 },
  { "min_count",   OPT_INT,  1, 9.0e18 },
  { "max_vocab",   OPT_INT,  0, 2147483647.0 },
  { "sample",      OPT_REAL, 0, 1 },
  { "alpha",       OPT_REAL, 1e-12, 10 },
  { "min_alpha",   OPT_REAL, 0, 10 },
  { "epochs",      OPT_INT,  1, 100000 },
  { "threads",     OPT_INT,  1, 256 },
  { "seed",        OPT_INT,  0, 9.0e18 },
  { "lower",       OPT_BOOL, 0, 1 },
  { "replace",     OPT_BOOL, 0, 1 },
  { "progress",    OPT_BOOL, 0, 1 },
  { "update",      OPT_BOOL, 0, 1 },
  { "max_memory",  OPT_INT,  1, 1048576.0 * 1024 },
};
#define N_SPEC (int)(sizeof(aSpec)/sizeof(aSpec[0]))

void w2v_options_free(W2vOptions *o){
  sqlite3_free(o->zModel);
  o->zModel = 0;
}

/* Half the physical memory (4 GiB when unknown). */
static sqlite3_int64 default_max_memory(void){
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if( pages<=0 || size<=0 ) return (sqlite3_int64)4 << 30;
  return (sqlite3_int64)pages * size / 2;
}

static int default_threads(void){
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if( n<1 ) n = 1;
  if( n>256 ) n = 256;
  return (int)n;
}

int w2v_parse_int(const char *z, sqlite3_int64 *pv){
  char *zEnd;
  long long v;
  errno = 0;
  v = strtoll(z, &zEnd, 10);
  if( zEnd==z || *zEnd || errno ) return 1;
  *pv = v;
  return 0;
}

static int parse_real(const char *z, double *pv){
  char *zEnd;
  double v;
  errno = 0;
  v = strtod(z, &zEnd);
  if( zEnd==z || *zEnd || errno || !isfinite(v) ) return 1;
  *pv = v;
  return 0;
}

/* Stores a validated value into the options struct. */
static void set_option(W2vOptions *o, const char *zKey, double r, sqlite3_int64 i, int e){
  if( !strcmp(zKey, "arch") ) o->arch = e;
  else if( !strcmp(zKey, "loss") ) o->loss = e;
  else if( !strcmp(zKey, "dim") ) o->dim = (int)i;
  else if( !strcmp(zKey, "window") ) o->window = (int)i;
  else if( !strcmp(zKey, "negative") ) o->negative = (int)i;
  else if( !strcmp(zKey, "ns_exponent") ) o->nsExponent = r;
  else if( !strcmp(zKey, "min_count") ) o->minCount = i;
  else if( !strcmp(zKey, "max_vocab") ) o->maxVocab = i;
  else if( !strcmp(zKey, "sample") ) o->sample = r;
  else if( !strcmp(zKey, "alpha") ) o->alpha = r;
  else if( !strcmp(zKey, "min_alpha") ) o->minAlpha = r;
  else if( !strcmp(zKey, "epochs") ) o->epochs = (int)i;
  else if( !strcmp(zKey, "threads") ) o->threads = (int)i;
  else if( !strcmp(zKey, "seed") ) o->seed = (sqlite3_uint64)i;
  else if( !strcmp(zKey, "lower") ) o->lower = (int)i;
  else if( !strcmp(zKey, "replace") ) o->replace = (int)i;
  else if( !strcmp(zKey, "progress") ) o->progress = (int)i;
  else if( !strcmp(zKey, "update") ) o->update = (int)i;
  else if( !strcmp(zKey, "max_memory") ) o->maxMemory = i * 1048576;
}

/* Reads a key or a value starting at z[*pi]: quoted, or up to a separator.
** Returns a sqlite3_malloc'd string or NULL (error in *pzErr). */
static char *read_item(const char *zFunc, const char *z, int *pi, int isKey, char **pzErr){
  int i = *pi;
  sqlite3_str *s = sqlite3_str_new(0);
  char *zOut;
  if( !isKey && (z[i]=='\'' || z[i]=='"') ){
    char q = z[i++];
    for(;;){
      if( z[i]==0 ){
        sqlite3_free(sqlite3_str_finish(s));
        *pzErr = sqlite3_mprintf("%s: unterminated quoted value in options", zFunc);
        return 0;
      }
      if( z[i]==q ){
        if( z[i+1]!=q ){ i++; break; }
        i++;
      }
      sqlite3_str_appendchar(s, 1, z[i++]);
    }
  }else{
    while( z[i] && z[i]!=',' && !isspace((unsigned char)z[i]) && (!isKey || z[i]!='=') ){
      sqlite3_str_appendchar(s, 1, z[i++]);
    }
  }
  *pi = i;
  zOut = sqlite3_str_finish(s);
  if( zOut==0 ){
    zOut = sqlite3_malloc(1);
    if( zOut ) zOut[0] = 0;
  }
  if( zOut==0 ) *pzErr = sqlite3_mprintf("%s: out of memory", zFunc);
  return zOut;
}

int w2v_options_next(const char *zFunc, const char *z, int *pi, char **pzKey,
                     char **pzVal, char **pzErr){
  int i = *pi;
  *pzKey = *pzVal = 0;
  while( z[i]==',' || isspace((unsigned char)z[i]) ) i++;
  if( z[i]==0 ){ *pi = i; return 0; }
  *pzKey = read_item(zFunc, z, &i, 1, pzErr);
  if( *pzKey==0 ) return -1;
  while( isspace((unsigned char)z[i]) ) i++;
  if( z[i]!='=' ){
    *pzErr = sqlite3_mprintf("%s: option '%s' needs a value (key=value)", zFunc, *pzKey);
    sqlite3_free(*pzKey);
    *pzKey = 0;
    return -1;
  }
  i++;
  while( isspace((unsigned char)z[i]) ) i++;
  *pzVal = read_item(zFunc, z, &i, 0, pzErr);
  if( *pzVal==0 ){ sqlite3_free(*pzKey); *pzKey = 0; return -1; }
  *pi = i;
  return 1;
}

void w2v_options_default_alpha(W2vOptions *o){
  if( !(o->given & W2V_GIVEN_ALPHA) ) o->alpha = o->arch==W2V_CBOW ? 0.05 : 0.025;
  if( !(o->given & W2V_GIVEN_MIN_ALPHA) ) o->minAlpha = o->alpha * 1e-4;
}

int w2v_options_parse(const char *zFunc, const char *z, W2vOptions *o, char **pzErr){
  int i = 0, k;
  int seen[N_SPEC];
  memset(o, 0, sizeof(*o));
  memset(seen, 0, sizeof(seen));
  o->arch = W2V_SKIPGRAM;
  o->loss = W2V_LOSS_NS;
  o->dim = 100;
  o->window = 5;
  o->negative = 5;
  o->nsExponent = 0.75;
  o->minCount = 5;
  o->maxVocab = 0;
  o->sample = 1e-3;
  o->epochs = 5;
  o->threads = default_threads();
  o->maxMemory = default_max_memory();
  o->seed = 1;
  *pzErr = 0;
  if( z==0 ) z = "";

  for(;;){
    char *zKey = 0, *zVal = 0;
    const OptSpec *sp = 0;
    double r = 0;
    sqlite3_int64 iv = 0;
    int e = 0;
    int r1 = w2v_options_next(zFunc, z, &i, &zKey, &zVal, pzErr);
    if( r1==0 ) break;
    if( r1<0 ) goto fail;
    for(k=0; k<N_SPEC; k++) if( !strcmp(aSpec[k].zKey, zKey) ) break;
    if( k==N_SPEC ){
      *pzErr = sqlite3_mprintf("%s: unknown option '%s'", zFunc, zKey);
    }else if( seen[k] ){
      *pzErr = sqlite3_mprintf("%s: option '%s' given twice", zFunc, zKey);
    }else{
      sp = &aSpec[k];
      seen[k] = 1;
      switch( sp->type ){
        case OPT_TEXT:
          if( zVal[0]==0 ){
            *pzErr = sqlite3_mprintf("%s: option '%s' is empty", zFunc, zKey);
          }else{
            sqlite3_free(o->zModel);
            o->zModel = zVal;
            zVal = 0;
          }
          break;
        case OPT_ARCH:
          if( !strcmp(zVal, "skipgram") || !strcmp(zVal, "sg") ) e = W2V_SKIPGRAM;
          else if( !strcmp(zVal, "cbow") ) e = W2V_CBOW;
          else *pzErr = sqlite3_mprintf("%s: arch must be skipgram or cbow, not '%s'", zFunc, zVal);
          break;
        case OPT_LOSS:
          if( !strcmp(zVal, "ns") ) e = W2V_LOSS_NS;
          else if( !strcmp(zVal, "hs") ) e = W2V_LOSS_HS;
          else if( !strcmp(zVal, "softmax") ) e = W2V_LOSS_SOFTMAX;
          else *pzErr = sqlite3_mprintf("%s: loss must be ns, hs or softmax, not '%s'", zFunc, zVal);
          break;
        case OPT_INT:
        case OPT_BOOL:
          if( w2v_parse_int(zVal, &iv) ){
            *pzErr = sqlite3_mprintf("%s: option '%s' must be an integer, not '%s'", zFunc, zKey, zVal);
          }else if( (double)iv<sp->lo || (double)iv>sp->hi ){
            *pzErr = sp->hi>=9e18
              ? sqlite3_mprintf("%s: option '%s' must be at least %.0f, not '%s'", zFunc, zKey, sp->lo, zVal)
              : sqlite3_mprintf("%s: option '%s' must be between %.0f and %.0f, not '%s'", zFunc, zKey, sp->lo, sp->hi, zVal);
          }
          break;
        case OPT_REAL:
          if( parse_real(zVal, &r) ){
            *pzErr = sqlite3_mprintf("%s: option '%s' must be a number, not '%s'", zFunc, zKey, zVal);
          }else if( r<sp->lo || r>sp->hi ){
            *pzErr = sqlite3_mprintf("%s: option '%s' must be between %g and %g, not '%s'", zFunc, zKey, sp->lo, sp->hi, zVal);
          }
          break;
      }
      if( *pzErr==0 ){
        static const struct { const char *z; unsigned bit; } aBit[] = {
          { "arch", W2V_GIVEN_ARCH }, { "loss", W2V_GIVEN_LOSS }, { "dim", W2V_GIVEN_DIM },
          { "alpha", W2V_GIVEN_ALPHA }, { "min_alpha", W2V_GIVEN_MIN_ALPHA },
          { "lower", W2V_GIVEN_LOWER }, { "max_vocab", W2V_GIVEN_MAX_VOCAB },
        };
        int b;
        set_option(o, zKey, r, iv, e);
        for(b=0; b<(int)(sizeof(aBit)/sizeof(aBit[0])); b++) if( !strcmp(zKey, aBit[b].z) ) o->given |= aBit[b].bit;
      }
    }
    sqlite3_free(zKey);
    sqlite3_free(zVal);
    if( *pzErr ) goto fail;
  }

  if( o->zModel==0 ){
    *pzErr = sqlite3_mprintf("%s: option 'model' is required (model=NAME)", zFunc);
    goto fail;
  }
  if( o->loss==W2V_LOSS_NS && o->negative<1 ){
    *pzErr = sqlite3_mprintf("%s: loss=ns needs negative >= 1", zFunc);
    goto fail;
  }
  if( o->update && o->replace ){
    *pzErr = sqlite3_mprintf("%s: update=1 and replace=1 exclude each other", zFunc);
    goto fail;
  }
  w2v_options_default_alpha(o);
  if( o->minAlpha>o->alpha ){
    *pzErr = sqlite3_mprintf("%s: min_alpha (%g) must not exceed alpha (%g)", zFunc, o->minAlpha, o->alpha);
    goto fail;
  }
  return SQLITE_OK;

fail:
  w2v_options_free(o);
  return SQLITE_ERROR;
}
