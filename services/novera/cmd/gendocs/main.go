// Command gendocs writes docs/commands.md, the command reference, from the command
// registry (libs/commands), so the reference cannot drift from what the bot accepts.
// Run it from the repository root with `make docs` (or `go run ./services/novera/cmd/gendocs`);
// its test fails while docs/commands.md is not what it would write.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/novera-bot/novera/libs/commands"
)

func main() {
	out := flag.String("o", "docs/commands.md", "where to write the reference")
	flag.Parse()
	if err := os.WriteFile(*out, render(commands.Novera()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
