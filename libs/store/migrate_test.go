package store

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
)

// counted migrations leave a trace of every run in applied_runs, so running one twice shows.
func counted() fstest.MapFS {
	return fstest.MapFS{
		"0001_init.sql": {Data: []byte(`
			CREATE TABLE applied_runs (version int);
			INSERT INTO applied_runs VALUES (1);
			CREATE TABLE headpats (id bigserial PRIMARY KEY, giver text NOT NULL);`)},
		"0002_more.sql": {Data: []byte(`
			INSERT INTO applied_runs VALUES (2);
			ALTER TABLE headpats ADD COLUMN receiver text;`)},
		"README.md": {Data: []byte("not a migration")},
	}
}

func TestMigrateAppliesOnce(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	ctx := testContext(t)
	for run := 1; run <= 3; run++ {
		if err := Migrate(ctx, pool, "fun", counted()); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM fun.applied_runs"); got != 2 {
		t.Errorf("migrations ran %d times in all, want 2 (once each)", got)
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM fun.schema_migrations"); got != 2 {
		t.Errorf("schema_migrations has %d rows, want 2", got)
	}
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM fun.schema_migrations WHERE version = 2").Scan(&name); err != nil || name != "0002_more.sql" {
		t.Errorf("version 2 recorded as %q, %v", name, err)
	}
	// The base tables come along.
	mustExec(t, pool, "SELECT event_id, handled_at, payload, done_at FROM fun.handled_events")
	// A later file is applied on the next start.
	more := counted()
	more["0003_index.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO applied_runs VALUES (3); CREATE INDEX ON headpats (giver);")}
	if err := Migrate(ctx, pool, "fun", more); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM fun.applied_runs"); got != 3 {
		t.Errorf("after adding 0003: %d runs, want 3", got)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := testContext(t)
	const replicas = 5
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		// A pool each, as replicas of a service would have.
		pool := openPoolAt(t, url, WithMaxConns(2))
		wg.Go(func() { errs[i] = Migrate(ctx, pool, "fun", counted()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	pool := openPoolAt(t, url)
	if got := queryInt(t, pool, "SELECT count(*) FROM fun.applied_runs"); got != 2 {
		t.Errorf("migrations ran %d times in all, want 2", got)
	}
}

func TestMigrateSchemaIsolation(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	ctx := testContext(t)
	for _, schema := range []string{"fun", "league"} {
		if err := Migrate(ctx, pool, schema, counted()); err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
	}
	mustExec(t, pool, "INSERT INTO fun.headpats (giver) VALUES ('a'), ('b')")
	if got := queryInt(t, pool, "SELECT count(*) FROM league.headpats"); got != 0 {
		t.Errorf("league sees fun's rows: %d", got)
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"); got != 0 {
		t.Errorf("migrations created %d tables in public", got)
	}
	// One schema's history does not stand in for another's.
	changed := fstest.MapFS{"0001_init.sql": {Data: []byte("CREATE TABLE other (id int);")}}
	if err := Migrate(ctx, pool, "community", changed); err != nil {
		t.Fatalf("community: %v", err)
	}
}

func TestMigrateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		first fs.FS // applied before, if not nil
		then  fs.FS
		want  error  // errors.Is target, if not nil
		text  string // else a part of the message
	}{
		{
			name:  "changed applied file",
			first: counted(),
			then: func() fs.FS {
				m := counted()
				m["0002_more.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE headpats ADD COLUMN receiver_id bigint;")}
				return m
			}(),
			want: ErrMigrationChanged,
		},
		{
			name:  "new file below an applied version",
			first: fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "0003_c.sql": {Data: []byte("SELECT 1")}},
			then:  fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "0002_b.sql": {Data: []byte("SELECT 1")}, "0003_c.sql": {Data: []byte("SELECT 1")}},
			want:  ErrMigrationOrder,
		},
		{
			name: "badly named file",
			then: fstest.MapFS{"init.sql": {Data: []byte("SELECT 1")}},
			text: "not named NNNN_name.sql",
		},
		{
			name: "duplicate version",
			then: fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "01_b.sql": {Data: []byte("SELECT 1")}},
			text: "share version 1",
		},
		{
			name: "failing SQL",
			then: fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE t (id int); SELECT no_such_function()")}},
			text: "0001_a.sql",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := openPool(t)
			ctx := testContext(t)
			if tt.first != nil {
				if err := Migrate(ctx, pool, "fun", tt.first); err != nil {
					t.Fatal(err)
				}
			}
			err := Migrate(ctx, pool, "fun", tt.then)
			switch {
			case err == nil:
				t.Fatal("Migrate succeeded")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("error %v is not %v", err, tt.want)
			case tt.want == nil && !strings.Contains(err.Error(), tt.text):
				t.Fatalf("error %q does not mention %q", err, tt.text)
			}
		})
	}
}

func TestMigrateFailedFileLeavesNoTrace(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	ctx := testContext(t)
	bad := fstest.MapFS{
		"0001_ok.sql":  {Data: []byte("CREATE TABLE kept (id int)")},
		"0002_bad.sql": {Data: []byte("CREATE TABLE half (id int); SELECT 1/0")},
	}
	if err := Migrate(ctx, pool, "fun", bad); err == nil {
		t.Fatal("Migrate succeeded")
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM pg_tables WHERE schemaname = 'fun' AND tablename IN ('kept', 'half')"); got != 1 {
		t.Errorf("%d of kept/half exist, want only kept: a failed file must roll back whole", got)
	}
	if got := queryInt(t, pool, "SELECT max(version) FROM fun.schema_migrations"); got != 1 {
		t.Errorf("recorded up to version %d, want 1", got)
	}
	// The advisory lock was released: a fixed file applies.
	bad["0002_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE half (id int)")}
	if err := Migrate(ctx, pool, "fun", bad); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}

func TestCheckSchema(t *testing.T) {
	for _, s := range []string{"fun", "league_2", "_x"} {
		if err := checkSchema(s); err != nil {
			t.Errorf("checkSchema(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "Fun", "2fun", "fun-x", `fun"`, "pg_temp", strings.Repeat("a", 64)} {
		if err := checkSchema(s); err == nil {
			t.Errorf("checkSchema(%q) accepted it", s)
		}
	}
}
