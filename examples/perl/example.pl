#!/usr/bin/perl
# kohakuvault from Perl DBI + DBD::SQLite (Debian: libdbd-sqlite3-perl).
#   perl examples/perl/example.pl [path/to/kohakuvault]
use strict;
use warnings;
use DBI qw(:sql_types);

my $module = $ARGV[0] // $ENV{KV_MODULE} // "./build/kohakuvault";

my $dbh = DBI->connect("dbi:SQLite:dbname=:memory:", "", "", { RaiseError => 1, PrintError => 0 });
$dbh->sqlite_enable_load_extension(1);
$dbh->do("select load_extension(?)", undef, $module);
$dbh->sqlite_enable_load_extension(0);

my ($version, $sqlite) = $dbh->selectrow_array("select kohakuvault_version(), sqlite_version()");
print "kohakuvault $version in SQLite $sqlite\n";

my ($packed) = $dbh->selectrow_array("select kv_pack('i32', 7)");
my $sth = $dbh->prepare("select kv_unpack('i32', ?)");
$sth->bind_param(1, $packed, SQL_BLOB);  # without SQL_BLOB DBD::SQLite binds text
$sth->execute;
my ($value) = $sth->fetchrow_array;
printf "kv_pack('i32', 7) = %s -> %s\n", uc unpack("H*", $packed), $value;

eval { $dbh->selectrow_array("select kv_pack('i8', 300)"); 1 } and die "expected an error\n";
print "error: $DBI::errstr\n";
