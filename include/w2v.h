/*
** w2v: word2vec training and queries as a SQLite loadable extension.
**
** Public header: the version and the entry points.  Loading from SQL:
**   .load ./w2v                      (sqlite3 shell; entry point sqlite3_wv_init)
**   SELECT load_extension('./w2v');
** Compiled into an application (with -DSQLITE_CORE), register it for every
** new connection with sqlite3_auto_extension((void(*)(void))sqlite3_w2v_init).
*/
#ifndef W2V_H
#define W2V_H

#define W2V_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;
struct sqlite3_api_routines;

int sqlite3_w2v_init(struct sqlite3 *db, char **pzErrMsg,
                     const struct sqlite3_api_routines *pApi);
/* The same entry point under the name SQLite derives from "w2v.so". */
int sqlite3_wv_init(struct sqlite3 *db, char **pzErrMsg,
                    const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif
#endif /* W2V_H */
