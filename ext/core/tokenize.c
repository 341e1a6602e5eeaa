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
