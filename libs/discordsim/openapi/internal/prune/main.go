// Command prune cuts Discord's OpenAPI description down to what request validation reads:
// every operation's requestBody and the component schemas those bodies reference, without
// responses, parameters and examples. The full description is 1.2 MB; the pruned one is a
// fraction of that, which is what every simulator scans when it starts validating.
//
//	go run ./internal/prune -in /path/to/discord-api-spec/openapi.json -out openapi.json
//
// The output is deterministic (sorted keys, indented), so regenerating an unchanged input
// changes nothing.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	in := flag.String("in", "", "Discord's openapi.json")
	out := flag.String("out", "openapi.json", "where to write the pruned description")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "prune:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if in == "" {
		return fmt.Errorf("-in is required")
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	pruned, err := prune(raw)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, pruned, 0o644); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	fmt.Fprintf(os.Stderr, "prune: %d bytes → %d bytes\n", len(raw), len(pruned))
	return nil
}

type document struct {
	OpenAPI    string                                `json:"openapi"`
	Info       json.RawMessage                       `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func prune(raw []byte) ([]byte, error) {
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	paths := map[string]map[string]any{}
	var queue []string
	for path, methods := range doc.Paths {
		ops := map[string]any{}
		for method, op := range methods {
			if method == "parameters" || strings.HasPrefix(method, "x-") {
				continue
			}
			var o struct {
				RequestBody json.RawMessage `json:"requestBody"`
			}
			if err := json.Unmarshal(op, &o); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			kept := map[string]any{}
			if len(o.RequestBody) > 0 {
				kept["requestBody"] = o.RequestBody
				queue = append(queue, refs(o.RequestBody)...)
			}
			ops[method] = kept
		}
		paths[path] = ops
	}
	schemas := map[string]json.RawMessage{}
	for len(queue) > 0 {
		name := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if _, done := schemas[name]; done {
			continue
		}
		s, ok := doc.Components.Schemas[name]
		if !ok {
			return nil, fmt.Errorf("unresolvable $ref to %q", name)
		}
		schemas[name] = s
		queue = append(queue, refs(s)...)
	}
	out := map[string]any{
		"openapi":    doc.OpenAPI,
		"info":       doc.Info,
		"paths":      paths,
		"components": map[string]any{"schemas": schemas},
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", " "); err != nil {
		return nil, fmt.Errorf("indent: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// refs lists the component schemas a JSON value references.
func refs(raw json.RawMessage) []string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, c := range t {
				if s, ok := c.(string); ok && k == "$ref" {
					if name, ok := strings.CutPrefix(s, "#/components/schemas/"); ok {
						out = append(out, name)
					}
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}
