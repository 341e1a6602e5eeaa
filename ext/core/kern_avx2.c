/*
** The AVX2+FMA kernel: loss.c and knn.c compiled for x86-64 with AVX2 and
** FMA, whatever the compiler's flags (kernel.h).  dispatch.c uses it only
** when cpuid says the CPU has both.
*/
#if defined(__x86_64__) && defined(__GNUC__) && !defined(W2V_NATIVE)
#define W2V_ISA avx2
#define W2V_ISA_AVX2 1
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to=function)
#else
#pragma GCC target("avx2,fma")
#endif
#include "kernel.h"
#include "loss.c"
#include "knn.c"
W2V_KERNEL_TABLE("avx2", W2V_NEEDS_AVX2);
#ifdef __clang__
#pragma clang attribute pop
#endif
#endif
