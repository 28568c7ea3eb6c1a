package playground_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/playground"
	"github.com/novera-bot/novera/libs/discordsim/playground/chromiumtest"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

func get(t *testing.T, url, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// The simulator serves the page to browsers at "/" and its assets under /playground/, while
// scripts asking "/" still get the plain-text summary.
func TestServedBySimulator(t *testing.T) {
	srv, _ := simtest.Start(t, discordsim.Options{})
	res, body := get(t, srv.URL()+"/", "text/html,application/xhtml+xml")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, `<script src="/playground/app.js">`) {
		t.Fatalf("GET / as a browser: %d %s\n%.300s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	for path, ctype := range map[string]string{"/playground/app.js": "javascript", "/playground/style.css": "text/css"} {
		res, body := get(t, srv.URL()+path, "")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), ctype) || len(body) < 1000 {
			t.Errorf("GET %s: %d %q, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}
	if res, _ := get(t, srv.URL()+"/playground/nope.js", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing asset: %d, want 404", res.StatusCode)
	}
	if res, body := get(t, srv.URL()+"/", ""); !strings.HasPrefix(body, "discordsim: a simulated Discord.") {
		t.Errorf("GET / as a script: %d %.200q, want the plain-text summary", res.StatusCode, body)
	}
}

func TestHandlerRefusesWrites(t *testing.T) {
	rec := httptest.NewRecorder()
	playground.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", rec.Code)
	}
}

// pink is the headpat embed's colour; the screenshot check looks for its bar.
const pink = 0xF47FFF

// startHeadpatBot runs a small discordgo bot shaped like Novera's fun service: /headpat
// answers with an embed (colour, thumbnail, image, fields, footer) and components; "Pat back"
// edits that message in place, "Leave a note" opens a modal whose submission is answered
// ephemerally, and "!ping" is a prefix command. picture is served to the embed's image.
func startHeadpatBot(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo, picture string) {
	t.Helper()
	dg := simtest.Discordgo(t, srv)
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent |
		discordgo.IntentsDirectMessages
	respond := func(s *discordgo.Session, i *discordgo.InteractionCreate, r *discordgo.InteractionResponse) {
		if err := s.InteractionRespond(i.Interaction, r); err != nil {
			t.Errorf("respond: %v", err)
		}
	}
	dg.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		switch i.Type {
		case discordgo.InteractionApplicationCommand:
			target := i.ApplicationCommandData().Options[0].UserValue(nil)
			respond(s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{
					Title:       "Headpat!",
					Description: "<@" + i.Member.User.ID + "> gives <@" + target.ID + "> a gentle **headpat**.",
					Color:       pink,
					Thumbnail:   &discordgo.MessageEmbedThumbnail{URL: picture},
					Image:       &discordgo.MessageEmbedImage{URL: picture},
					Fields: []*discordgo.MessageEmbedField{
						{Name: "Pats today", Value: "3", Inline: true},
						{Name: "Streak", Value: "2 days", Inline: true},
					},
					Footer: &discordgo.MessageEmbedFooter{Text: "Three pats a day make a goodboy"},
				}}, Components: []discordgo.MessageComponent{
					discordgo.ActionsRow{Components: []discordgo.MessageComponent{
						discordgo.Button{CustomID: "patback", Label: "Pat back", Style: discordgo.PrimaryButton},
						discordgo.Button{CustomID: "note", Label: "Leave a note", Style: discordgo.SecondaryButton},
					}},
					discordgo.ActionsRow{Components: []discordgo.MessageComponent{
						discordgo.SelectMenu{CustomID: "mood", Placeholder: "How does it feel?", Options: []discordgo.SelectMenuOption{
							{Label: "Lovely", Value: "lovely"}, {Label: "Embarrassing", Value: "embarrassing"},
						}},
					}},
				}}})
		case discordgo.InteractionMessageComponent:
			data := i.MessageComponentData()
			switch data.CustomID {
			case "patback":
				edited := *i.Message.Embeds[0]
				edited.Description += "\nThey patted back!"
				respond(s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
					Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{&edited}, Components: []discordgo.MessageComponent{}}})
			case "note":
				respond(s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
					Data: &discordgo.InteractionResponseData{CustomID: "note-modal", Title: "Leave a note",
						Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
							discordgo.TextInput{CustomID: "text", Label: "Your note", Style: discordgo.TextInputShort, Required: true},
						}}}}})
			case "mood":
				respond(s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
					Data: &discordgo.InteractionResponseData{Content: "You feel " + data.Values[0] + ".", Flags: discordgo.MessageFlagsEphemeral}})
			}
		case discordgo.InteractionModalSubmit:
			row := i.ModalSubmitData().Components[0].(*discordgo.ActionsRow)
			note := row.Components[0].(*discordgo.TextInput).Value
			respond(s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "Noted: " + note, Flags: discordgo.MessageFlagsEphemeral}})
		}
	})
	dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if !m.Author.Bot && m.Content == "!ping" {
			if _, err := s.ChannelMessageSendReply(m.ChannelID, "pong", m.Reference()); err != nil {
				t.Errorf("reply: %v", err)
			}
		}
	})
	_, err := dg.ApplicationCommandBulkOverwrite(srv.Application().ID.String(), demo.GuildID.String(), []*discordgo.ApplicationCommand{{
		Name: "headpat", Description: "Pat someone",
		Options: []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionUser, Name: "member", Description: "who", Required: true}},
	}})
	if err != nil {
		t.Fatalf("register /headpat: %v", err)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
}

// pictureServer serves a small generated picture for the embed, so the page shows a real
// image without reaching the internet.
func pictureServer(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for y := range 180 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{R: uint8(120 + x/4), G: uint8(80 + y/3), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/headpat.png"
}

// A person's round trip in headless Chromium: /headpat typed in the composer comes back as an
// embed drawn like Discord's (checked in the DOM and on a screenshot); a button edits it in
// place, a modal is filled in and answered ephemerally, a select menu is used, and a prefix
// command is answered, in a channel and in a DM. PLAYGROUND_SCREENSHOT=path keeps the
// screenshot of the headpat.
func TestPlaygroundInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("drives headless Chromium: `make test` runs it")
	}
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: 2 * time.Second})
	startHeadpatBot(t, srv, demo, pictureServer(t))
	b := chromiumtest.Start(t)
	b.Open(srv.URL() + "/")

	b.WaitJS("the bot shown online", 10*time.Second, `
		const s = document.querySelector('#status.up');
		return s && document.querySelector('.chan.on') ? s.textContent : '';`)
	acting := b.WaitJS("the acting member", 5*time.Second, `return document.querySelector('#user').selectedOptions[0]?.textContent || ''`)
	roles := b.WaitJS("the acting member's roles", 5*time.Second, `return [...document.querySelectorAll('#me-roles .role')].map(r => r.textContent).join(',') || '-'`)
	t.Logf("acting as %s (roles %s)", acting, roles)

	b.TypeInto("#input", "/headpat member:@player2"+chromiumtest.Enter)
	title := b.WaitJS("the headpat embed", 10*time.Second, `return document.querySelector('.msg .embed .embed-title')?.textContent || ''`)
	if title != "Headpat!" {
		t.Errorf("embed title %q, want Headpat!", title)
	}
	var embed struct {
		Bar, Desc, Context, Footer string
		Fields                     []string
		Image, Thumb               bool
		Buttons, Selects           int
	}
	err := b.Eval(&embed, `
		const m = document.querySelector('.msg .embed').closest('.msg'), e = m.querySelector('.embed');
		return {
			Bar: getComputedStyle(e).borderLeftColor,
			Desc: e.querySelector('.embed-desc').textContent,
			Context: m.querySelector('.context')?.textContent || '',
			Footer: e.querySelector('.embed-footer')?.textContent || '',
			Fields: [...e.querySelectorAll('.embed-field')].map(f => f.textContent),
			Image: !!e.querySelector('img.embed-image'),
			Thumb: !!e.querySelector('img.embed-thumb'),
			Buttons: m.querySelectorAll('button.btn').length,
			Selects: m.querySelectorAll('select[data-custom-id]').length,
		};`)
	if err != nil {
		t.Fatal(err)
	}
	if embed.Bar != "rgb(244, 127, 255)" || !strings.Contains(embed.Desc, "@Player Two") || !strings.Contains(embed.Context, "used /headpat") ||
		embed.Footer != "Three pats a day make a goodboy" || len(embed.Fields) != 2 || !embed.Image || !embed.Thumb ||
		embed.Buttons != 2 || embed.Selects != 1 {
		t.Errorf("the embed as drawn: %+v", embed)
	}

	// Let the picture load, then check the screenshot shows the embed's colour bar.
	b.WaitJS("the embed image loaded", 5*time.Second, `const i = document.querySelector('img.embed-image'); return i && i.complete && i.naturalWidth > 0 ? 'yes' : ''`)
	shot := b.Screenshot()
	chromiumtest.CheckScreenshot(t, shot, pink, 40)
	if path := os.Getenv("PLAYGROUND_SCREENSHOT"); path != "" {
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A button that edits the message in place: same element id, new text.
	msgID := b.WaitJS("the headpat message id", time.Second, `return document.querySelector('.msg .embed').closest('.msg').dataset.id`)
	b.Click(`button[data-custom-id="patback"]`)
	b.WaitJS("the headpat edited in place", 10*time.Second, `
		const m = document.querySelector('.msg[data-id="' + arguments[0] + '"]');
		return m && m.textContent.includes('They patted back!') && !m.querySelector('button.btn') ? 'yes' : ''`, msgID)

	// A new headpat for the modal and the select menu.
	b.TypeInto("#input", "/headpat member:@player3"+chromiumtest.Enter)
	b.WaitJS("the second headpat", 10*time.Second, `return document.querySelectorAll('button[data-custom-id="note"]').length === 1 ? 'yes' : ''`)
	b.Click(`button[data-custom-id="note"]`)
	b.WaitJS("the modal", 10*time.Second, `return document.querySelector('#modal-backdrop').hidden ? '' : document.querySelector('#modal-title').textContent`)
	b.TypeInto("#modal-text", "good job")
	b.Click(`#modal button[type="submit"]`)
	b.WaitJS("the ephemeral answer to the modal", 10*time.Second, `
		const m = [...document.querySelectorAll('.msg.ephemeral')].find(m => m.textContent.includes('Noted: good job'));
		return m && m.textContent.includes('Only you can see this') ? 'yes' : ''`)

	b.Eval(nil, `const s = document.querySelector('select[data-custom-id="mood"]'); s.value = 'lovely'; s.dispatchEvent(new Event('change'));`)
	b.WaitJS("the answer to the select menu", 10*time.Second, `
		return [...document.querySelectorAll('.msg.ephemeral')].some(m => m.textContent.includes('You feel lovely.')) ? 'yes' : ''`)

	b.TypeInto("#input", "!ping"+chromiumtest.Enter)
	b.WaitJS("the prefix command and its answer", 10*time.Second, `
		const texts = [...document.querySelectorAll('.msg .content')].map(c => c.textContent);
		return texts.includes('!ping') && texts.includes('pong') ? 'yes' : ''`)

	// The same in the acting member's DM with the bot.
	b.Click(`button[data-dm]`)
	b.WaitJS("the DM view", 5*time.Second, `return document.querySelector('#channel-name').textContent === 'Novera' && !document.querySelector('.msg') ? 'yes' : ''`)
	b.TypeInto("#input", "!ping"+chromiumtest.Enter)
	b.WaitJS("the answer in the DM", 10*time.Second, `
		const texts = [...document.querySelectorAll('.msg .content')].map(c => c.textContent);
		return texts.length === 2 && texts.includes('pong') ? 'yes' : ''`)
	b.CheckPageErrors()
}
