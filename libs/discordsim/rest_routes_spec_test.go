package discordsim

import (
	"testing"

	"github.com/novera-bot/novera/libs/discordsim/openapi"
)

// TestEveryRouteIsInDiscordsDescription guards against drift: every REST route the simulator
// serves is an operation of Discord's OpenAPI description, so its bodies are validated.
func TestEveryRouteIsInDiscordsDescription(t *testing.T) {
	t.Parallel()
	spec, err := openapi.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Options{})
	defer srv.Close()
	for _, rt := range srv.routes {
		op, err := spec.Operation(rt.method, rt.pattern)
		if err != nil {
			t.Errorf("%s %s: %v", rt.method, rt.pattern, err)
			continue
		}
		takesBody := rt.method == "POST" || rt.method == "PATCH" || rt.method == "PUT"
		if takesBody && op.Body == nil {
			t.Logf("%s %s takes no body", rt.method, rt.pattern)
		}
	}
}
