// Driver check: Java JDBC + xerial sqlite-jdbc (Debian's
// libxerial-sqlite-jdbc-java; its JNI library links the system SQLite, where
// upstream's jar bundles its own). Extension loading must be enabled on the
// connection (SQLiteConfig.enableLoadExtension) before `select load_extension(?)`.
// Runs checks.tsv (format described there). Built by tests/drivers/run.sh.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

public final class DriverCheck {
  private final Connection conn;

  private DriverCheck(Connection conn) {
    this.conn = conn;
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /** First column of the first row as text; NULL as the string "NULL". */
  private String first(String sql, byte[]... blobs) throws SQLException {
    try (PreparedStatement st = conn.prepareStatement(sql)) {
      for (int i = 0; i < blobs.length; i++) st.setBytes(i + 1, blobs[i]);
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) return "NULL";
        Object v = rs.getObject(1);
        return v == null ? "NULL" : v.toString();
      }
    }
  }

  private String checkOne(String kind, String sql, String sql2, String expected) throws SQLException {
    String got;
    switch (kind) {
      case "exec":
        try (Statement st = conn.createStatement()) {
          st.execute(sql);
        }
        return null;
      case "eq":
        got = first(sql);
        break;
      case "bind":
        byte[] blob;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
          rs.next();
          blob = rs.getBytes(1);
        }
        got = first(sql2, blob);
        break;
      case "error":
        try (Statement st = conn.createStatement()) {
          st.execute(sql);
        } catch (SQLException e) {
          String msg = String.valueOf(e.getMessage());
          return msg.contains(expected) ? null : "error '" + msg + "' does not contain '" + expected + "'";
        }
        return "succeeded, expected an error";
      default:
        return "unknown kind " + kind;
    }
    return got.equals(expected) ? null : "got '" + got + "', expected '" + expected + "'";
  }

  public static void main(String[] args) throws Exception {
    String here = env("KV_SOURCE_DIR", ".") + "/tests/drivers";
    String module = env("KV_MODULE", here + "/../../build/kohakuvault");
    String checks = env("KV_DRIVER_CHECKS", here + "/checks.tsv");

    SQLiteConfig config = new SQLiteConfig();
    config.enableLoadExtension(true);
    Connection conn = DriverManager.getConnection("jdbc:sqlite::memory:", config.toProperties());
    try (PreparedStatement st = conn.prepareStatement("select load_extension(?)")) {
      st.setString(1, module);
      st.execute();
    }
    DriverCheck d = new DriverCheck(conn);

    int passed = 0, failed = 0, skipped = 0;
    for (String line : Files.readAllLines(Path.of(checks), StandardCharsets.UTF_8)) {
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] f = line.split("\t", -1);
      if (f.length != 6) throw new IllegalArgumentException("checks file: expected 6 fields: " + line);
      String kind = f[0], requires = f[1], name = f[2];
      if (!requires.equals("-")) {
        String n = d.first("select (select count(*) from pragma_function_list where name = '" + requires
            + "') + (select count(*) from pragma_module_list where name = '" + requires + "')");
        if (n.equals("0")) {
          System.out.println("skip " + name + " (" + requires + " not registered)");
          skipped++;
          continue;
        }
      }
      String problem;
      try {
        problem = d.checkOne(kind, f[3], f[4], f[5]);
      } catch (SQLException e) {
        problem = "raised: " + e.getMessage();
      }
      if (problem == null) {
        System.out.println("ok " + name);
        passed++;
      } else {
        System.out.println("FAIL " + name + ": " + problem);
        failed++;
      }
    }
    conn.close();
    System.out.println("java: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
    System.exit(failed > 0 ? 1 : 0);
  }
}
