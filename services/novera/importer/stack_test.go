package importer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/services/novera/stack"
)

// After an import, the bot itself shows the imported data: /checkvalue and /rankings the
// values (the newest ledger line for player1), /config show the settings, and the imported
// management role makes the staff member staff.
func TestImportedDataThroughTheBot(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	w := newWorld(t)
	if _, err := Run(t.Context(), w.deps, w.fullOptions(t)); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Start(t.Context(), stack.Options{Token: w.srv.Token(), APIURL: w.srv.APIURL(),
		NATSURL: natstest.Start(t), DatabaseURL: w.dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Stop(context.Background()) })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for !st.Ready(ctx).OK {
		select {
		case <-ctx.Done():
			t.Fatalf("stack not ready: %s", st.Ready(context.Background()).Summary())
		case <-time.After(10 * time.Millisecond):
		}
	}
	for _, tc := range []struct {
		user, text string
		want       []string
	}{
		{"player2", "/checkvalue member:<@" + w.member("player1") + ">", []string{"¥55 million", "#1 of 3"}},
		{"player2", "/checkvalue", []string{"¥12 million"}},
		{"player2", "/rankings", []string{"<@" + w.member("player1") + ">", "<@" + w.member("player3") + ">", "<@" + w.member("player2") + ">"}},
		{"staff", "/config show", []string{w.demo.Channels["values"].String(), w.demo.Roles["Management"].String(), "spank,help"}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			x, err := w.srv.Slash(t.Context(), discordsim.SlashRequest{UserID: w.demo.Members[tc.user], Text: tc.text})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			r, err := x.WaitAnswer(ctx)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			got := replyText(r)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s lacks %q:\n%s", tc.text, want, got)
				}
			}
		})
	}
}

func replyText(r discordsim.Reply) string {
	var b strings.Builder
	b.WriteString(r.Message.Content)
	for _, em := range r.Message.Embeds {
		b.WriteString("\n" + em.Title + "\n" + em.Description)
		for _, f := range em.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
		if em.Footer != nil {
			b.WriteString("\n" + em.Footer.Text)
		}
	}
	return b.String()
}
