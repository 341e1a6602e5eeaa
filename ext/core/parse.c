/*
** The small text formats: a word expression ("king - man + woman") and the
** header line of a word2vec vector file ("3000000 300"), and the decimal
** numbers of its text lines.  Pure functions, unit-tested (test/unit.c
** "parse" and "floats").
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core.h"

int w2v_parse_terms(const char *z, int n, W2vTerm *a, int *pn){
  int i = 0, s, len, sign = 1, pendingOp = 0;
  *pn = 0;
  while( (len = w2v_next_token(z, n, &i, &s))>0 ){
    if( len==1 && (z[s]=='+' || z[s]=='-') ){
      if( pendingOp ) return W2V_TERMS_TWO_OPERATORS;
      sign = z[s]=='-' ? -1 : 1;
      pendingOp = 1;
      continue;
    }
    a[*pn].start = s;
    a[*pn].len = len;
    a[*pn].afterOp = pendingOp;
    a[(*pn)++].sign = sign;
    sign = 1;
    pendingOp = 0;
  }
  return pendingOp ? W2V_TERMS_TRAILING_OPERATOR : W2V_TERMS_OK;
}

/* A field that reads as a number: an optional sign, then a digit or a dot. */
static int looks_numeric(const char *z, size_t n){
  size_t i = 0;
  if( n>0 && (z[0]=='+' || z[0]=='-') ) i++;
  return i<n && ((z[i]>='0' && z[i]<='9') || z[i]=='.');
}

/* A whole number of digits only, at most 18 of them (no overflow). */
static int plain_count(const char *z, size_t n, int64_t *pv){
  size_t i;
  int64_t v = 0;
  if( n==0 || n>18 ) return 0;
  for(i=0; i<n; i++){
    if( z[i]<'0' || z[i]>'9' ) return 0;
    v = v*10 + (z[i]-'0');
  }
  *pv = v;
  return 1;
}

W2vHeaderResult w2v_parse_vector_header(const char *z, size_t n, int64_t *pWords, int64_t *pDim){
  size_t s[3], e[3];
  int k = 0;
  size_t i = 0;
  while( i<n && k<3 ){
    while( i<n && (z[i]==' ' || z[i]=='\t' || z[i]=='\r') ) i++;
    if( i>=n ) break;
    s[k] = i;
    while( i<n && z[i]!=' ' && z[i]!='\t' && z[i]!='\r' ) i++;
    e[k++] = i;
  }
  while( i<n && (z[i]==' ' || z[i]=='\t' || z[i]=='\r') ) i++;
  if( k!=2 || i<n ) return W2V_HEADER_NONE;
  if( plain_count(z+s[0], e[0]-s[0], pWords) && plain_count(z+s[1], e[1]-s[1], pDim) && *pDim>=1 ){
    return W2V_HEADER_OK;
  }
  /* two numbers that are not two whole counts: a damaged header, not a
  ** GloVe line (whose first field is a word) */
  if( looks_numeric(z+s[0], e[0]-s[0]) && looks_numeric(z+s[1], e[1]-s[1]) ) return W2V_HEADER_BAD;
  return W2V_HEADER_NONE;
}

/* ---- decimal floats ------------------------------------------------------- */

/* 10^0 .. 10^22: exactly representable as doubles */
static const double aPow10[23] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static int is_field_end(const char *z, const char *zEnd){
  return z==zEnd || *z==' ' || *z=='\t';
}

/* The fast path: [sign] digits [. digits] [e|E [sign] digits], with at most
** 19 significant digits whose value is below 2^53 and a decimal exponent
** within +-22, followed by the field's end.  Then m * 10^e (or m / 10^-e)
** is one IEEE operation on exact operands: the correctly rounded double,
** which is what strtod returns (Clinger's fast path).  Returns the end of
** the number, or NULL when the field needs strtod. */
static const char *fast_decimal(const char *z, const char *zEnd, double *pv){
  uint64_t m = 0;
  int nDigit = 0, e10 = 0, neg = 0, any = 0;
  if( z<zEnd && (*z=='-' || *z=='+') ){ neg = *z=='-'; z++; }
  while( z<zEnd && *z=='0' ){ z++; any = 1; }               /* leading zeros */
  while( z<zEnd && (unsigned)(*z-'0')<10 ){
    if( nDigit>=19 ) return 0;
    m = m*10 + (uint64_t)(*z-'0');
    nDigit++; any = 1; z++;
  }
  if( z<zEnd && *z=='.' ){
    z++;
    if( m==0 ){                                            /* 0.000ddd */
      while( z<zEnd && *z=='0' ){ z++; e10--; any = 1; }
    }
    while( z<zEnd && (unsigned)(*z-'0')<10 ){
      if( nDigit>=19 ) return 0;
      m = m*10 + (uint64_t)(*z-'0');
      nDigit++; e10--; any = 1; z++;
    }
  }
  if( !any ) return 0;
  if( z<zEnd && (*z=='e' || *z=='E') ){
    int eneg = 0, x = 0, nx = 0;
    z++;
    if( z<zEnd && (*z=='-' || *z=='+') ){ eneg = *z=='-'; z++; }
    while( z<zEnd && (unsigned)(*z-'0')<10 ){
      if( x<100000 ) x = x*10 + (*z-'0');
      nx++; z++;
    }
    if( nx==0 ) return 0;
    e10 += eneg ? -x : x;
  }
  if( !is_field_end(z, zEnd) ) return 0;
  if( m==0 ){ *pv = neg ? -0.0 : 0.0; return z; }
  if( m>(1ULL<<53) || e10<-22 || e10>22 ) return 0;
  *pv = e10<0 ? (double)m / aPow10[-e10] : (double)m * aPow10[e10];
  if( neg ) *pv = -*pv;
  return z;
}

size_t w2v_parse_float_field(const char *z, size_t n, float *pv){
  const char *zEnd = z + n, *e;
  double v;
  char buf[64], *zStop;
  size_t len;
  e = fast_decimal(z, zEnd, &v);
  if( e ){
    *pv = (float)v;
    return (size_t)(e - z);
  }
  /* anything else (hex, inf, nan, many digits, large exponents, junk): strtod */
  for(len=0; len<n && z[len]!=' ' && z[len]!='\t'; len++){}
  if( len==0 || len>=sizeof(buf) ) return 0;
  memcpy(buf, z, len);
  buf[len] = 0;
  v = strtod(buf, &zStop);
  if( *zStop || !(fabs(v)<=3.4e38) ) return 0;    /* also NaN */
  *pv = (float)v;
  return len;
}
