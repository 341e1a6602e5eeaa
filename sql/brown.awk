# Brown corpus tagged files -> one lower-cased sentence per line: the /tag
# suffixes stripped, punctuation tokens (no letter or digit) dropped.
# With -v raw=1: the words as written (case and punctuation kept), tags stripped.
raw {
  out = ""
  for (i = 1; i <= NF; i++) { w = $i; sub(/\/[^\/]*$/, "", w); out = out (out == "" ? "" : " ") w }
  if (out != "") print out
  next
}
{
  out = ""
  for (i = 1; i <= NF; i++) {
    w = $i
    sub(/\/[^\/]*$/, "", w)
    if (w !~ /[A-Za-z0-9]/) continue
    out = out (out == "" ? "" : " ") tolower(w)
  }
  if (out != "") print out
}
