// Package openapi validates Discord REST request bodies against Discord's own OpenAPI
// description of its HTTP API. A copy of discord/discord-api-spec's openapi.json, pruned by
// internal/prune to the request bodies and the schemas they reference, is embedded.
//
// It is a focused JSON Schema validator, not a general one: it understands exactly the
// keywords that description uses (type, $ref, properties, required, items,
// additionalProperties, oneOf/anyOf/allOf, const, enum, min/max length, items and properties,
// minimum/maximum, uniqueItems, pattern and the formats snowflake, date-time and uri) and
// reports failures the way Discord does in a 50035 "Invalid Form Body": a field path
// ("0.name", "embeds.2.fields.0.value") with an error code and a message. Unions are
// discriminated the way Discord's are: by constant fields ("type": 2) and by which branch
// declares the fields the body uses.
//
// Where Discord's validators are more lenient than the schema says, the validator follows
// Discord: integers may be sent as decimal strings (discordgo sends permission bitfields that
// way) and snowflakes as JSON numbers.
package openapi

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// embedded is Discord's description (discord/discord-api-spec, MIT licence, see
// LICENSE.discord-api-spec) pruned to request bodies and the schemas they reference.
//
//go:generate go run ./internal/prune -in ../../../../shared/discord-api-spec/openapi.json -out openapi.json
//go:embed openapi.json
var embedded []byte

// Spec is a parsed OpenAPI description. Parse only indexes the document; an operation's
// schema (and the component schemas it references) is compiled the first time it is asked
// for, so a simulator pays for the few operations it serves, not for all of Discord's API.
// A Spec is safe for concurrent use; compiled schemas are never changed afterwards.
type Spec struct {
	mu         sync.Mutex
	rawSchemas map[string]json.RawMessage
	schemas    map[string]*Schema
	// rawOps and ops are keyed "METHOD /path/{}/template" (parameter names erased).
	rawOps   map[string]rawOperation
	ops      map[string]*Operation
	resolved map[*Schema]bool
}

type rawOperation struct {
	method, path string
	raw          json.RawMessage
}

// ErrUnknownOperation reports a method and path the description does not have.
var ErrUnknownOperation = errors.New("openapi: no such operation")

// Operation is one method on one path.
type Operation struct {
	Method string
	Path   string
	// Body is the JSON request-body schema; nil when the operation takes no body.
	Body *Schema
	// BodyRequired reports requestBody.required.
	BodyRequired bool
}

// Schema is one JSON Schema node, decoded from the description.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 typeList           `json:"type"`
	Format               string             `json:"format"`
	Properties           map[string]*Schema `json:"properties"`
	Required             []string           `json:"required"`
	Items                *Schema            `json:"items"`
	AdditionalProperties *boolOrSchema      `json:"additionalProperties"`
	OneOf                []*Schema          `json:"oneOf"`
	AnyOf                []*Schema          `json:"anyOf"`
	AllOf                []*Schema          `json:"allOf"`
	Const                json.RawMessage    `json:"const"`
	Enum                 []json.RawMessage  `json:"enum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
	MinProperties        *int               `json:"minProperties"`
	MaxProperties        *int               `json:"maxProperties"`
	Minimum              json.Number        `json:"minimum"`
	Maximum              json.Number        `json:"maximum"`
	UniqueItems          bool               `json:"uniqueItems"`
	Pattern              string             `json:"pattern"`
	Title                string             `json:"title"`

	ref     *Schema        // resolved Ref
	pattern *regexp.Regexp // compiled Pattern; nil when RE2 cannot express it
	consts  []any          // decoded Const (one element) or Enum
}

// typeList is "type": a single name or a list of names.
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	*t = many
	return nil
}

func (t typeList) has(name string) bool {
	for _, x := range t {
		if x == name {
			return true
		}
	}
	return false
}

// boolOrSchema is additionalProperties: false, true or a schema.
type boolOrSchema struct {
	allowed bool
	schema  *Schema
}

func (b *boolOrSchema) UnmarshalJSON(raw []byte) error {
	if err := json.Unmarshal(raw, &b.allowed); err == nil {
		return nil
	}
	b.allowed = true
	b.schema = &Schema{}
	return json.Unmarshal(raw, b.schema)
}

// Embedded indexes the copy of Discord's description built into the package.
func Embedded() (*Spec, error) { return Parse(embedded) }

// Parse indexes an OpenAPI 3.1 description. Schemas are compiled on first use; Check
// compiles everything at once.
func Parse(b []byte) (*Spec, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
		Comps struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	s := &Spec{rawSchemas: doc.Comps.Schemas, schemas: map[string]*Schema{}, rawOps: map[string]rawOperation{},
		ops: map[string]*Operation{}, resolved: map[*Schema]bool{}}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			if method == "parameters" || strings.HasPrefix(method, "x-") {
				continue
			}
			m := strings.ToUpper(method)
			s.rawOps[opKey(m, path)] = rawOperation{method: m, path: path, raw: raw}
		}
	}
	return s, nil
}

// Check compiles every operation and schema, reporting the first that cannot be compiled
// (bad JSON, an unresolvable $ref).
func (s *Spec) Check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.rawOps {
		if _, err := s.operationLocked(key); err != nil {
			return err
		}
	}
	for name := range s.rawSchemas {
		if _, err := s.schemaLocked(name); err != nil {
			return err
		}
	}
	return nil
}

// Operation finds an operation by method and path template ("/channels/{channel_id}"; the
// parameter names do not matter) and compiles its body schema.
func (s *Spec) Operation(method, pathTemplate string) (*Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.operationLocked(opKey(method, pathTemplate))
}

func (s *Spec) operationLocked(key string) (*Operation, error) {
	if o, ok := s.ops[key]; ok {
		return o, nil
	}
	ro, ok := s.rawOps[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownOperation, key)
	}
	var op struct {
		RequestBody *struct {
			Required bool `json:"required"`
			Content  map[string]struct {
				Schema *Schema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	if err := json.Unmarshal(ro.raw, &op); err != nil {
		return nil, fmt.Errorf("openapi: %s %s: %w", ro.method, ro.path, err)
	}
	o := &Operation{Method: ro.method, Path: ro.path}
	if rb := op.RequestBody; rb != nil {
		o.BodyRequired = rb.Required
		// JSON is what every client sends (multipart bodies carry it as payload_json).
		if c, ok := rb.Content["application/json"]; ok {
			o.Body = c.Schema
		}
	}
	if err := s.resolve(o.Body); err != nil {
		return nil, fmt.Errorf("openapi: %s %s: %w", ro.method, ro.path, err)
	}
	s.ops[key] = o
	return o, nil
}

// Schema returns a named component schema, e.g. "MessageCreateRequest", compiled.
func (s *Spec) Schema(name string) (*Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schemaLocked(name)
}

func (s *Spec) schemaLocked(name string) (*Schema, error) {
	if sc, ok := s.schemas[name]; ok {
		return sc, nil
	}
	raw, ok := s.rawSchemas[name]
	if !ok {
		return nil, fmt.Errorf("openapi: no schema %q", name)
	}
	sc := &Schema{}
	if err := json.Unmarshal(raw, sc); err != nil {
		return nil, fmt.Errorf("openapi: schema %s: %w", name, err)
	}
	// Registered before resolving so that self-references find it.
	s.schemas[name] = sc
	if err := s.resolve(sc); err != nil {
		delete(s.schemas, name)
		return nil, fmt.Errorf("openapi: schema %s: %w", name, err)
	}
	return sc, nil
}

// resolve links $refs and precompiles patterns and constants, once per node. Callers hold
// s.mu; a node is complete before any caller sees it, and never written again.
func (s *Spec) resolve(sc *Schema) error {
	if sc == nil || s.resolved[sc] {
		return nil
	}
	s.resolved[sc] = true
	if sc.Ref != "" {
		name, ok := strings.CutPrefix(sc.Ref, "#/components/schemas/")
		if !ok {
			return fmt.Errorf("unsupported $ref %q", sc.Ref)
		}
		target, err := s.schemaLocked(name)
		if err != nil {
			return fmt.Errorf("$ref %q: %w", sc.Ref, err)
		}
		sc.ref = target
	}
	if sc.Pattern != "" {
		// A pattern RE2 cannot compile is skipped rather than failing every request.
		sc.pattern, _ = regexp.Compile(sc.Pattern)
	}
	if len(sc.Const) > 0 {
		sc.consts = []any{decodeConst(sc.Const)}
	}
	for _, e := range sc.Enum {
		sc.consts = append(sc.consts, decodeConst(e))
	}
	children := make([]*Schema, 0, len(sc.Properties)+len(sc.OneOf)+len(sc.AnyOf)+len(sc.AllOf)+2)
	for _, p := range sc.Properties {
		children = append(children, p)
	}
	children = append(children, sc.OneOf...)
	children = append(children, sc.AnyOf...)
	children = append(children, sc.AllOf...)
	children = append(children, sc.Items)
	if sc.AdditionalProperties != nil {
		children = append(children, sc.AdditionalProperties.schema)
	}
	for _, c := range children {
		if err := s.resolve(c); err != nil {
			return err
		}
	}
	return nil
}

func decodeConst(raw json.RawMessage) any {
	var v any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil
	}
	return v
}

// opKey erases parameter names so that routes naming a parameter differently still match.
func opKey(method, path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			segs[i] = "{}"
		}
	}
	return strings.ToUpper(method) + " " + strings.Join(segs, "/")
}
