-- kohakuvault quickstart: run with `make demo`, or
--   sqlite3 -cmd '.load ./build/kohakuvault' :memory: < sql/quickstart.sql
.headers on
.mode box

.print '== kohakuvault is loaded'
select kohakuvault_version() as version, sqlite_version() as sqlite;
.read sql/demo/kvault.sql
.read sql/demo/reach.sql
.read sql/demo/datapacker.sql
.read sql/demo/msgpack.sql
.read sql/demo/kvcolumn.sql
.read sql/demo/kvcolumn_raw.sql
.read sql/demo/kvcolumn_set.sql
.read sql/demo/kvindex.sql
