/*
** fastText's string hash (Dictionary::hash in src/dictionary.cc): 32-bit
** FNV-1a over the bytes taken as signed chars, so that a model's buckets
** are the ones fastText computes for the same words.
*/
#include "core.h"

uint32_t w2v_fasttext_hash(const char *z, size_t n){
  uint32_t h = 2166136261u;
  size_t i;
  for(i=0; i<n; i++){
    h ^= (uint32_t)(int8_t)z[i];
    h *= 16777619u;
  }
  return h;
}
