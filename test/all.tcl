# Runs every test/*.test file in its own tclsh (under valgrind when
# W2V_VALGRIND is set) and prints the total: "N passed, N failed".
set testdir [file dirname [file normalize [info script]]]
set tclsh [info nameofexecutable]
set pass 0
set fail 0
set files [lsort [glob -directory $testdir *.test]]
if {[llength $argv] > 0} { set files [lmap f $argv {file normalize $f}] }
foreach f $files {
  set cmd [list $tclsh $f]
  if {[info exists env(W2V_VALGRIND)]} {
    set cmd [list valgrind -q --error-exitcode=97 --leak-check=full \
             --errors-for-leak-kinds=definite --show-leak-kinds=definite {*}$cmd]
  }
  set t0 [clock milliseconds]
  set rc [catch {exec {*}$cmd 2>@1} out opts]
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
    puts "[file tail $f]: no summary line (crashed?)"
    incr fail
  } elseif {$rc && [dict get $opts -errorcode] ne "NONE"} {
    set code [lindex [dict get $opts -errorcode] end]
    if {$code == 97} { puts "[file tail $f]: valgrind reported errors"; incr fail }
  }
  if {$counted} { puts "  [file tail $f]: $summary (${secs}s)" }
}
puts "$pass passed, $fail failed"
exit [expr {$fail > 0}]
