-- kohakuvault core: loading, version, debug.
select 'version_text', typeof(kohakuvault_version()) = 'text';
select 'version_semver', kohakuvault_version() glob '[0-9]*.[0-9]*.[0-9]*';
select 'debug_names_sqlite', instr(kohakuvault_debug(), 'sqlite_running: ' || sqlite_version()) > 0;
select 'debug_names_version', instr(kohakuvault_debug(), 'version: ' || kohakuvault_version()) > 0;
select kohakuvault_version(1); -- error: wrong number of arguments
