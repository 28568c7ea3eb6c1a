package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novera-bot/novera/libs/commands"
)

// docs/commands.md must be exactly what the registry renders: a command added, renamed or
// given a new option without `make docs` fails here.
func TestCommandsReferenceIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "docs", "commands.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make docs` from the repository root)", err)
	}
	if want := render(commands.Novera()); !bytes.Equal(got, want) {
		t.Fatalf("docs/commands.md is not current: run `make docs` from the repository root and commit the result")
	}
}

func TestRenderListsEveryCommandAndAlias(t *testing.T) {
	reg := commands.Novera()
	out := string(render(reg))
	for _, c := range reg.All() {
		for _, want := range append([]string{"### " + c.Name + "\n", "`" + c.Usage("!") + "`"}, prefixed(c.Aliases)...) {
			if !strings.Contains(out, want) {
				t.Errorf("the reference lacks %q", want)
			}
		}
	}
}

func TestRenderNamesANewCommand(t *testing.T) {
	base := commands.Novera().All()
	cmds := make([]commands.Command, 0, len(base)+1)
	for _, c := range base {
		cmds = append(cmds, *c)
	}
	cmds = append(cmds, commands.Command{Name: "brandnew", Description: "A command added later", Service: commands.ServiceFun, Category: commands.Fun})
	reg, err := commands.NewRegistry(cmds...)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(render(reg), render(commands.Novera())) {
		t.Error("a new command does not change the reference, so the currency test could not catch it")
	}
}

func prefixed(aliases []string) []string {
	out := make([]string, len(aliases))
	for i, a := range aliases {
		out[i] = "`!" + a + "`"
	}
	return out
}
