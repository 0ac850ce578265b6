#!/usr/bin/env ruby
# kohakuvault from Ruby's sqlite3 gem (Debian: ruby-sqlite3).
#   ruby examples/ruby/example.rb [path/to/kohakuvault]
require "sqlite3"

mod = ARGV[0] || ENV["KV_MODULE"] || "./build/kohakuvault"

db = SQLite3::Database.new(":memory:")
db.enable_load_extension(true)
db.load_extension(mod)
db.enable_load_extension(false)

version, sqlite = db.get_first_row("select kohakuvault_version(), sqlite_version()")
puts "kohakuvault #{version} in SQLite #{sqlite}"

packed = db.get_first_value("select kv_pack('i32', 7)") # binary String
value = db.get_first_value("select kv_unpack('i32', ?)", SQLite3::Blob.new(packed))
puts "kv_pack('i32', 7) = #{packed.unpack1('H*').upcase} -> #{value}"

begin
  db.execute("select kv_pack('i8', 300)")
  abort "expected an error"
rescue SQLite3::Exception => e
  puts "error: #{e.message}"
end
