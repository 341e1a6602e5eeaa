/*
** The bottom of the SQL layer: helpers with no dependency on the rest of
** w2v (only SQLite's API and the core's enums).  JSON text, error results,
** float32 little-endian conversion, ASCII case folding, arch/loss names.
*/
#ifndef W2V_UTIL_H
#define W2V_UTIL_H
#include "core.h"

/* Appends z to s as a JSON string literal, quoted and escaped. */
void w2v_json_string(sqlite3_str *s, const char *z);
/* Appends v with 6 decimals, or null when !ok or not finite. */
void w2v_json_number(sqlite3_str *s, double v, int ok);

/* Sets the error result of a function: zErr (sqlite3_malloc'd, freed here)
** with error code rc when it is not SQLITE_ERROR; NULL zErr means out of
** memory. */
void w2v_result_error(sqlite3_context *ctx, char *zErr, int rc);
/* The same for a virtual table: sets pVtab->zErrMsg from a printf format;
** returns SQLITE_ERROR, or SQLITE_NOMEM when the message cannot be made. */
int w2v_vtab_errorf(sqlite3_vtab *pVtab, const char *zFmt, ...);
/* Takes a sqlite3_malloc'd message (NULL: out of memory) for pVtab. */
int w2v_vtab_error(sqlite3_vtab *pVtab, char *zErr, int rc);

/* The text of a name, path or options argument in *pz (NULL for SQL NULL).
** Such text is used as a C string, so an embedded NUL byte would cut it
** silently: returns 1 after setting the error "<func>: the <what> contains
** a NUL byte" (or out of memory); else 0. */
int w2v_text_arg(sqlite3_context*, const char *zFunc, const char *zWhat, sqlite3_value*, const char **pz);
/* w2v_text_arg for the first arguments, named by azWhat (NULL-terminated). */
int w2v_args_have_nul(sqlite3_context*, const char *zFunc, int argc, sqlite3_value **argv,
                      const char *const *azWhat);
/* 1 when the value's text holds a NUL byte (for virtual tables). */
int w2v_text_has_nul(sqlite3_value*);

/* float32 little-endian on disk and in blobs, whatever the host. */
void w2v_floats_to_le(void *dst, const float *src, int n);
void w2v_floats_from_le(float *dst, const void *src, int n);

/* A-Z to a-z, other bytes as they are (UTF-8 stays valid). */
void w2v_fold_ascii(char *dst, const char *src, size_t n);

/* Names of the W2V_SKIPGRAM.. and W2V_LOSS_.. values, and back (-1: none). */
const char *w2v_arch_name(int arch);
const char *w2v_loss_name(int loss);
int w2v_arch_from_name(const char *z);
int w2v_loss_from_name(const char *z);
/* storage=float32|float16|int8 (W2V_STORE_*), and back (-1: none). */
const char *w2v_storage_name(int storage);
int w2v_storage_from_name(const char *z);

/* Interrupts: a statement whose step fails with SQLITE_INTERRUPT once
** sqlite3_interrupt() has been called (SQLite before 3.41 has no
** sqlite3_is_interrupted()); NULL when it cannot be made, then never
** interrupted. */
sqlite3_stmt *w2v_probe_open(sqlite3*);
int w2v_interrupted(sqlite3_stmt *pProbe);
/* The same as a core callback (the core's xInterrupt takes a void*). */
int w2v_interrupted_cb(void *pProbe);

/* max_memory's default: half the physical memory (4 GiB when unknown). */
sqlite3_int64 w2v_default_max_memory(void);

#endif /* W2V_UTIL_H */
