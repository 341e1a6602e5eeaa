# Test helpers in the style of SQLite's own tester.tcl:
#   do_test NAME SCRIPT EXPECTED
#   do_execsql_test NAME SQL EXPECTED
#   do_catchsql_test NAME SQL {0|1 RESULT-OR-MESSAGE}
#   finish_test       prints "N passed, N failed" and exits non-zero on failure
package require sqlite3

set ::testdir [file dirname [file normalize [info script]]]
set ::topdir  [file dirname $::testdir]
# W2V_EXT=path tests another build of the extension (without the suffix)
set ::ext     [expr {[info exists ::env(W2V_EXT)] ? $::env(W2V_EXT) : [file join $::topdir w2v]}]
# under valgrind (make test-valgrind) a few files do less, or time less strictly
set ::valgrind [info exists ::env(W2V_VALGRIND)]
# The command that runs a child tclsh: under valgrind too when this file is
# (valgrind does not follow children by itself); its errors and definite
# leaks make the child exit non-zero.
proc child_tclsh {} {
  set cmd [list [info nameofexecutable]]
  if {$::valgrind} {
    set cmd [list valgrind -q --error-exitcode=97 --leak-check=full \
             --errors-for-leak-kinds=definite --show-leak-kinds=definite {*}$cmd]
  }
  return $cmd
}
set ::nPass 0
set ::nFail 0
set ::failed {}

proc load_w2v {db} {
  $db enable_load_extension 1
  $db eval {SELECT load_extension($::ext)}
}

# A fresh in-memory (or file) database as [db] with the extension loaded.
proc reset_db {{file :memory:}} {
  catch {db close}
  if {$file ne ":memory:"} { foreach f [glob -nocomplain $file $file-wal $file-shm $file-journal] { file delete $f } }
  sqlite3 db $file
  load_w2v db
}

proc do_test {name script expected} {
  set rc [catch {uplevel 1 $script} result]
  if {$rc == 1} { set result "error: $result" }
  if {$result eq $expected || ([string match "*\\**" $expected] && [string match $expected $result])} {
    incr ::nPass
    if {[info exists ::env(W2V_VERBOSE)]} { puts "$name ok" }
  } else {
    incr ::nFail
    lappend ::failed $name
    puts "$name FAILED"
    puts "  expected: $expected"
    puts "  got:      $result"
  }
}

proc catchsql {sql {d db}} {
  set rc [catch {uplevel 1 [list $d eval $sql]} msg]
  list $rc $msg
}

proc do_execsql_test {name sql expected} {
  uplevel 1 [list do_test $name [list db eval $sql] [list {*}$expected]]
}

proc do_catchsql_test {name sql expected} {
  uplevel 1 [list do_test $name [list catchsql $sql] $expected]
}

# An assertion that is true or false: do_true NAME EXPR (evaluated in the caller).
proc do_true {name expr {detail {}}} {
  set ok [uplevel 1 [list expr $expr]]
  if {$ok} { incr ::nPass } else {
    incr ::nFail
    lappend ::failed $name
    puts "$name FAILED: $expr"
    if {$detail ne ""} { puts "  [uplevel 1 [list subst $detail]]" }
  }
}

proc finish_test {} {
  catch {db close}
  puts "$::nPass passed, $::nFail failed"
  exit [expr {$::nFail > 0}]
}

# ---- corpora with planted structure --------------------------------------

# G groups; group g has M member words "g<g>m<i>" and C context words
# "g<g>c<j>".  Each sentence (one row) has L context words of one group with
# one member of that group at a random place.  Members of a group share all
# their contexts and never meet each other; groups share nothing.
proc planted_rows {G M C L nRow seed} {
  expr {srand($seed)}
  set rows {}
  for {set r 0} {$r < $nRow} {incr r} {
    set g [expr {$r % $G}]
    set words {}
    for {set j 0} {$j < $L} {incr j} { lappend words g${g}c[expr {int(rand()*$C)}] }
    set m g${g}m[expr {int(rand()*$M)}]
    set words [linsert $words [expr {int(rand()*($L+1))}] $m]
    lappend rows [join $words " "]
  }
  return $rows
}

proc fill_table {db table rows} {
  $db eval "CREATE TABLE IF NOT EXISTS \"$table\"(body TEXT)"
  $db transaction {
    foreach r $rows { $db eval "INSERT INTO \"$table\"(body) VALUES(\$r)" }
  }
}

proc group_of {word} {
  if {[regexp {^g(\d+)[mc]\d+$} $word -> g]} { return $g }
  return -1
}

# A top-level field of a JSON object, through SQLite's json_extract.
proc json_get {json key} {
  sqlite3 jsondb :memory:
  set v [jsondb onecolumn {SELECT json_extract($json, '$.' || $key)}]
  jsondb close
  return $v
}
