# Rows "word|group|cluster|x|y" (sqlite3 -list output of w2v_project joined
# with w2v_kmeans) to an SVG scatter plot on stdout: one dot per word,
# coloured by its k-means cluster, labelled with the word; a legend lists
# each cluster's colour with the groups its words came from.
#   awk -F'|' -v title="..." -f sql/scatter.awk rows.txt > plot.svg
BEGIN { W = 760; H = 560; M = 50; n = 0
        split("#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #7f7f7f #bcbd22", pal, " ") }
{ n++; w[n] = $1; g[n] = $2; c[n] = $3; x[n] = $4 + 0; y[n] = $5 + 0
  if (n == 1 || x[n] < x0) x0 = x[n]; if (n == 1 || x[n] > x1) x1 = x[n]
  if (n == 1 || y[n] < y0) y0 = y[n]; if (n == 1 || y[n] > y1) y1 = y[n]
  if (!((c[n], g[n]) in seen)) { seen[c[n], g[n]] = 1; groups[c[n]] = groups[c[n]] (groups[c[n]] == "" ? "" : ", ") g[n] }
  if (c[n] + 1 > nc) nc = c[n] + 1 }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function px(v) { return M + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * (W - 2*M - 160) }
function py(v) { return H - M - (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5) * (H - 2*M - 20) }
END {
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", W, H, W, H
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"%d\" y=\"28\" font-size=\"16\">%s</text>\n", M, esc(title)
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", M, H-M+10, W-M-150, H-M+10
  printf "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#666\">first principal axis (x)</text>\n", M, H-M+26
  for (i = 1; i <= n; i++) {
    col = pal[(c[i] % 10) + 1]
    printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>", px(x[i]), py(y[i]), col
    printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">%s</text>\n", px(x[i]) + 7, py(y[i]) + 4, col, esc(w[i])
  }
  for (k = 0; k < nc; k++) {
    ly = 60 + 22*k
    printf "<circle cx=\"%d\" cy=\"%d\" r=\"6\" fill=\"%s\"/>", W-150, ly, pal[(k % 10) + 1]
    printf "<text x=\"%d\" y=\"%d\" font-size=\"12\">cluster %d: %s</text>\n", W-140, ly+4, k, esc(groups[k])
  }
  print "</svg>"
}
