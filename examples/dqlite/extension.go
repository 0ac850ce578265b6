package main

// Registers kohakuvault with the process's SQLite (the system libsqlite3 that
// libdqlite links) through sqlite3_auto_extension, so that every database
// connection dqlite opens afterwards - leader connections, the connections a
// follower uses when it becomes leader - has the extension's functions and
// modules. It must run before the node starts.
//
// The module is found with dlopen/dlsym: the module exports exactly
// sqlite3_kohakuvault_init and links no SQLite of its own, so it uses the
// libsqlite3 already in this process.

/*
#cgo LDFLAGS: -ldl -lsqlite3
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <sqlite3.h>

// Returns NULL on success, else a message (static storage, valid until the
// next dl* call).
static const char *kv_register_extension(const char *path) {
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) return dlerror();
	void *init = dlsym(handle, "sqlite3_kohakuvault_init");
	if (init == NULL) return dlerror();
	if (sqlite3_auto_extension((void (*)(void))init) != SQLITE_OK)
		return "sqlite3_auto_extension failed";
	return NULL;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// registerExtension loads the module at path (e.g. build/kohakuvault.so) and
// registers its entry point for every SQLite connection opened from now on.
func registerExtension(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.kv_register_extension(cpath); msg != nil {
		return fmt.Errorf("register %s: %s", path, C.GoString(msg))
	}
	return nil
}
