/*
** The reference kernel: loss.c and knn.c in plain C with the compiler's
** vectorizer off (W2V_KERNEL=scalar; kernel.h).  Any CPU runs it (in a
** make NATIVE=1 build, any CPU that build runs on).
*/
#define W2V_ISA scalar
#define W2V_ISA_PLAIN 1
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-vectorize")
#endif
#include "kernel.h"
#include "loss.c"
#include "knn.c"
W2V_KERNEL_TABLE("scalar", W2V_NEEDS_NOTHING);
