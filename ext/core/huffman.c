/*
** The Huffman tree of hierarchical softmax, built as word2vec.c builds it:
** leaves are the words (sorted by count, descending), inner nodes get the
** indices 0 .. n-2 in the order they are created, the root is n-2.  For each
** word we keep the path from the root: the inner nodes passed and the branch
** (0 or 1) taken at each; and for each inner node its two children.
*/
#include <stdlib.h>
#include <string.h>
#include "core.h"

void w2v_tree_free(W2vTree *t){
  w2v_core_free(t->start); w2v_core_free(t->code); w2v_core_free(t->point); w2v_core_free(t->child);
  memset(t, 0, sizeof(*t));
}

int64_t w2v_tree_bytes(int64_t n, int64_t totalPath){
  if( n<2 ) return (n+1)*(int64_t)sizeof(int64_t);
  return (n+1)*(int64_t)sizeof(int64_t)                 /* start */
       + 2*n*(int64_t)(2*sizeof(int64_t) + 1)           /* count, parent, branch (while building) */
       + totalPath*(int64_t)(1 + sizeof(int32_t))       /* code, point */
       + 2*(n-1)*(int64_t)sizeof(int32_t);              /* child */
}

int w2v_tree_build(const int64_t *counts, int64_t n, W2vTree *t){
  int64_t *count = 0, *parent = 0, i, total = 0;
  uint8_t *branch = 0;
  int64_t pos1, pos2, a;
  memset(t, 0, sizeof(*t));
  /* damaged counts: refuse them before any sum can overflow (with sorted
  ** counts every inner node's count is at most the total) */
  if( n<0 ) return W2V_ERR_INVALID;
  for(i=0; i<n; i++){
    int64_t c = counts[i]>0 ? counts[i] : 1;
    if( counts[i]<0 || (i>0 && counts[i]>counts[i-1]) || total>INT64_MAX - c ) return W2V_ERR_INVALID;
    total += c;
  }
  t->nWord = n;
  t->start = w2v_core_calloc(n+1, sizeof(int64_t));
  if( t->start==0 ) goto oom;
  if( n<2 ) return 0;   /* one word: probability 1, no inner node */

  count = w2v_core_malloc(2*n*sizeof(int64_t));
  parent = w2v_core_malloc(2*n*sizeof(int64_t));
  branch = w2v_core_calloc(2*n, 1);
  if( !count || !parent || !branch ) goto oom;
  /* a count of 0 as 1: a run of zeros would otherwise make a chain as deep
  ** as the vocabulary (ties prefer inner nodes) */
  for(i=0; i<n; i++) count[i] = counts[i]>0 ? counts[i] : 1;

  /* Leaves are sorted descending, so the two smallest nodes are always at
  ** the low end of the leaves (pos1 moving left) or the start of the inner
  ** nodes made so far (pos2 moving right, up to n+a-1). */
  pos1 = n-1;
  pos2 = n;
  for(a=0; a<n-1; a++){
    int64_t m1, m2;
    if( pos1>=0 && (pos2>=n+a || count[pos1]<count[pos2]) ) m1 = pos1--; else m1 = pos2++;
    if( pos1>=0 && (pos2>=n+a || count[pos1]<count[pos2]) ) m2 = pos1--; else m2 = pos2++;
    count[n+a] = count[m1] + count[m2];
    parent[m1] = n+a;
    parent[m2] = n+a;
    branch[m2] = 1;
  }

  /* path lengths, then the paths themselves (root first) */
  for(i=0; i<n; i++){
    int64_t len = 0, b = i;
    while( b!=2*n-2 ){ len++; b = parent[b]; }
    t->start[i+1] = t->start[i] + len;
  }
  total = t->start[n];
  t->code = w2v_core_malloc(total ? total : 1);
  t->point = w2v_core_malloc((total ? total : 1) * sizeof(int32_t));
  if( !t->code || !t->point ) goto oom;
  for(i=0; i<n; i++){
    int64_t b = i, k = t->start[i+1];
    while( b!=2*n-2 ){
      k--;
      t->code[k] = branch[b];
      t->point[k] = (int32_t)(parent[b] - n);
      b = parent[b];
    }
  }
  /* the same tree top-down: children of inner node j, leaves as ~word */
  t->child = w2v_core_malloc(2*(n-1)*sizeof(int32_t));
  if( t->child==0 ) goto oom;
  for(i=0; i<2*n-2; i++){
    int64_t j = parent[i] - n;
    t->child[2*j + branch[i]] = i<n ? ~(int32_t)i : (int32_t)(i-n);
  }
  w2v_core_free(count); w2v_core_free(parent); w2v_core_free(branch);
  return 0;

oom:
  w2v_core_free(count); w2v_core_free(parent); w2v_core_free(branch);
  w2v_tree_free(t);
  return -1;
}
