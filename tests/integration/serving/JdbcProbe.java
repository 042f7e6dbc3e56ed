import java.sql.*;

/**
 * What a JDBC-based BI tool (Metabase, DBeaver, Tableau's JDBC path) does on connect: product
 * version, schemas, tables and columns through DatabaseMetaData, then a prepared query.
 * Run by test_serving_jdbc.py: java -cp postgresql.jar JdbcProbe.java URL USER PASSWORD
 */
public class JdbcProbe {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        try (Connection con = DriverManager.getConnection(url, args[1], args[2])) {
            DatabaseMetaData meta = con.getMetaData();
            System.out.println("product " + meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion());
            try (ResultSet rs = meta.getSchemas()) { while (rs.next()) System.out.println("schema " + rs.getString("TABLE_SCHEM")); }
            try (ResultSet rs = meta.getTables(null, "marts", "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) System.out.println("table " + rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
            }
            try (ResultSet rs = meta.getColumns(null, "marts", "mart_issue_alerts", "%")) {
                while (rs.next()) System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("DATA_TYPE"));
            }
            try (PreparedStatement st = con.prepareStatement("select polres_id, count(*) as posts, max(created_at) as last_post from marts.fct_posts where platform = ? group by 1 order by 2 desc")) {
                st.setString(1, "x");
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) System.out.println("row " + rs.getString(1) + " " + rs.getLong(2) + " " + rs.getTimestamp(3));
                }
            }
        }
    }
}
