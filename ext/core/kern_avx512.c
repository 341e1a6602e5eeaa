/*
** The AVX-512 kernel: loss.c and knn.c compiled for x86-64 with AVX-512F
** (16-float vectors, masked tails) on top of AVX2 and FMA (kernel.h).
** dispatch.c uses it only when cpuid says the CPU has all three.
*/
#if defined(__x86_64__) && defined(__GNUC__) && !defined(W2V_NATIVE)
#define W2V_ISA avx512
#define W2V_ISA_AVX512 1
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to=function)
#else
#pragma GCC target("avx512f,avx2,fma")
#endif
#include "kernel.h"
#include "loss.c"
#include "knn.c"
W2V_KERNEL_TABLE("avx512", W2V_NEEDS_AVX512);
#ifdef __clang__
#pragma clang attribute pop
#endif
#endif
