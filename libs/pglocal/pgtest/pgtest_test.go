package pgtest

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestURLGivesEachTestItsOwnDatabase(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 3)
	for _, name := range []string{"first", "second", "third"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := URL(t)
			conn, err := pgx.Connect(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(t.Context())
			var db string
			var tables int
			err = conn.QueryRow(t.Context(), `SELECT current_database(),
				(SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))`).Scan(&db, &tables)
			if err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("database %s is not empty: %d tables", db, tables)
			}
			// A table of the same name in every test: no clash, they are separate databases.
			if _, err := conn.Exec(t.Context(), "CREATE TABLE mine (id int)"); err != nil {
				t.Fatal(err)
			}
			seen <- db
		})
	}
	t.Cleanup(func() {
		close(seen)
		dbs := map[string]bool{}
		for db := range seen {
			dbs[db] = true
		}
		if len(dbs) != 3 {
			t.Errorf("want 3 distinct databases, got %v", dbs)
		}
	})
}

func TestDatabaseName(t *testing.T) {
	tests := []struct{ test, prefix string }{
		{"TestX", "t_testx_"},
		{"TestX/sub case-1", "t_testx_sub_case_1_"},
		{strings.Repeat("Long", 40), "t_" + strings.Repeat("long", 40)[:52] + "_"},
	}
	for _, tt := range tests {
		got := databaseName(tt.test)
		if !strings.HasPrefix(got, tt.prefix) || len(got) > 63 || len(got) != len(tt.prefix)+8 {
			t.Errorf("databaseName(%q) = %q, want %q + 8 hex digits, at most 63 bytes", tt.test, got, tt.prefix)
		}
	}
	if databaseName("T") == databaseName("T") {
		t.Error("two databases for one test name share a name")
	}
}
