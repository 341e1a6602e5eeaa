/*
** The small text formats: a word expression ("king - man + woman") and the
** header line of a word2vec vector file ("3000000 300").  Pure functions,
** unit-tested (test/unit.c "parse").
*/
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
