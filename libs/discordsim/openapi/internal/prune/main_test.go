package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPruneKeepsBodiesAndTheirSchemas(t *testing.T) {
	doc := `{"openapi":"3.1.0","info":{"title":"t"},"paths":{"/a":{"parameters":[],"post":{"responses":{"200":{}},
	  "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}},"get":{"responses":{}}}},
	  "components":{"schemas":{"A":{"properties":{"b":{"$ref":"#/components/schemas/B"}}},"B":{"type":"string"},"Unused":{}}}}`
	out, err := prune([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Paths["/a"]["post"]["requestBody"]; !ok || got.Paths["/a"]["post"]["responses"] != nil {
		t.Fatalf("post: %v", got.Paths["/a"]["post"])
	}
	if _, ok := got.Paths["/a"]["get"]; !ok {
		t.Fatal("body-less operation dropped")
	}
	if len(got.Components.Schemas) != 2 || got.Components.Schemas["Unused"] != nil {
		t.Fatalf("schemas %v", got.Components.Schemas)
	}
	again, _ := prune([]byte(doc))
	if string(again) != string(out) {
		t.Fatal("output not deterministic")
	}
	if _, err := prune([]byte(strings.Replace(doc, `"B":{"type":"string"},`, "", 1))); err == nil {
		t.Fatal("dangling $ref accepted")
	}
}
