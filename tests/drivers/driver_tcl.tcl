#!/usr/bin/env tclsh
# Driver check: Tcl's sqlite3 package (libsqlite3-tcl), which uses the system
# SQLite. Runs checks.tsv (format described there).
package require sqlite3

set here [file dirname [file normalize [info script]]]
set module [expr {[info exists env(KV_MODULE)] ? $env(KV_MODULE) : "$here/../../build/kohakuvault"}]
set checks [expr {[info exists env(KV_DRIVER_CHECKS)] ? $env(KV_DRIVER_CHECKS) : "$here/checks.tsv"}]

sqlite3 db :memory:
db enable_load_extension 1
db eval {select load_extension($module)}
db enable_load_extension 0

# First column of the first row, as text. Runs in the caller's scope so @name
# and :name parameters see the caller's variables.
db nullvalue NULL
proc first {sql} {
  return [lindex [uplevel 1 [list db eval $sql]] 0]
}

proc check_one {kind sql sql2 expected} {
  switch -- $kind {
    exec { db eval $sql; return "" }
    eq { set got [first $sql] }
    bind {
      set blob [db onecolumn $sql]
      # @name binds a Tcl value as a BLOB.
      set got [first [string map {? @blob} $sql2]]
    }
    error {
      if {[catch {db eval $sql} msg]} {
        if {[string first $expected $msg] >= 0} { return "" }
        return "error '$msg' does not contain '$expected'"
      }
      return "succeeded, expected an error"
    }
    default { return "unknown kind $kind" }
  }
  if {$got eq $expected} { return "" }
  return "got '$got', expected '$expected'"
}

set passed 0; set failed 0; set skipped 0
set f [open $checks]
fconfigure $f -encoding utf-8
while {[gets $f line] >= 0} {
  if {$line eq "" || [string index $line 0] eq "#"} continue
  lassign [split $line "\t"] kind requires name sql sql2 expected
  if {$requires ne "-"} {
    set n [db onecolumn "select (select count(*) from pragma_function_list where name = '$requires')
                              + (select count(*) from pragma_module_list where name = '$requires')"]
    if {$n == 0} { puts "skip $name ($requires not registered)"; incr skipped; continue }
  }
  if {[catch {check_one $kind $sql $sql2 $expected} problem]} { set problem "raised: $problem" }
  if {$problem eq ""} { puts "ok $name"; incr passed } else { puts "FAIL $name: $problem"; incr failed }
}
close $f
puts "tcl: $passed passed, $failed failed, $skipped skipped"
exit [expr {$failed > 0}]
