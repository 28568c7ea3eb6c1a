package peers

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The colours of Novera's persona (libs/persona): a pat is pink, a scolding red.
const (
	pink = 0xFF6FB5
	red  = 0xE5484D
)

var schemas = map[Kind]string{PyBot: "peer_discordpy", JSBot: "peer_discordjs"}

// TestPeersAnswerHeadpat runs each peer against a simulator with the demo guild and a fresh
// database, with two shards in its one process and with the shard count GET /gateway/bot
// recommends, and checks the three answers the benchmark relies on: /headpat and !headpat
// each count a pat in PostgreSQL and answer with Novera's embed shape, and patting yourself
// is scolded without a write.
func TestPeersAnswerHeadpat(t *testing.T) {
	for _, kind := range Kinds {
		for _, shards := range []int{2, 0} {
			name := string(kind) + "/shards=" + strconv.Itoa(shards)
			if shards == 0 {
				name = string(kind) + "/shards=auto"
			}
			t.Run(name, func(t *testing.T) { testHeadpat(t, kind, shards) })
		}
	}
}

func testHeadpat(t *testing.T, kind Kind, shards int) {
	if err := Available(kind); err != nil {
		t.Fatalf("%v\nThese tests fail rather than skip: a skipped peer would look like a passing one.", err)
	}
	srv, demo := simtest.Start(t, discordsim.Options{})
	dbURL := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	p, err := Start(ctx, kind, Env{Token: srv.Token(), APIURL: srv.APIURL(), GatewayURL: srv.GatewayURL(),
		DatabaseURL: dbURL, ShardCount: shards})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = p.Stop(context.Background())
		}
	})
	if p.PID() <= 0 {
		t.Errorf("PID() = %d", p.PID())
	}

	giver, receiver := demo.Members["player1"], demo.Members["player2"]
	receiverMention := "<@" + receiver.String() + ">"

	// The slash command: answered with callback type 4 carrying the pat embed.
	ex, err := srv.Slash(ctx, discordsim.SlashRequest{UserID: giver, Text: "/headpat member:" + receiverMention})
	if err != nil {
		t.Fatalf("Slash /headpat (the peer must have registered it with a bulk overwrite): %v", err)
	}
	r := answer(t, ctx, ex, p)
	if r.Kind != discordsim.ReplyInteractionResponse || r.ResponseType != 4 || r.Ephemeral {
		t.Errorf("/headpat answered with %s type %d (ephemeral %v), want a public interaction response of type 4",
			r.Kind, r.ResponseType, r.Ephemeral)
	}
	checkPat(t, r.Message, receiverMention, 1)

	// The prefix command: a channel message replying to the trigger.
	ex, err = srv.Prefix(ctx, discordsim.MessageRequest{UserID: giver, Content: "!headpat " + receiverMention})
	if err != nil {
		t.Fatal(err)
	}
	r = answer(t, ctx, ex, p)
	if r.Kind != discordsim.ReplyMessage {
		t.Errorf("!headpat answered with %s, want a channel message", r.Kind)
	}
	if ref := r.Message.MessageReference; ref == nil || ref.MessageID != ex.Trigger.ID {
		t.Errorf("!headpat reply references %+v, want the trigger %s", ref, ex.Trigger.ID)
	}
	checkPat(t, r.Message, receiverMention, 2)

	// Patting yourself is scolded and writes nothing.
	ex, err = srv.Slash(ctx, discordsim.SlashRequest{UserID: giver, Text: "/headpat member:<@" + giver.String() + ">"})
	if err != nil {
		t.Fatal(err)
	}
	r = answer(t, ctx, ex, p)
	if len(r.Message.Embeds) != 1 || r.Message.Embeds[0].Color != red ||
		!strings.Contains(r.Message.Embeds[0].Description, "<@"+giver.String()+">") {
		t.Errorf("a self-pat answered %+v, want one red embed naming the invoker", r.Message.Embeds)
	}

	// Both pats are one row, counted twice, in the peer's own schema.
	counts := patCounts(t, ctx, dbURL, schemas[kind])
	want := map[string]int{demo.GuildID.String() + "/" + receiver.String(): 2}
	if len(counts) != 1 || counts[demo.GuildID.String()+"/"+receiver.String()] != 2 {
		t.Errorf("%s.headpats holds %v (guild/user: count), want %v", schemas[kind], counts, want)
	}

	stopped = true
	if err := p.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("the process is still running after Stop")
	}
	// Nothing per command: a peer that logs each pat would be measured logging.
	if s := strings.TrimSpace(p.Stderr()); s != "" {
		t.Errorf("the peer wrote to stderr or stdout besides \"ready\":\n%s", s)
	}
}

func answer(t *testing.T, ctx context.Context, ex *discordsim.Exchange, p *Process) discordsim.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	r, err := ex.WaitAnswer(ctx)
	if err != nil {
		t.Fatalf("no answer: %v; the peer's stderr:\n%s", err, p.Stderr())
	}
	return r
}

var digits = regexp.MustCompile(`\d+`)

// checkPat checks Novera's pat embed shape (services/fun/gesture.go): a title, a line naming
// the member, pink, a GIF and a footer with the member's pats of the day.
func checkPat(t *testing.T, m discordsim.Message, mention string, today int) {
	t.Helper()
	if len(m.Embeds) != 1 {
		t.Fatalf("the answer has %d embeds, want 1: %s", len(m.Embeds), m)
	}
	e := m.Embeds[0]
	if e.Title == "" || !strings.Contains(e.Description, mention) || e.Color != pink {
		t.Errorf("embed title %q, description %q, colour %#x; want a title, a line naming %s, colour %#x",
			e.Title, e.Description, e.Color, mention, pink)
	}
	if e.Image == nil || !strings.HasSuffix(e.Image.URL, ".gif") {
		t.Errorf("embed image %+v, want a GIF", e.Image)
	}
	if e.Footer == nil || digits.FindString(e.Footer.Text) != strconv.Itoa(today) {
		t.Errorf("embed footer %+v, want the day's count %d", e.Footer, today)
	}
	if strings.Contains(m.Content, "<@") {
		t.Errorf("the answer's content %q mentions someone; only the embed names the member", m.Content)
	}
}

// patCounts reads schema.headpats as "guild/user" → count.
func patCounts(t *testing.T, ctx context.Context, dbURL, schema string) map[string]int {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	rows, err := conn.Query(ctx, `SELECT guild_id, user_id, count FROM `+pgx.Identifier{schema, "headpats"}.Sanitize()+
		` WHERE day = (now() AT TIME ZONE 'utc')::date`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var guild, user string
		var n int
		if err := rows.Scan(&guild, &user, &n); err != nil {
			t.Fatal(err)
		}
		counts[guild+"/"+user] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}

func TestAvailableNamesUnknownPeers(t *testing.T) {
	err := Available("discordgo")
	if err == nil || !strings.Contains(err.Error(), string(PyBot)) || !strings.Contains(err.Error(), string(JSBot)) {
		t.Errorf("Available(discordgo) = %v, want an error naming the peers there are", err)
	}
}
