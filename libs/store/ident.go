package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what runs a statement: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// checkSchema accepts plain lower-case names only. Schema names are spliced into SQL (they
// cannot be parameters); they are also quoted, but a name that needs quoting is more
// likely a mistake than an intent, and would be awkward in every hand-written query.
func checkSchema(schema string) error {
	if schema == "" || len(schema) > 63 {
		return fmt.Errorf("store: schema name %q must be 1 to 63 characters", schema)
	}
	for i, r := range schema {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("store: schema name %q must be lower-case letters, digits and _, not starting with a digit", schema)
		}
	}
	if len(schema) >= 3 && schema[:3] == "pg_" {
		return fmt.Errorf("store: schema name %q: names starting with pg_ are reserved", schema)
	}
	return nil
}

// qualify returns schema.name, quoted for SQL.
func qualify(schema, name string) string {
	return pgx.Identifier{schema, name}.Sanitize()
}
