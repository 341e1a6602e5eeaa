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

# ---- cases that may crash: a fresh child process each -------------------
#
#   run_child SCRIPT ?VARS? ?TIMEOUT-MS?   -> {STATUS VALUE}
#   start_child SCRIPT ?VARS? ?TIMEOUT-MS? -> handle; wait_child HANDLE -> {STATUS VALUE}
#   do_child_test NAME SCRIPT EXPECTED ?VARS?   (passes when run_child gives {ok EXPECTED})
#
# The child is a new tclsh running a script that sources this file, sets the
# variables of the dict VARS, evaluates ::child_prelude (procs and setup that a
# test file shares between its children) and then SCRIPT, at global level.
# ::child_id names the child (build/child-$::child_id* files are deleted when
# it ends; child_db_copy uses that name).  STATUS is
#   ok          SCRIPT returned; VALUE is its value
#   error       SCRIPT raised an error; VALUE is the message
#   sanitizer   AddressSanitizer/UBSan reported (make test-asan style loading);
#               VALUE: the report's first line, top frames and SUMMARY
#   crash       killed by a signal: "crash SIGSEGV" etc.; VALUE: output tail
#   exit N      exited early with status N; VALUE: output tail
#   timeout     still running after TIMEOUT-MS (killed); VALUE: output tail
# Children inherit the environment (LD_PRELOAD, ASAN_OPTIONS, W2V_EXT), so a
# sanitizer build is checked in every child too.
set ::child_prelude ""
set ::child_seq 0
set ::child_marker "@@W2V-CHILD-RESULT@@"

proc start_child {script {vars {}} {timeout 30000}} {
  set id "[pid]-[incr ::child_seq]"
  set f [file join $::topdir build child-$id.tcl]
  file mkdir [file dirname $f]
  set fd [open $f w]
  puts $fd [list source [file join $::testdir tester.tcl]]
  puts $fd [list set ::in_child 1]
  puts $fd [list set ::child_id $id]
  foreach {k v} $vars { puts $fd [list set $k $v] }
  puts $fd [list set ::child_prelude $::child_prelude]
  puts $fd [list set ::child_script $script]
  puts $fd [list set ::child_marker $::child_marker]
  puts $fd {
    set ::child_rc [catch {uplevel #0 $::child_prelude; uplevel #0 $::child_script} ::child_res]
    flush stderr
    puts "\n$::child_marker"
    puts -nonewline [list $::child_rc $::child_res]
    flush stdout
    exit 0
  }
  close $fd
  set ch [open |[list [info nameofexecutable] $f 2>@1] r]
  fconfigure $ch -blocking 0 -translation binary
  set ::child_out($ch) ""
  set ::child_state($ch) running
  fileevent $ch readable [list child_readable $ch]
  set ::child_timer($ch) [after $timeout [list child_timeout $ch]]
  list $ch $id
}

proc child_readable {ch} {
  append ::child_out($ch) [read $ch]
  if {[eof $ch]} {
    fileevent $ch readable {}
    if {$::child_state($ch) eq "running"} { set ::child_state($ch) done }
  }
}

proc child_timeout {ch} {
  if {$::child_state($ch) eq "running"} {
    set ::child_state($ch) timeout
    foreach p [pid $ch] { catch {exec kill -9 $p} }
  }
}

# The interesting lines of a sanitizer report.
proc sanitizer_summary {out} {
  set keep {}
  set frames 0
  foreach line [split $out "\n"] {
    if {[regexp {ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:} $line]} {
      lappend keep [string trim $line]
      set frames 1
    } elseif {$frames && $frames <= 6 && [regexp {^\s+#(\d+) } $line]} {
      lappend keep [string trim [regsub {\(/[^)]*\)} $line {}]]
      incr frames
    } elseif {[string match "SUMMARY:*" $line]} {
      lappend keep $line
    }
  }
  join $keep "\n"
}

proc child_tail {out} {
  set lines [split [string trimright $out] "\n"]
  join [lrange $lines end-14 end] "\n"
}

proc wait_child {h} {
  lassign $h ch id
  while {$::child_state($ch) eq "running"} { vwait ::child_state($ch) }
  after cancel $::child_timer($ch)
  set state $::child_state($ch)
  fileevent $ch readable {}
  fconfigure $ch -blocking 1
  if {[catch {append ::child_out($ch) [read $ch]}]} {}
  set rc [catch {close $ch} msg opts]
  set out [encoding convertfrom utf-8 $::child_out($ch)]
  unset ::child_out($ch) ::child_state($ch) ::child_timer($ch)
  foreach f [glob -nocomplain [file join $::topdir build child-$id*]] { file delete -force $f }
  if {[regexp {ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:} $out]} {
    return [list sanitizer [sanitizer_summary $out]]
  }
  if {$state eq "timeout"} { return [list timeout [child_tail $out]] }
  set code [expr {$rc ? [dict get $opts -errorcode] : "NONE"}]
  if {[lindex $code 0] eq "CHILDKILLED"} {
    return [list "crash [lindex $code 2]" [child_tail $out]]
  }
  if {[lindex $code 0] eq "CHILDSTATUS"} {
    return [list "exit [lindex $code 2]" [child_tail $out]]
  }
  set i [string last "\n$::child_marker\n" $out]
  if {$i < 0} { return [list "exit 0" [child_tail $out]] }
  set res [string range $out [expr {$i + [string length $::child_marker] + 2}] end]
  lassign $res crc cres
  if {$crc == 1} { return [list error $cres] }
  list ok $cres
}

proc run_child {script {vars {}} {timeout 30000}} {
  wait_child [start_child $script $vars $timeout]
}

proc do_child_test {name script expected {vars {}}} {
  uplevel 1 [list do_test $name [list run_child $script $vars] [list ok $expected]]
}

# In a child: a private copy of the database file TEMPLATE, opened as [db]
# with the extension loaded (and a busy timeout).  Returns the file name.
proc child_db_copy {template {name db}} {
  set f [file join $::topdir build child-$::child_id.db]
  foreach x {"" -wal -shm -journal} { file delete -force $f$x }
  file copy $template $f
  sqlite3 $name $f
  $name timeout 5000      ;# first: load_extension() may read the schema (SQLite 3.53)
  load_w2v $name
  return $f
}

# Builds a template database once per test file (BODY runs with [db] open on
# it), closes it, and returns its name.
proc make_template {name body} {
  set f [file join $::topdir build $name-template.db]
  file mkdir [file dirname $f]
  foreach x {"" -wal -shm -journal} { file delete -force $f$x }
  catch {db close}
  sqlite3 db $f
  load_w2v db
  uplevel 1 $body
  db close
  return $f
}

# float32 blobs from Tcl numbers (and back), little-endian
# Tests that plant vectors by editing <model>_input by hand: the stored
# search index no longer matches, so drop it (the model then indexes the rows
# as it reads them) and change the generation (connections read it again).
proc drop_index {M {d db}} {
  $d eval "DELETE FROM \"${M}_index\"; UPDATE \"${M}_config\" SET value = 0 WHERE key = 'index';
           UPDATE \"${M}_config\" SET value = value + 1 WHERE key = 'generation'"
}
proc f32 {args} { binary format r* $args }
proc f32list {blob} { binary scan $blob r* v; return $v }
