#!/usr/bin/env ruby
# Driver check: Ruby's sqlite3 gem (ruby-sqlite3, built against the system
# SQLite). Runs checks.tsv (format described there).
require "sqlite3"

here = File.expand_path(__dir__)
module_path = ENV["KV_MODULE"] || File.join(here, "..", "..", "build", "kohakuvault")
checks = ENV["KV_DRIVER_CHECKS"] || File.join(here, "checks.tsv")

db = SQLite3::Database.new(":memory:")
db.enable_load_extension(true)
db.load_extension(module_path)
db.enable_load_extension(false)

# First column of the first row as text; NULL as the string NULL.
first = lambda do |sql, *params|
  v = db.get_first_value(sql, *params)
  v.nil? ? "NULL" : v.to_s
end

check_one = lambda do |kind, sql, sql2, expected|
  case kind
  when "exec"
    db.execute(sql)
    return nil
  when "eq"
    got = first.call(sql)
  when "bind"
    blob = db.get_first_value(sql)
    return "expected a BLOB, got #{blob.inspect}" unless blob.is_a?(String) && blob.encoding == Encoding::BINARY
    got = first.call(sql2, SQLite3::Blob.new(blob))
  when "error"
    begin
      db.execute(sql)
    rescue SQLite3::Exception => e
      return e.message.include?(expected) ? nil : "error #{e.message.inspect} does not contain #{expected.inspect}"
    end
    return "succeeded, expected an error"
  else
    return "unknown kind #{kind}"
  end
  got == expected ? nil : "got #{got.inspect}, expected #{expected.inspect}"
end

passed = failed = skipped = 0
File.foreach(checks, encoding: "UTF-8") do |line|
  line = line.chomp
  next if line.empty? || line.start_with?("#")
  kind, requires, name, sql, sql2, expected = line.split("\t", -1)
  if requires != "-"
    n = db.get_first_value("select (select count(*) from pragma_function_list where name = ?1) " \
                           "+ (select count(*) from pragma_module_list where name = ?1)", requires)
    if n.zero?
      puts "skip #{name} (#{requires} not registered)"
      skipped += 1
      next
    end
  end
  problem = begin
    check_one.call(kind, sql, sql2, expected)
  rescue StandardError => e
    "raised #{e.class}: #{e.message}"
  end
  if problem.nil?
    puts "ok #{name}"
    passed += 1
  else
    puts "FAIL #{name}: #{problem}"
    failed += 1
  end
end
puts "ruby: #{passed} passed, #{failed} failed, #{skipped} skipped"
exit(failed.positive? ? 1 : 0)
