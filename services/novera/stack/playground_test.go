package stack

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim/playground/chromiumtest"
	"github.com/novera-bot/novera/libs/persona"
)

// The playground with the real bot behind it: a person types /headpat in headless Chromium
// and Novera's answer (through gateway, JetStream, the fun worker, PostgreSQL and REST) is
// drawn as a pink embed naming the patted member; the same pat typed as a prefix command is
// answered too. PLAYGROUND_SCREENSHOT=path keeps the screenshot: docs/playground.png is
// made with
//
//	PLAYGROUND_SCREENSHOT=$PWD/docs/playground.png go test -run TestPlaygroundHeadpat ./services/novera/stack
func TestPlaygroundHeadpat(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack and headless Chromium")
	}
	// Only what a headpat needs: the other workers are not part of this round trip.
	e := newEnv(t, Gateway, Fun)
	b := chromiumtest.Start(t)
	b.Open(e.sim.URL() + "/")
	b.WaitJS("the bot shown online", 10*time.Second, `return document.querySelector('#status.up')?.textContent || ''`)

	b.TypeInto("#input", "/headpat member:@player2"+chromiumtest.Enter)
	desc := b.WaitJS("Novera's headpat embed", 15*time.Second, `return document.querySelector('.msg .embed .embed-desc')?.textContent || ''`)
	if !strings.Contains(desc, "@Player Two") {
		t.Errorf("embed description %q does not name Player Two", desc)
	}
	var drawn struct {
		Bar, Context, Author string
		Image                bool
	}
	if err := b.Eval(&drawn, `
		const m = document.querySelector('.msg .embed').closest('.msg'), e = m.querySelector('.embed');
		return {
			Bar: getComputedStyle(e).borderLeftColor,
			Context: m.querySelector('.context')?.textContent || '',
			Author: m.querySelector('.author').textContent,
			Image: !!e.querySelector('.embed-image'),
		};`); err != nil {
		t.Fatal(err)
	}
	if drawn.Bar != "rgb(255, 111, 181)" || !strings.Contains(drawn.Context, "Player One used /headpat") ||
		drawn.Author != "Novera" || !drawn.Image {
		t.Errorf("the answer as drawn: %+v", drawn)
	}
	shot := b.Screenshot()
	chromiumtest.CheckScreenshot(t, shot, persona.ColorPink, 40)
	if path := os.Getenv("PLAYGROUND_SCREENSHOT"); path != "" {
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.pats("player2"); got != 1 {
		t.Errorf("stored pats = %d, want 1", got)
	}

	b.TypeInto("#input", "!headpat @player3"+chromiumtest.Enter)
	b.WaitJS("the answer to the prefix command", 15*time.Second, `
		return [...document.querySelectorAll('.msg')].some(m => m.querySelector('.context')?.textContent.includes('!headpat') &&
			m.querySelector('.embed-desc')?.textContent.includes('@Player Three')) ? 'yes' : ''`)
	b.CheckPageErrors()
}
