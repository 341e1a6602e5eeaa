/*
** Tokens: runs of bytes between ASCII white space (space, tab, LF, VT, FF,
** CR) and NUL bytes.  Any other byte, invalid UTF-8 included, is part of a
** word, so that training, queries and vector files agree on what a word is.
*/
#include "core.h"

static int is_separator(unsigned char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\v' || c=='\f' || c=='\r' || c==0;
}

int w2v_next_token(const char *z, int n, int *pi, int *piStart){
  int i = *pi, s;
  while( i<n && is_separator((unsigned char)z[i]) ) i++;
  if( i>=n ){ *pi = i; return 0; }
  s = i;
  while( i<n && !is_separator((unsigned char)z[i]) ) i++;
  *piStart = s;
  *pi = i;
  return i - s;
}

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
