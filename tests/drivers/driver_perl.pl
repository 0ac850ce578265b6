#!/usr/bin/perl
# Driver check: Perl DBI + DBD::SQLite (libdbd-sqlite3-perl, built against the
# system SQLite). Runs checks.tsv (format described there).
use strict;
use warnings;
use DBI qw(:sql_types);
use File::Basename qw(dirname);
use File::Spec;

my $here = dirname(File::Spec->rel2abs(__FILE__));
my $module = $ENV{KV_MODULE} // "$here/../../build/kohakuvault";
my $checks = $ENV{KV_DRIVER_CHECKS} // "$here/checks.tsv";

my $dbh = DBI->connect("dbi:SQLite:dbname=:memory:", "", "",
                       { RaiseError => 1, PrintError => 0, AutoCommit => 1 });
$dbh->sqlite_enable_load_extension(1);
$dbh->do("select load_extension(?)", undef, $module);
$dbh->sqlite_enable_load_extension(0);

# First column of the first row as text; NULL as the string NULL.
sub first {
  my ($sql, @blobs) = @_;
  my $sth = $dbh->prepare($sql);
  $sth->bind_param($_ + 1, $blobs[$_], SQL_BLOB) for 0 .. $#blobs;
  $sth->execute;
  my $row = $sth->fetchrow_arrayref;
  my $v = $row ? $row->[0] : undef;
  $sth->finish;
  return defined $v ? "$v" : "NULL";
}

sub check_one {
  my ($kind, $sql, $sql2, $expected) = @_;
  my $got;
  if ($kind eq "exec") { $dbh->do($sql); return "" }
  elsif ($kind eq "eq") { $got = first($sql) }
  elsif ($kind eq "bind") {
    my ($blob) = $dbh->selectrow_array($sql);
    $got = first($sql2, $blob);
  }
  elsif ($kind eq "error") {
    eval { $dbh->do($sql); 1 } and return "succeeded, expected an error";
    my $msg = $DBI::errstr // "$@";
    return index($msg, $expected) >= 0 ? "" : "error '$msg' does not contain '$expected'";
  }
  else { return "unknown kind $kind" }
  return $got eq $expected ? "" : "got '$got', expected '$expected'";
}

my ($passed, $failed, $skipped) = (0, 0, 0);
open(my $fh, "<:encoding(UTF-8)", $checks) or die "cannot open $checks: $!";
while (my $line = <$fh>) {
  chomp $line;
  next if $line eq "" || $line =~ /^#/;
  my ($kind, $requires, $name, $sql, $sql2, $expected) = split /\t/, $line, -1;
  if ($requires ne "-") {
    my ($n) = $dbh->selectrow_array(
      "select (select count(*) from pragma_function_list where name = ?)"
      . " + (select count(*) from pragma_module_list where name = ?)", undef, $requires, $requires);
    if ($n == 0) { print "skip $name ($requires not registered)\n"; $skipped++; next }
  }
  my $problem = eval { check_one($kind, $sql, $sql2, $expected) } // "raised: $@";
  if ($problem eq "") { print "ok $name\n"; $passed++ }
  else { print "FAIL $name: $problem\n"; $failed++ }
}
close $fh;
print "perl: $passed passed, $failed failed, $skipped skipped\n";
exit($failed ? 1 : 0);
