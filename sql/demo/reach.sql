-- Reach: what loading added, and the one line a support question needs.
.print '== what loading kohakuvault added to this connection'
select type, count(*) as n, group_concat(name, char(10)) as names
from (select distinct 'function' as type, name from pragma_function_list where name like 'kv%' or name like 'kohakuvault%'
      union all
      select 'module', name from pragma_module_list where name like 'kv%'
      order by 1, 2)
group by type;

.print '== kohakuvault_debug(): versions and build, for bug reports'
select kohakuvault_debug() as debug;
