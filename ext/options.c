/*
** The options strings of w2v's functions: key=value pairs separated by
** commas and/or white space.  A value may be quoted with ' or " (a doubled
** quote inside stands for itself), so a model name can hold any character.
** Each function describes its options in a table of W2vOptDesc (w2vInt.h):
** one row per option drives parsing, range checks, defaults, the given bits,
** what is stored in <model>_config and what update=1 must keep.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3
#include "w2vInt.h"

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
  if( sqlite3_str_errcode(s)!=SQLITE_OK ){
    sqlite3_free(sqlite3_str_finish(s));
    zOut = 0;
  }else if( (zOut = sqlite3_str_finish(s))==0 ){
    zOut = sqlite3_malloc(1);          /* an empty item: "" */
    if( zOut ) zOut[0] = 0;
  }
  if( zOut==0 ) *pzErr = sqlite3_mprintf("%s: out of memory", zFunc);
  return zOut;
}

static int options_next(const char *zFunc, const char *z, int *pi, char **pzKey,
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


/* The field of option d in the struct. */
#define FIELD(T, p, d) ((T*)((char*)(p) + (d)->offset))
#define CFIELD(T, p, d) ((const T*)((const char*)(p) + (d)->offset))

static void set_number(const W2vOptDesc *d, void *p, double r, sqlite3_int64 i){
  double scale = d->scale>0 ? d->scale : 1;
  switch( d->type ){
    case W2V_OPT_INT:
      if( d->flags & W2V_OPT_INT32 ) *FIELD(int, p, d) = (int)i;
      else *FIELD(sqlite3_int64, p, d) = (sqlite3_int64)(i*scale);
      break;
    case W2V_OPT_REAL: *FIELD(double, p, d) = r; break;
    case W2V_OPT_NAME: *FIELD(int, p, d) = (int)i; break;
    case W2V_OPT_TEXT: break;
  }
}

int w2v_options_index(const W2vOptTable *t, const char *zKey){
  int i;
  for(i=0; i<t->n; i++) if( strcmp(t->a[i].zKey, zKey)==0 ) return i;
  return -1;
}

/* "a, b or c" of an option's names (aliases left out). */
static char *name_list(const W2vOptName *a){
  sqlite3_str *s = sqlite3_str_new(0);
  int i, n;
  for(n=0; a[n].zName && a[n].zName[0]; n++){}
  for(i=0; i<n; i++){
    sqlite3_str_appendf(s, "%s%s", i==0 ? "" : i==n-1 ? " or " : ", ", a[i].zName);
  }
  return sqlite3_str_finish(s);
}

/* "(k1, k2, ...)" of a table's keys. */
static char *key_list(const W2vOptTable *t){
  sqlite3_str *s = sqlite3_str_new(0);
  int i;
  for(i=0; i<t->n; i++) sqlite3_str_appendf(s, "%s%s", i ? ", " : "(", t->a[i].zKey);
  sqlite3_str_appendall(s, ")");
  return sqlite3_str_finish(s);
}

/* Checks and stores one value; NULL or the error message. */
static char *set_value(const char *zFunc, const W2vOptDesc *d, void *p, char **pzVal){
  const char *zVal = *pzVal;
  sqlite3_int64 iv = 0;
  double r = 0;
  int k;
  switch( d->type ){
    case W2V_OPT_TEXT:
      if( zVal[0]==0 ) return sqlite3_mprintf("%s: option '%s' is empty", zFunc, d->zKey);
      sqlite3_free(*FIELD(char*, p, d));
      *FIELD(char*, p, d) = *pzVal;
      *pzVal = 0;
      return 0;
    case W2V_OPT_NAME:
      for(k=0; d->aName[k].zName; k++){
        if( strcmp(d->aName[k].zName, zVal)==0 && d->aName[k].value>=0 ){
          set_number(d, p, 0, d->aName[k].value);
          return 0;
        }
      }
      {
        char *zList = name_list(d->aName);
        char *z = sqlite3_mprintf("%s: %s must be %s, not '%s'", zFunc, d->zKey, zList ? zList : "?", zVal);
        sqlite3_free(zList);
        return z;
      }
    case W2V_OPT_INT:
      if( w2v_parse_int(zVal, &iv) || (double)iv<d->lo || (double)iv>d->hi ){
        if( d->zMust ) return sqlite3_mprintf("%s: %s must be %s, not '%s'", zFunc, d->zKey, d->zMust, zVal);
        if( w2v_parse_int(zVal, &iv) ){
          return sqlite3_mprintf("%s: option '%s' must be an integer, not '%s'", zFunc, d->zKey, zVal);
        }
        return d->hi>=9e18
          ? sqlite3_mprintf("%s: option '%s' must be at least %.0f, not '%s'", zFunc, d->zKey, d->lo, zVal)
          : sqlite3_mprintf("%s: option '%s' must be between %.0f and %.0f, not '%s'", zFunc, d->zKey, d->lo, d->hi, zVal);
      }
      set_number(d, p, 0, iv);
      return 0;
    case W2V_OPT_REAL:
      if( parse_real(zVal, &r) || r<d->lo || r>d->hi ){
        if( d->zMust ) return sqlite3_mprintf("%s: %s must be %s, not '%s'", zFunc, d->zKey, d->zMust, zVal);
        if( parse_real(zVal, &r) ){
          return sqlite3_mprintf("%s: option '%s' must be a number, not '%s'", zFunc, d->zKey, zVal);
        }
        return sqlite3_mprintf("%s: option '%s' must be between %g and %g, not '%s'", zFunc, d->zKey, d->lo, d->hi, zVal);
      }
      set_number(d, p, r, 0);
      return 0;
  }
  return 0;
}

void w2v_options_free(const W2vOptTable *t, void *p){
  int i;
  for(i=0; i<t->n; i++){
    if( t->a[i].type==W2V_OPT_TEXT ){
      sqlite3_free(*FIELD(char*, p, &t->a[i]));
      *FIELD(char*, p, &t->a[i]) = 0;
    }
  }
}

int w2v_options_parse(const char *zFunc, const char *z, const W2vOptTable *t, void *p,
                      uint64_t *pGiven, char **pzErr){
  int i = 0, k;
  uint64_t given = 0;
  *pzErr = 0;
  for(k=0; k<t->n; k++){
    const W2vOptDesc *d = &t->a[k];
    if( d->type==W2V_OPT_TEXT ) *FIELD(char*, p, d) = 0;
    else if( !isnan(d->dflt) ) set_number(d, p, d->dflt, (sqlite3_int64)d->dflt);
  }
  if( z==0 ) z = "";
  for(;;){
    char *zKey = 0, *zVal = 0;
    int r = options_next(zFunc, z, &i, &zKey, &zVal, pzErr);
    if( r==0 ) break;
    if( r<0 ) goto fail;
    k = w2v_options_index(t, zKey);
    if( k<0 ){
      char *zList = t->listKeys ? key_list(t) : 0;
      *pzErr = sqlite3_mprintf("%s: unknown option '%s'%s%s", zFunc, zKey, zList ? " " : "", zList ? zList : "");
      sqlite3_free(zList);
    }else if( given & ((uint64_t)1<<k) ){
      *pzErr = sqlite3_mprintf("%s: option '%s' given twice", zFunc, zKey);
    }else{
      given |= (uint64_t)1<<k;
      *pzErr = set_value(zFunc, &t->a[k], p, &zVal);
    }
    sqlite3_free(zKey);
    sqlite3_free(zVal);
    if( *pzErr ) goto fail;
  }
  if( pGiven ) *pGiven = given;
  return SQLITE_OK;
fail:
  w2v_options_free(t, p);
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

void w2v_options_item(const W2vOptTable *t, const void *p, int i, W2vConfigItem *it){
  const W2vOptDesc *d = &t->a[i];
  memset(it, 0, sizeof(*it));
  it->zKey = d->zKey;
  switch( d->type ){
    case W2V_OPT_INT:
      it->type = SQLITE_INTEGER;
      it->iValue = (d->flags & W2V_OPT_INT32) ? *CFIELD(int, p, d) : *CFIELD(sqlite3_int64, p, d);
      break;
    case W2V_OPT_REAL: it->type = SQLITE_FLOAT; it->rValue = *CFIELD(double, p, d); break;
    case W2V_OPT_NAME: {
      int k, v = *CFIELD(int, p, d);
      it->type = SQLITE_TEXT;
      it->zValue = "?";
      for(k=0; d->aName[k].zName; k++) if( d->aName[k].value==v ){ it->zValue = d->aName[k].zName; break; }
      break;
    }
    case W2V_OPT_TEXT: it->type = SQLITE_TEXT; it->zValue = *CFIELD(char*, p, d); break;
  }
}

int w2v_options_equal(const W2vOptTable *t, int i, const void *a, const void *b){
  W2vConfigItem x, y;
  w2v_options_item(t, a, i, &x);
  w2v_options_item(t, b, i, &y);
  if( x.type==SQLITE_TEXT ) return x.zValue && y.zValue && strcmp(x.zValue, y.zValue)==0;
  return x.iValue==y.iValue && x.rValue==y.rValue;
}
