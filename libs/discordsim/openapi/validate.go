package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError is one failed check, in the shape of an entry of Discord's 50035 "errors" object.
type FieldError struct {
	// Path is the dotted field path, "" for the body itself: "name", "0.options.1.name".
	Path    string
	Code    string
	Message string
}

func (e FieldError) String() string { return e.Path + ": " + e.Code + ": " + e.Message }

// ErrInvalidJSON reports a body that is not JSON at all.
var ErrInvalidJSON = errors.New("openapi: body is not valid JSON")

// maxErrors bounds the work done on a hostile body; Discord also reports only so many.
const maxErrors = 50

// maxDepth bounds recursion through self-referencing schemas (components in components).
const maxDepth = 64

// Validate checks a JSON request body against the operation's schema. An empty body is checked
// as {} when the body is required (so missing fields are named) and accepted otherwise.
func (o *Operation) Validate(body []byte) ([]FieldError, error) {
	if o.Body == nil {
		return nil, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if !o.BodyRequired {
			return nil, nil
		}
		body = []byte("{}")
	}
	val, err := decode(body)
	if err != nil {
		return nil, err
	}
	return ValidateValue(o.Body, val), nil
}

// ValidateJSON checks any JSON document against a schema.
func ValidateJSON(sc *Schema, doc []byte) ([]FieldError, error) {
	val, err := decode(doc)
	if err != nil {
		return nil, err
	}
	return ValidateValue(sc, val), nil
}

// ValidateValue checks a value decoded with json.Decoder.UseNumber (nil, bool, json.Number,
// string, []any, map[string]any).
func ValidateValue(sc *Schema, val any) []FieldError {
	v := &validator{}
	v.check(sc, val, "", 0)
	return v.errs
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var val any
	if err := d.Decode(&val); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	if d.More() {
		return nil, ErrInvalidJSON
	}
	return val, nil
}

type validator struct {
	errs []FieldError
}

func (v *validator) add(path, code, format string, a ...any) {
	if len(v.errs) < maxErrors {
		v.errs = append(v.errs, FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, a...)})
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (v *validator) check(sc *Schema, val any, path string, depth int) {
	if sc == nil || depth > maxDepth || len(v.errs) >= maxErrors {
		return
	}
	if sc.ref != nil {
		v.check(sc.ref, val, path, depth+1)
	}
	for _, sub := range sc.AllOf {
		v.check(sub, val, path, depth+1)
	}
	if len(sc.OneOf) > 0 {
		// oneOf is checked as anyOf: Discord's unions are discriminated by a field, and the
		// description's branches overlap (no additionalProperties: false), so "exactly one"
		// would refuse valid bodies.
		v.union(sc.OneOf, val, path, depth)
	}
	if len(sc.AnyOf) > 0 {
		v.union(sc.AnyOf, val, path, depth)
	}
	if len(sc.Type) > 0 && !typeOK(sc, val) {
		v.typeError(sc, val, path)
		return
	}
	if len(sc.consts) > 0 && !slices.ContainsFunc(sc.consts, func(c any) bool { return equalJSON(c, val) }) {
		v.add(path, "BASE_TYPE_CHOICES", "Value must be one of %s.", choices(sc.consts))
		return
	}
	switch x := val.(type) {
	case string:
		v.checkString(sc, x, path)
	case json.Number:
		v.checkNumber(sc, x, path)
	case []any:
		v.checkArray(sc, x, path, depth)
	case map[string]any:
		v.checkObject(sc, x, path, depth)
	}
}

// typeOK applies "type" with Discord's coercions: integers may arrive as decimal strings and
// snowflakes as numbers.
func typeOK(sc *Schema, val any) bool {
	t := sc.Type
	switch x := val.(type) {
	case nil:
		return t.has("null")
	case bool:
		return t.has("boolean")
	case json.Number:
		if t.has("number") {
			return true
		}
		_, intErr := strconv.ParseInt(string(x), 10, 64)
		_, uintErr := strconv.ParseUint(string(x), 10, 64)
		integral := intErr == nil || uintErr == nil
		return (t.has("integer") && integral) || (t.has("string") && sc.Format == "snowflake" && uintErr == nil)
	case string:
		if t.has("string") {
			return true
		}
		if t.has("integer") && isIntString(x) {
			return true
		}
		_, err := strconv.ParseFloat(x, 64)
		return t.has("number") && err == nil
	case []any:
		return t.has("array")
	case map[string]any:
		return t.has("object")
	}
	return false
}

func isIntString(s string) bool {
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return true
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func (v *validator) typeError(sc *Schema, val any, path string) {
	shown := display(val)
	want := ""
	for _, t := range sc.Type {
		if t != "null" {
			want = t
			break
		}
	}
	switch want {
	case "string":
		v.add(path, "BASE_TYPE_STRING", "Could not interpret %s as string.", shown)
	case "integer":
		v.add(path, "NUMBER_TYPE_COERCE", "Value %s is not int.", shown)
	case "number":
		v.add(path, "NUMBER_TYPE_COERCE", "Value %s is not a valid number.", shown)
	case "boolean":
		v.add(path, "BASE_TYPE_BOOLEAN", "Must be either true or false.")
	case "array":
		v.add(path, "BASE_TYPE_ARRAY", "Could not interpret %s as a list.", shown)
	case "object":
		v.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used here.")
	default:
		v.add(path, "BASE_TYPE_REQUIRED", "This field is required")
	}
}

func display(val any) string {
	switch x := val.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(val)
}

func choices(cs []any) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = display(c)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func lengthError(v *validator, path string, n int, lo, hi *int) {
	switch {
	case lo != nil && hi != nil && (n < *lo || n > *hi):
		v.add(path, "BASE_TYPE_BAD_LENGTH", "Must be between %d and %d in length.", *lo, *hi)
	case lo != nil && n < *lo:
		v.add(path, "BASE_TYPE_MIN_LENGTH", "Must be %d or more in length.", *lo)
	case hi != nil && n > *hi:
		v.add(path, "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", *hi)
	}
}

func (v *validator) checkString(sc *Schema, s, path string) {
	if !sc.Type.has("string") && len(sc.Type) > 0 {
		// A number sent as a string: check it as the number it stands for.
		v.checkNumber(sc, json.Number(s), path)
		return
	}
	lengthError(v, path, utf8.RuneCountInString(s), sc.MinLength, sc.MaxLength)
	if sc.pattern != nil && !sc.pattern.MatchString(s) {
		if sc.Format == "snowflake" {
			v.add(path, "NUMBER_TYPE_COERCE", "Value %s is not snowflake.", strconv.Quote(s))
		} else {
			v.add(path, "STRING_TYPE_REGEX", "String value did not match validation regex.")
		}
		return
	}
	switch sc.Format {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			v.add(path, "DATE_TYPE_PARSE", "Could not parse %s. Should be ISO8601.", strconv.Quote(s))
		}
	case "uri":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" {
			v.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
	}
}

func (v *validator) checkNumber(sc *Schema, n json.Number, path string) {
	val, ok := ratOf(string(n))
	if !ok {
		return
	}
	if sc.Minimum != "" {
		if lo, ok := ratOf(string(sc.Minimum)); ok && val.Cmp(lo) < 0 {
			v.add(path, "NUMBER_TYPE_MIN", "int value should be greater than or equal to %s.", sc.Minimum)
			return
		}
	}
	if sc.Maximum != "" {
		if hi, ok := ratOf(string(sc.Maximum)); ok && val.Cmp(hi) > 0 {
			v.add(path, "NUMBER_TYPE_MAX", "int value should be less than or equal to %s.", sc.Maximum)
		}
	}
}

func (v *validator) checkArray(sc *Schema, items []any, path string, depth int) {
	lengthError(v, path, len(items), sc.MinItems, sc.MaxItems)
	if sc.UniqueItems {
		seen := map[string]bool{}
		for _, it := range items {
			b, err := json.Marshal(it)
			if err != nil {
				continue
			}
			if seen[string(b)] {
				v.add(path, "SET_TYPE_ALREADY_CONTAINS_VALUE", "The set already contains this value.")
				break
			}
			seen[string(b)] = true
		}
	}
	if sc.Items != nil {
		for i, it := range items {
			v.check(sc.Items, it, join(path, strconv.Itoa(i)), depth+1)
		}
	}
}

func (v *validator) checkObject(sc *Schema, obj map[string]any, path string, depth int) {
	for _, name := range sc.Required {
		if _, ok := obj[name]; !ok {
			v.add(join(path, name), "BASE_TYPE_REQUIRED", "This field is required")
		}
	}
	if sc.MinProperties != nil || sc.MaxProperties != nil {
		lengthError(v, path, len(obj), sc.MinProperties, sc.MaxProperties)
	}
	// Sorted keys make the reported errors deterministic.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p, ok := sc.Properties[k]; ok {
			v.check(p, obj[k], join(path, k), depth+1)
			continue
		}
		// Unknown keys are ignored, as Discord ignores them; additionalProperties: false is
		// not enforced for the same reason.
		if ap := sc.AdditionalProperties; ap != nil && ap.schema != nil {
			v.check(ap.schema, obj[k], join(path, k), depth+1)
		}
	}
}

// union accepts val when one branch accepts it. Otherwise it reports the errors of the branch
// the body most plausibly meant: one whose constant fields ("type": 2) match, then the one
// with the fewest errors.
func (v *validator) union(branches []*Schema, val any, path string, depth int) {
	var best *unionResult
	allConst := true
	var consts []any
	for _, b := range covering(branches, val) {
		sub := &validator{}
		sub.check(b, val, path, depth+1)
		if len(sub.errs) == 0 {
			return
		}
		d := deref(b)
		if len(d.consts) == 0 {
			allConst = false
		}
		consts = append(consts, d.consts...)
		r := &unionResult{errs: sub.errs, matches: discriminated(d, val), typed: len(d.Type) == 0 || typeOK(d, val)}
		if best == nil || r.better(best) {
			best = r
		}
	}
	if best == nil {
		return
	}
	if allConst {
		v.add(path, "BASE_TYPE_CHOICES", "Value must be one of %s.", choices(consts))
		return
	}
	for _, e := range best.errs {
		v.add(e.Path, e.Code, "%s", e.Message)
	}
}

// unionResult is one failed branch of a union.
type unionResult struct {
	errs    []FieldError
	matches bool // the branch's constant fields match the body
	typed   bool // the branch accepts the body's JSON type
}

// better ranks the errors of two failed union branches: a branch picked out by its constant
// fields wins, then one that accepts the body's JSON type (so {"type": "null"} does not
// explain a bad number), then the one with fewer errors.
func (r *unionResult) better(o *unionResult) bool {
	if r.matches != o.matches {
		return r.matches
	}
	if r.typed != o.typed {
		return r.typed
	}
	return len(r.errs) < len(o.errs)
}

func deref(sc *Schema) *Schema {
	for i := 0; sc.ref != nil && i < maxDepth; i++ {
		sc = sc.ref
	}
	return sc
}

// discriminated reports whether an object carries every constant field of the branch, the
// way Discord picks a component or callback schema by its "type".
func discriminated(sc *Schema, val any) bool {
	obj, ok := val.(map[string]any)
	if !ok {
		return false
	}
	found := false
	for name, p := range sc.Properties {
		p = deref(p)
		if len(p.consts) == 0 {
			continue
		}
		found = true
		if !slices.ContainsFunc(p.consts, func(c any) bool { return equalJSON(c, obj[name]) }) {
			return false
		}
	}
	return found
}

// covering narrows a union of object schemas to the branches that declare every key of the
// body. Discord ignores unknown keys, so a branch that does not know rate_limit_per_user
// (a DM channel edit) would otherwise accept any slowmode; a body that names a field meant a
// branch that has it. When no branch declares every key, all branches stay candidates.
func covering(branches []*Schema, val any) []*Schema {
	obj, ok := val.(map[string]any)
	if !ok || len(obj) == 0 {
		return branches
	}
	var out []*Schema
	for _, b := range branches {
		props := map[string]bool{}
		collectProps(b, props, 0)
		all := true
		for k := range obj {
			if !props[k] {
				all = false
				break
			}
		}
		if all {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return branches
	}
	return out
}

func collectProps(sc *Schema, into map[string]bool, depth int) {
	if sc == nil || depth > 8 {
		return
	}
	sc = deref(sc)
	for k := range sc.Properties {
		into[k] = true
	}
	for _, sub := range sc.AllOf {
		collectProps(sub, into, depth+1)
	}
}

// equalJSON compares decoded JSON values; numbers compare by value ("1" and 1.0 are equal) and
// integer-valued strings equal their number, as Discord coerces them.
func equalJSON(a, b any) bool {
	an, aok := asRat(a)
	bn, bok := asRat(b)
	if aok && bok {
		return an.Cmp(bn) == 0
	}
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}

func asRat(x any) (*big.Rat, bool) {
	switch n := x.(type) {
	case json.Number:
		return ratOf(string(n))
	case string:
		if isIntString(n) {
			return ratOf(n)
		}
	}
	return nil, false
}

// ratOf reads a JSON number exactly, except that exponents go through float64: big.Rat
// would expand 1e1000000000 digit by digit, which a hostile body must not be able to ask for.
func ratOf(s string) (*big.Rat, bool) {
	if len(s) > 100 {
		return nil, false
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(f), true
	}
	return new(big.Rat).SetString(s)
}
