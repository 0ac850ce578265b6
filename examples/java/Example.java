// kohakuvault from Java: JDBC + xerial sqlite-jdbc (Debian: libxerial-sqlite-jdbc-java).
//
//   javac -cp /usr/share/java/xerial-sqlite-jdbc.jar -d out Example.java
//   java -cp out:/usr/share/java/xerial-sqlite-jdbc.jar Example [path/to/kohakuvault]
//
// Extension loading is off by default: enable it in SQLiteConfig, then call
// load_extension() from SQL. (Upstream's jar bundles its own SQLite; Debian's
// links the system one.)
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

public final class Example {
  public static void main(String[] args) throws SQLException {
    String env = System.getenv("KV_MODULE");
    String module = args.length > 0 ? args[0] : env != null ? env : "./build/kohakuvault";

    SQLiteConfig config = new SQLiteConfig();
    config.enableLoadExtension(true);
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite::memory:", config.toProperties())) {
      try (PreparedStatement st = conn.prepareStatement("select load_extension(?)")) {
        st.setString(1, module);
        st.execute();
      }
      try (ResultSet rs = conn.createStatement().executeQuery("select kohakuvault_version(), sqlite_version()")) {
        rs.next();
        System.out.println("kohakuvault " + rs.getString(1) + " in SQLite " + rs.getString(2));
      }
      byte[] packed;
      try (ResultSet rs = conn.createStatement().executeQuery("select kv_pack('i32', 7)")) {
        rs.next();
        packed = rs.getBytes(1);
      }
      try (PreparedStatement st = conn.prepareStatement("select kv_unpack('i32', ?)")) {
        st.setBytes(1, packed);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          StringBuilder hex = new StringBuilder();
          for (byte b : packed) hex.append(String.format("%02X", b));
          System.out.println("kv_pack('i32', 7) = " + hex + " -> " + rs.getLong(1));
        }
      }
      try {
        conn.createStatement().executeQuery("select kv_pack('i8', 300)").next();
        throw new IllegalStateException("expected an error");
      } catch (SQLException e) {
        System.out.println("error: " + e.getMessage()); // [SQLITE_ERROR] ... (kohakuvault: ...)
      }
    }
  }
}
