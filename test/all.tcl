# Runs every test/*.test file in its own tclsh (under valgrind when
# W2V_VALGRIND is set) and prints the total: "N passed, N failed".
set testdir [file dirname [file normalize [info script]]]
set tclsh [info nameofexecutable]
set pass 0
set fail 0
set files [lsort [glob -directory $testdir *.test]]
# Then the training and query tests once more with the scalar kernel forced
# (ext/core/dispatch.c; the others ran with the fastest this CPU has, or the
# one W2V_KERNEL names).  Not under valgrind: it is slow enough.
set runs [lmap f $files {list $f {}}]
if {![info exists env(W2V_VALGRIND)]} {
  foreach t {train prob predict degenerate update query overflow} {
    lappend runs [list [file join $testdir $t.test] scalar]
  }
}
if {[llength $argv] > 0} { set runs [lmap f $argv {list [file normalize $f] {}}] }
foreach run $runs {
  lassign $run f kernel
  if {$kernel ne ""} {
    set saved [expr {[info exists env(W2V_KERNEL)] ? [list $env(W2V_KERNEL)] : {}}]
    set env(W2V_KERNEL) $kernel
  }
  set cmd [list $tclsh $f]
  if {[info exists env(W2V_VALGRIND)]} {
    set cmd [list valgrind -q --error-exitcode=97 --leak-check=full \
             --errors-for-leak-kinds=definite --show-leak-kinds=definite {*}$cmd]
  }
  set t0 [clock milliseconds]
  set rc [catch {exec {*}$cmd 2>@1} out opts]
  if {$kernel ne ""} {
    if {[llength $saved]} { set env(W2V_KERNEL) [lindex $saved 0] } else { unset env(W2V_KERNEL) }
  }
  set secs [format %.1f [expr {([clock milliseconds]-$t0)/1000.0}]]
  set counted 0
  foreach line [split $out "\n"] {
    if {[regexp {^(\d+) passed, (\d+) failed$} $line -> p fl]} {
      incr pass $p; incr fail $fl; set counted 1
      set summary "$p ok, $fl failed"
    } else {
      puts $line
    }
  }
  if {!$counted} {
    puts "[file tail $f]: no summary line (crashed?)[expr {$kernel ne {} ? " (W2V_KERNEL=$kernel)" : {}}]"
    incr fail
  } elseif {$rc && [dict get $opts -errorcode] ne "NONE"} {
    set code [lindex [dict get $opts -errorcode] end]
    if {$code == 97} { puts "[file tail $f]: valgrind reported errors"; incr fail }
  }
  set label [file tail $f]
  if {$kernel ne ""} { append label " (W2V_KERNEL=$kernel)" }
  if {$counted} { puts "  $label: $summary (${secs}s)" }
}
puts "$pass passed, $fail failed"
exit [expr {$fail > 0}]
