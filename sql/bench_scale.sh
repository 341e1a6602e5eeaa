#!/usr/bin/env bash
# make bench-scale: pretrained-size models (issue #12).  w2v against gensim and sqlite-vec
# on seeded synthetic word2vec files of GoogleNews' shape, in one run.
#   SIZES="1000000 2000000"  DIM=300  FORMATS="binary" (or "binary text")
#   PEERS="gensim sqlite-vec"  QUERIES=20 (warm queries)  SEED=1
#   W2V_PAGE=65536: w2v also into a database made with that page_size (0: not)
# For each file: import seconds and peak RSS, database size on disk, the first top-10
# after opening the database in a new process (open + first query), the median warm
# top-10 over QUERIES other words in that process, and that process's peak RSS; then
# w2v's ratios to each peer.  Files are kept in build/scale/ (made again only when
# their size is wrong); the databases there are removed at the start of each run.
# A system that fails on a file is reported as "failed: <message>" and the run goes on.
set -uo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 2000000"}
DIM=${DIM:-300}
FORMATS=${FORMATS:-binary}
PEERS=${PEERS:-"gensim sqlite-vec"}
QUERIES=${QUERIES:-20}
SEED=${SEED:-1}
W2V_PAGE=${W2V_PAGE:-65536}
# Debian's python3 (numpy, gensim, sqlite3 with load_extension), not a private one on PATH
PY=${PY:-/usr/bin/python3}
CC=${CC:-cc}
VEC0=${SQLITE_VEC:-build/sqlite-vec/vec0.so}
S=build/scale
mkdir -p "$S"

die(){ echo "bench-scale: $*" >&2; exit 1; }
for n in $SIZES; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES: '$n' is not a positive integer"; done
[[ $DIM =~ ^[1-9][0-9]*$ ]] || die "DIM: '$DIM' is not a positive integer"
[[ $QUERIES =~ ^[1-9][0-9]*$ ]] || die "QUERIES: '$QUERIES' is not a positive integer"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED: '$SEED' is not a non-negative integer"
[[ $W2V_PAGE =~ ^(0|1024|2048|4096|8192|16384|32768|65536)$ ]] || die "W2V_PAGE: '$W2V_PAGE' is not 0 or a page size (1024..65536)"
for p in $PEERS; do [[ $p == gensim || $p == sqlite-vec ]] || die "PEERS: '$p' is neither gensim nor sqlite-vec"; done
for f in $FORMATS; do [[ $f == binary || $f == text ]] || die "FORMATS: '$f' is neither binary nor text"; done
[ -n "$SIZES" ] && [ -n "$FORMATS" ] || die "SIZES and FORMATS must not be empty"
[ -f w2v.so ] || die "no ./w2v.so (run make)"
[ -x /usr/bin/time ] || die "needs GNU time (apt-get install time)"
[ -x "$PY" ] || die "no python3 at $PY (set PY=path)"
$PY -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null \
  || die "$PY's sqlite3 module cannot load extensions"

# ---- the generator: word2vec files with words w0000001, w0000002, ... (at least 7
# digits, all of one width) and N(0,1) vectors from splitmix64 + Box-Muller, one
# stream from SEED.  Binary: "word " + DIM little-endian float32 + "\n".  Text: each
# number in 8 characters (0.123456 or -0.12345), so both sizes are known in advance.
cat > "$S/gen.c.new" <<'C'
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static uint64_t state;
static uint64_t next64(void) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform(void) { return ((next64() >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(void) {
  static int have;
  static double spare;
  if (have) { have = 0; return spare; }
  double r = sqrt(-2.0 * log(uniform())), t = 6.283185307179586 * uniform();
  spare = r * sin(t); have = 1;
  return r * cos(t);
}
static char *fixed8(char *p, double x) {           /* exactly 8 characters */
  long long u, scale = x < 0 ? 100000 : 1000000, frac = x < 0 ? 5 : 6;
  if (x < 0) *p++ = '-';
  u = llround(fabs(x) * scale);
  if (u > 10 * scale - 1) u = 10 * scale - 1;
  *p++ = (char)('0' + u / scale); *p++ = '.';
  for (long long d = scale / 10, i = 0; i < frac; i++, d /= 10) *p++ = (char)('0' + u / d % 10);
  return p;
}
int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: gen N DIM SEED binary|text OUT\n"); return 2; }
  long long n = atoll(argv[1]), dim = atoll(argv[2]);
  int text = strcmp(argv[4], "text") == 0, width = (int)strlen(argv[1]);
  uint32_t one = 1;
  if (width < 7) width = 7;
  state = strtoull(argv[3], 0, 10);
  if (!text && *(unsigned char *)&one != 1) { fprintf(stderr, "gen: big-endian host\n"); return 1; }
  FILE *f = fopen(argv[5], "wb");
  if (!f) { perror(argv[5]); return 1; }
  static char buf[1 << 22];
  setvbuf(f, buf, _IOFBF, sizeof buf);
  float *v = malloc(dim * sizeof *v);
  char *line = malloc(dim * 9 + 64);
  if (!v || !line) { fprintf(stderr, "gen: out of memory\n"); return 1; }
  fprintf(f, "%lld %lld\n", n, dim);
  for (long long i = 1; i <= n; i++) {
    char *p = line + snprintf(line, 64, "w%0*lld", width, i);
    for (long long j = 0; j < dim; j++) v[j] = (float)gauss();
    if (text) {
      for (long long j = 0; j < dim; j++) { *p++ = ' '; p = fixed8(p, v[j]); }
      *p++ = '\n';
      fwrite(line, 1, p - line, f);
    } else {
      *p++ = ' ';
      fwrite(line, 1, p - line, f);
      fwrite(v, sizeof *v, dim, f);
      fputc('\n', f);
    }
  }
  if (ferror(f) | fclose(f)) { perror(argv[5]); return 1; }
  return 0;
}
C
if [ ! -x "$S/gen" ] || ! cmp -s "$S/gen.c.new" "$S/gen.c"; then
  mv "$S/gen.c.new" "$S/gen.c"
  $CC -O2 -Wall -o "$S/gen" "$S/gen.c" -lm || die "cannot compile $S/gen.c"
else
  rm -f "$S/gen.c.new"
fi

# ---- the measuring side, one python program: NAME ARGS... prints "key value" lines,
# or "error <message>" and exit status 1.  Every system answers the same words: the
# first query's word, then QUERIES others (seeded, distinct).
read -r -d '' HELPER <<'PY'
import os, random, resource, sqlite3, statistics, sys, time
cmd, args = sys.argv[1], sys.argv[2:]
now = time.perf_counter

def words(n, queries, seed):
    width = max(7, len(str(n)))
    ids = random.Random(seed).sample(range(1, n + 1), min(n, queries + 1))
    return ["w%0*d" % (width, i) for i in ids]

def timed(q, ws):
    """first query (q(ws[0])) and the median of the others, in ms; the first's answer"""
    top = q(ws[0])
    lat = []
    for w in ws[1:]:
        t = now(); q(w); lat.append(now() - t)
    return top, statistics.median(lat) * 1000 if lat else float("nan")

def report(**kv):
    for k, v in kv.items():
        print(k, v)
    sys.stdout.flush()

def vectors(path, fmt, batch=20000):
    """(words, float32 array) batches of a word2vec file, unit-normalized rows"""
    import numpy as np
    def unit(a):
        nrm = np.linalg.norm(a, axis=1, keepdims=True)
        nrm[nrm == 0] = 1
        return (a / nrm).astype(np.float32)
    with open(path, "rb") as f:
        head = f.readline().split()
        n, dim = int(head[0]), int(head[1])
        if fmt == "binary":                      # read in 16 MB pieces (no mmap: its pages count as RSS)
            buf, pos, left, rec = b"", 0, n, 4 * dim
            while left:
                b = min(batch, left)
                ws, arr = [], np.empty((b, dim), np.float32)
                for i in range(b):
                    sp = buf.find(b" ", pos)
                    while sp < 0 or sp + 1 + rec > len(buf):
                        more = f.read(1 << 24)
                        if not more:
                            raise ValueError("truncated binary file")
                        buf, pos = buf[pos:] + more, 0
                        sp = buf.find(b" ", pos)
                    ws.append(buf[pos:sp].lstrip(b"\n").decode("utf-8", "replace"))
                    arr[i] = np.frombuffer(buf, "<f4", dim, sp + 1)
                    pos = sp + 1 + rec
                left -= b
                yield ws, unit(arr)
        else:
            ws, rows = [], []
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                ws.append(parts[0].decode("utf-8", "replace"))
                rows.append(np.array(parts[1:], dtype=np.float32))
                if len(ws) == batch:
                    yield ws, unit(np.vstack(rows)); ws, rows = [], []
            if ws:
                yield ws, unit(np.vstack(rows))

VEC_KNN = """
WITH q(id) AS (SELECT id FROM words WHERE word = ?1),
knn AS (SELECT rowid, distance FROM v
        WHERE embedding MATCH (SELECT embedding FROM v WHERE rowid = (SELECT id FROM q)) AND k = 11)
SELECT words.word, 1 - knn.distance FROM knn JOIN words ON words.id = knn.rowid
WHERE knn.rowid <> (SELECT id FROM q) ORDER BY knn.distance LIMIT 10"""

try:
    if cmd == "w2v-import":                      # FILE DB [PAGE_SIZE]
        path, db = args[:2]
        con = sqlite3.connect(db, isolation_level=None)
        if len(args) > 2:                        # a new database: the page size of its file
            con.execute("PRAGMA page_size=%d" % int(args[2]))
        con.enable_load_extension(True)
        con.load_extension("./w2v")
        t = now()
        con.execute("SELECT w2v_import(?, 'model=emb')", (path,)).fetchall()
        report(import_s=now() - t)
        con.close()
    elif cmd == "w2v-query":                     # DB N QUERIES SEED
        db, n, queries, seed = args[0], *map(int, args[1:])
        ws = words(n, queries, seed)
        t = now()
        con = sqlite3.connect(db, isolation_level=None)
        con.enable_load_extension(True)
        con.load_extension("./w2v")
        q = lambda w: con.execute("SELECT word FROM w2v_similar('emb', ?, 10)", (w,)).fetchall()
        top = q(ws[0])
        first = (now() - t) * 1000
        _, warm = timed(q, ws)
        report(first_ms=first, warm_ms=warm, top=",".join(r[0] for r in top))
    elif cmd == "gensim":                        # FILE FORMAT N QUERIES SEED
        path, fmt, n, queries, seed = args[0], args[1], *map(int, args[2:])
        ws = words(n, queries, seed)
        from gensim.models import KeyedVectors
        t = now()
        kv = KeyedVectors.load_word2vec_format(path, binary=(fmt == "binary"))
        report(import_s=now() - t, import_rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        t = now()
        top = kv.most_similar(ws[0], topn=10)
        first = (now() - t) * 1000
        _, warm = timed(lambda w: kv.most_similar(w, topn=10), ws)
        report(first_ms=first, warm_ms=warm, top=",".join(w for w, _ in top))
    elif cmd == "vec-import":                    # FILE FORMAT DB VEC0 DIM
        path, fmt, db, vec0, dim = args
        con = sqlite3.connect(db, isolation_level=None)
        con.enable_load_extension(True)
        con.load_extension(vec0)
        t = now()
        con.execute("CREATE TABLE words(id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)")
        con.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{int(dim)}] distance_metric=cosine)")
        con.execute("BEGIN")
        rowid = 1
        for ws, arr in vectors(path, fmt):
            ids = range(rowid, rowid + len(ws))
            con.executemany("INSERT INTO words(id, word) VALUES (?, ?)", zip(ids, ws))
            con.executemany("INSERT INTO v(rowid, embedding) VALUES (?, ?)", zip(ids, map(bytes, arr)))
            rowid += len(ws)
        con.execute("COMMIT")
        report(import_s=now() - t)
        con.close()
    elif cmd == "vec-query":                     # DB VEC0 N QUERIES SEED
        db, vec0, n, queries, seed = args[0], args[1], *map(int, args[2:])
        ws = words(n, queries, seed)
        t = now()
        con = sqlite3.connect(db, isolation_level=None)
        con.enable_load_extension(True)
        con.load_extension(vec0)
        q = lambda w: con.execute(VEC_KNN, (w,)).fetchall()
        top = q(ws[0])
        first = (now() - t) * 1000
        _, warm = timed(q, ws)
        report(first_ms=first, warm_ms=warm, top=",".join(r[0] for r in top))
    else:
        raise SystemExit("unknown command " + cmd)
except Exception as e:
    print("error", " ".join(f"{type(e).__name__}: {e}".split())[:200])
    sys.exit(1)
PY

# ---- peers
HAVE_GENSIM=0 HAVE_VEC=0
if [[ " $PEERS " == *" gensim "* ]]; then
  $PY -c 'import gensim' 2>/dev/null && HAVE_GENSIM=1 || echo "bench-scale: gensim not installed (apt-get install python3-gensim), skipped"
fi
if [[ " $PEERS " == *" sqlite-vec "* ]]; then
  if [ ! -f "$VEC0" ] && [ -z "${SQLITE_VEC:-}" ] && command -v npm >/dev/null; then
    make -s sqlite-vec >/dev/null 2>&1 || true
  fi
  if [ ! -f "$VEC0" ]; then echo "bench-scale: no sqlite-vec at $VEC0 (make sqlite-vec, which uses npm), skipped"
  elif ! $PY -c 'import numpy' 2>/dev/null; then echo "bench-scale: numpy missing (apt-get install python3-numpy), sqlite-vec skipped"
  else HAVE_VEC=1; fi
fi

# ---- the files
fsize(){ stat -c %s "$1" 2>/dev/null || echo 0; }
mb(){ awk -v b="$1" 'BEGIN{printf "%.0f MB", b/1048576}'; }
FILES=()
for n in $SIZES; do
  width=${#n}; [ "$width" -lt 7 ] && width=7
  for fmt in $FORMATS; do
    f="$S/vectors-${n}x${DIM}-s${SEED}.${fmt/binary/bin}"; f=${f/%.text/.txt}
    head=$(( ${#n} + 1 + ${#DIM} + 1 ))
    if [ "$fmt" = binary ]; then want=$(( head + n * (1 + width + 1 + 4 * DIM + 1) ))
    else want=$(( head + n * (1 + width + 9 * DIM + 1) )); fi
    if [ "$(fsize "$f")" != "$want" ]; then
      echo "bench-scale: writing $f ($(mb $want))"
      t0=$(date +%s.%N)
      "$S/gen" "$n" "$DIM" "$SEED" "$fmt" "$f.tmp" && mv "$f.tmp" "$f" || { rm -f "$f.tmp"; die "cannot write $f"; }
      [ "$(fsize "$f")" = "$want" ] || die "$f has $(fsize "$f") bytes, expected $want"
      echo "bench-scale:   in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
    fi
    FILES+=("$n:$fmt:$f")
  done
done
rm -f "$S"/*.db "$S"/*.db-journal "$S"/*.db-wal "$S"/*.db-shm "$S"/*.out "$S"/*.time "$S/results"

# run NAME CMD...: the command under GNU time: NAME.out its output, NAME.time "%e %M"
run(){ local name=$1; shift; /usr/bin/time -f "%e %M" -o "$S/$name.time" "$@" > "$S/$name.out" 2>&1; }
val(){ awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$S/$1.out"; }
rss(){ tail -1 "$S/$1.time" | awk '{print $2}'; }
why(){ # the failure message of run NAME
  local m; m=$(val "$1" error)
  [ -n "$m" ] || m=$(grep -m1 -E 'terminated by signal|exited with' "$S/$1.time" 2>/dev/null)
  [ -n "$m" ] || m=$(grep -v '^$' "$S/$1.out" | tail -1)
  echo "${m:-no output}" | cut -c1-160
}
ms(){ awk -v x="$1" 'BEGIN{ if (x >= 100) printf "%.0f ms", x; else if (x >= 1) printf "%.1f ms", x; else printf "%.3f ms", x }'; }
kb(){ awk -v k="$1" 'BEGIN{printf "%.0f MB", k/1024}'; }
secs(){ awk -v x="$1" 'BEGIN{printf (x >= 10 ? "%.1f" : "%.2f"), x}'; }
dbsize(){ local s=0 x; for x in "$1" "$1-wal" "$1-journal"; do s=$(( s + $(fsize "$x") )); done; echo $s; }
FMT="%-22s %-10s %9s %10s %9s %12s %12s %10s\n"
ok_row(){ # label system import_s import_rss_kb db_bytes first_ms warm_ms query_rss_kb top
  local db=-; [ "$5" != - ] && db=$(mb "$5")
  printf "$FMT" "$1" "$2" "$(secs "$3")" "$(kb "$4")" "$db" "$(ms "$6")" "$(ms "$7")" "$(kb "$8")"
  echo "$1|$2|$3|$7|$9" >> "$S/results"
}
fail_row(){ printf "%-22s %-10s failed: %s\n" "$1" "$2" "$3"; }
warm(){ cat "$1" > /dev/null; }   # the file in the page cache before each import, for all alike

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/{print $2}') GiB, $(date -u +%Y-%m-%d)"
echo "files: seed $SEED, N(0,1) vectors; $QUERIES warm queries per system (median); databases in $S/"
printf "\n$FMT" "vectors" system "import s" "import RSS" "on disk" "first query" "warm top-10" "query RSS"
for spec in "${FILES[@]}"; do
  IFS=: read -r n fmt f <<< "$spec"
  label="${n}x${DIM} $fmt"
  # w2v: import into a fresh database (SQLite's default page size, then W2V_PAGE);
  # then a new process opens it and queries
  for page in default $W2V_PAGE; do
    [ "$page" = 0 ] && continue
    sys=w2v; tag=w2v; pagearg=()
    [ "$page" != default ] && { sys="w2v-$((page/1024))k"; tag="w2v$page"; pagearg=("$page"); }
    db="$S/$tag-${n}-${fmt}.db"
    warm "$f"
    if run "$tag-import-$n-$fmt" $PY -c "$HELPER" w2v-import "$f" "$db" "${pagearg[@]}"; then
      if run "$tag-query-$n-$fmt" $PY -c "$HELPER" w2v-query "$db" "$n" "$QUERIES" "$SEED"; then
        ok_row "$label" "$sys" "$(val "$tag-import-$n-$fmt" import_s)" "$(rss "$tag-import-$n-$fmt")" "$(dbsize "$db")" \
          "$(val "$tag-query-$n-$fmt" first_ms)" "$(val "$tag-query-$n-$fmt" warm_ms)" "$(rss "$tag-query-$n-$fmt")" "$(val "$tag-query-$n-$fmt" top)"
      else fail_row "$label" "$sys" "query: $(why "$tag-query-$n-$fmt")"; fi
    else fail_row "$label" "$sys" "import: $(why "$tag-import-$n-$fmt")"; fi
  done
  # gensim: one process (it writes no database): load the file, then query
  if [ $HAVE_GENSIM = 1 ]; then
    warm "$f"
    if run "gensim-$n-$fmt" $PY -c "$HELPER" gensim "$f" "$fmt" "$n" "$QUERIES" "$SEED"; then
      ok_row "$label" gensim "$(val "gensim-$n-$fmt" import_s)" "$(val "gensim-$n-$fmt" import_rss_kb)" - \
        "$(val "gensim-$n-$fmt" first_ms)" "$(val "gensim-$n-$fmt" warm_ms)" "$(rss "gensim-$n-$fmt")" "$(val "gensim-$n-$fmt" top)"
    else fail_row "$label" gensim "$(why "gensim-$n-$fmt")"; fi
  fi
  # sqlite-vec: a vec0 table of unit vectors (cosine) + a words table; then a new process
  if [ $HAVE_VEC = 1 ]; then
    db="$S/vec-${n}-${fmt}.db"
    warm "$f"
    if run "vec-import-$n-$fmt" $PY -c "$HELPER" vec-import "$f" "$fmt" "$db" "$VEC0" "$DIM"; then
      if run "vec-query-$n-$fmt" $PY -c "$HELPER" vec-query "$db" "$VEC0" "$n" "$QUERIES" "$SEED"; then
        ok_row "$label" sqlite-vec "$(val "vec-import-$n-$fmt" import_s)" "$(rss "vec-import-$n-$fmt")" "$(dbsize "$db")" \
          "$(val "vec-query-$n-$fmt" first_ms)" "$(val "vec-query-$n-$fmt" warm_ms)" "$(rss "vec-query-$n-$fmt")" "$(val "vec-query-$n-$fmt" top)"
      else fail_row "$label" sqlite-vec "query: $(why "vec-query-$n-$fmt")"; fi
    else fail_row "$label" sqlite-vec "import: $(why "vec-import-$n-$fmt")"; fi
  fi
done

echo
echo "gensim: no database; its import RSS is the process's peak after loading, its first query the"
echo "first most_similar after the load (it computes the norms), its query RSS the whole process's."
echo "Times are wall seconds inside each process (python start-up and loading the module excluded,"
echo "except that w2v's and sqlite-vec's first query includes opening the database and loading the"
echo "extension); files and databases are in the page cache (written or read just before)."
echo
echo "w2v ratios (peer / w2v; > 1 means w2v is faster):"
[ -f "$S/results" ] && awk -F'|' '{imp[$1,$2]=$3; warm[$1,$2]=$4; top[$1,$2]=$5; if(!($1 in seen)){seen[$1]=1; order[++n]=$1}}
  END{ for(i=1;i<=n;i++){ l=order[i]
         for(w=1;w<=2;w++){ me = w==1 ? "w2v" : wpage; if(me=="") continue
           if(!((l SUBSEP me) in imp)) { printf "  %-22s %s failed, no ratios\n", l, me; continue }
           for(p=1;p<=2;p++){ peer = p==1 ? "gensim" : "sqlite-vec"; if(!((l SUBSEP peer) in imp)) continue
             printf "  %-22s %-8s vs %-10s import %6.2fx   warm top-10 %7.2fx", l, me, peer, imp[l,peer]/imp[l,me], warm[l,peer]/warm[l,me]
             printf "%s\n", top[l,peer]==top[l,me] ? "   (same top 10)" : "   (top 10 differs: " top[l,peer] " vs " me " " top[l,me] ")" } } } }' \
  wpage="$([ "$W2V_PAGE" != 0 ] && echo "w2v-$((W2V_PAGE/1024))k")" "$S/results"
exit 0
