"""What kvault_export and kvault_import do to each kind of path (the rules
are in src/kvault/files.hpp and docs/kvault.md): export writes only new files
and single-link regular files, keeping an existing file's mode and owner;
devices, FIFOs, symlinks, hard-linked files and directories are refused and
left exactly as they were; import reads regular files only."""
import os
import stat
import unittest

from kvtest import connect, error_of, temp_dir

DATA = b"exported bytes \x00\x01\x02"


class ExportTargets(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.conn = connect(os.path.join(self.dir, "f.db"), isolation_level=None)
        self.conn.execute("CREATE VIRTUAL TABLE media USING kvault")
        self.conn.execute("INSERT INTO media(key, value) VALUES ('k', ?)", (DATA,))

    def tearDown(self):
        self.conn.close()

    def path(self, name):
        return os.path.join(self.dir, name)

    def export(self, path):
        return self.conn.execute("SELECT kvault_export('media', 'k', ?)", (path,)).fetchone()[0]

    def export_error(self, path):
        return error_of(self.conn, "SELECT kvault_export('media', 'k', ?)", (path,))

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def assert_no_temp_files(self):
        self.assertEqual([n for n in os.listdir(self.dir) if ".kvault-" in n], [])

    def test_export_refuses_a_character_device(self):
        if os.geteuid() == 0:
            dev = self.path("null")  # a /dev/null of our own: nothing outside the test is at risk
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        else:
            dev = "/dev/null"  # replacing it is impossible without root anyway
        err = self.export_error(dev)
        self.assertIn("character device", err or "")
        self.assertTrue(stat.S_ISCHR(os.lstat(dev).st_mode))
        self.assert_no_temp_files()

    def test_export_refuses_a_fifo_and_does_not_block(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        self.assertIn("a FIFO", self.export_error(fifo) or "")
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assert_no_temp_files()

    def test_export_refuses_a_symlink_and_leaves_link_and_target(self):
        target = self.path("target.bin")
        with open(target, "wb") as f:
            f.write(b"old")
        link = self.path("link.bin")
        os.symlink(target, link)
        self.assertIn("symbolic link", self.export_error(link) or "")
        self.assertTrue(os.path.islink(link))
        self.assertEqual(self.read(target), b"old")
        dangling = self.path("dangling.bin")
        os.symlink(self.path("nowhere.bin"), dangling)
        self.assertIn("symbolic link", self.export_error(dangling) or "")
        self.assertFalse(os.path.exists(self.path("nowhere.bin")))
        self.assert_no_temp_files()

    def test_export_through_a_symlinked_directory_writes_the_file(self):
        real = self.path("real")
        os.mkdir(real)
        os.symlink(real, self.path("dirlink"))
        self.assertEqual(self.export(os.path.join(self.path("dirlink"), "out.bin")), len(DATA))
        self.assertEqual(self.read(os.path.join(real, "out.bin")), DATA)

    def test_export_refuses_a_hard_linked_file(self):
        first = self.path("first.bin")
        with open(first, "wb") as f:
            f.write(b"old")
        os.link(first, self.path("second.bin"))
        self.assertIn("hard links", self.export_error(first) or "")
        self.assertEqual(os.stat(first).st_nlink, 2)
        self.assertEqual(os.stat(first).st_ino, os.stat(self.path("second.bin")).st_ino)
        self.assertEqual(self.read(first), b"old")
        self.assert_no_temp_files()

    def test_export_over_a_0600_file_keeps_0600(self):
        secret = self.path("secret.bin")
        with open(secret, "wb") as f:
            f.write(b"old")
        os.chmod(secret, 0o600)
        self.assertEqual(self.export(secret), len(DATA))
        self.assertEqual(self.read(secret), DATA)
        self.assertEqual(stat.S_IMODE(os.stat(secret).st_mode), 0o600)
        os.chmod(secret, 0o640)
        self.export(secret)
        self.assertEqual(stat.S_IMODE(os.stat(secret).st_mode), 0o640)

    def test_export_drops_setuid_bits_of_the_replaced_file(self):
        f = self.path("suid.bin")
        with open(f, "wb") as out:
            out.write(b"old")
        os.chmod(f, 0o4755)
        self.export(f)
        self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o755)

    def test_export_keeps_the_owner_of_a_replaced_file(self):
        if os.geteuid() != 0:
            self.skipTest("changing a file's owner needs root")
        f = self.path("owned.bin")
        with open(f, "wb") as out:
            out.write(b"old")
        os.chown(f, 4321, 4322)
        self.export(f)
        st = os.stat(f)
        self.assertEqual((st.st_uid, st.st_gid), (4321, 4322))
        self.assertEqual(self.read(f), DATA)

    def test_export_refuses_a_read_only_file(self):
        if os.geteuid() == 0:
            self.skipTest("root may write any file")
        f = self.path("ro.bin")
        with open(f, "wb") as out:
            out.write(b"old")
        os.chmod(f, 0o444)
        self.assertIn("not writable", self.export_error(f) or "")
        self.assertEqual(self.read(f), b"old")

    def test_export_new_file_mode_follows_the_umask(self):
        for umask, expected in ((0o077, 0o600), (0o022, 0o644)):
            old = os.umask(umask)
            try:
                out = self.path(f"new{umask:o}.bin")
                self.assertEqual(self.export(out), len(DATA))
            finally:
                os.umask(old)
            self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), expected)
            self.assertEqual(self.read(out), DATA)
        self.assert_no_temp_files()

    def test_export_refuses_a_directory(self):
        d = self.path("adir")
        os.mkdir(d)
        for p in (d, d + "/", self.dir + "/."):
            self.assertIn("directory", self.export_error(p) or "", p)
        self.assertTrue(os.path.isdir(d))
        self.assert_no_temp_files()

    def test_export_into_a_missing_directory(self):
        err = self.export_error(self.path("missing/out.bin"))
        self.assertIn("does not exist", err or "")
        self.assertFalse(os.path.exists(self.path("missing")))

    def test_a_path_with_a_nul_byte_is_refused_not_cut(self):
        cut = self.path("cut.bin")
        self.assertIn("NUL byte", self.export_error(cut + "\x00.evil") or "")
        self.assertFalse(os.path.exists(cut))
        with open(cut, "wb") as f:
            f.write(b"old")
        self.assertIn("NUL byte", error_of(self.conn, "SELECT kvault_import('media', 'n', ?)", (cut + "\x00x",)) or "")
        self.assertEqual(self.read(cut), b"old")
        self.assertEqual(self.conn.execute("SELECT count(*) FROM media WHERE key = 'n'").fetchone()[0], 0)

    def test_export_replaces_a_plain_file_whole(self):
        f = self.path("plain.bin")
        with open(f, "wb") as out:
            out.write(b"x" * 1000)
        self.assertEqual(self.export(f), len(DATA))
        self.assertEqual(self.read(f), DATA)
        self.assertEqual(os.stat(f).st_nlink, 1)
        self.assert_no_temp_files()


class ImportSources(unittest.TestCase):
    def setUp(self):
        self.dir = temp_dir(self)
        self.conn = connect(os.path.join(self.dir, "f.db"), isolation_level=None)
        self.conn.execute("CREATE VIRTUAL TABLE media USING kvault")

    def tearDown(self):
        self.conn.close()

    def import_error(self, path):
        return error_of(self.conn, "SELECT kvault_import('media', 'k', ?)", (path,))

    def test_import_refuses_devices_without_reading_them(self):
        for dev, kind in (("/dev/zero", "character device"), ("/dev/urandom", "character device")):
            self.assertIn(kind, self.import_error(dev) or "", dev)
        self.assertEqual(self.conn.execute("SELECT count(*) FROM media").fetchone()[0], 0)

    def test_import_refuses_a_fifo_and_does_not_block(self):
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        self.assertIn("a FIFO", self.import_error(fifo) or "")
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))

    def test_import_follows_a_symlink_to_a_regular_file(self):
        target = os.path.join(self.dir, "t.bin")
        with open(target, "wb") as f:
            f.write(DATA)
        os.symlink(target, os.path.join(self.dir, "l.bin"))
        n = self.conn.execute("SELECT kvault_import('media', 'k', ?)", (os.path.join(self.dir, "l.bin"),)).fetchone()[0]
        self.assertEqual(n, len(DATA))
        self.assertEqual(self.conn.execute("SELECT value FROM media WHERE key = 'k'").fetchone()[0], DATA)


if __name__ == "__main__":
    unittest.main()
