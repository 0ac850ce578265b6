#!/usr/bin/env tclsh
# kohakuvault from Tcl (Debian: tcl + libsqlite3-tcl).
#   tclsh examples/tcl/example.tcl [path/to/kohakuvault]
package require sqlite3

set module [lindex [concat $argv [expr {[info exists env(KV_MODULE)] ? $env(KV_MODULE) : "./build/kohakuvault"}]] 0]

sqlite3 db :memory:
db enable_load_extension 1
db eval {select load_extension($module)}
db enable_load_extension 0

db eval {select kohakuvault_version() as v, sqlite_version() as s} {
  puts "kohakuvault $v in SQLite $s"
}
set packed [db onecolumn {select kv_pack('i32', 7)}]
# @name binds a Tcl value as a BLOB (:name would bind text).
set value [db onecolumn {select kv_unpack('i32', @packed)}]
binary scan $packed H* hex
puts "kv_pack('i32', 7) = [string toupper $hex] -> $value"

if {![catch {db eval {select kv_pack('i8', 300)}} message]} { error "expected an error" }
puts "error: $message"
