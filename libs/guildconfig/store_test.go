package guildconfig

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestStoreSetGet(t *testing.T) {
	pool, err := store.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), pool); err != nil {
		t.Fatalf("opening twice must be harmless: %v", err)
	}
	c, err := s.Get(t.Context(), "1")
	if err != nil || c.Prefix() != "!" {
		t.Fatalf("defaults: %v %v", c, err)
	}
	if v, err := s.Set(t.Context(), "1", "role.goodboy", "<@&42>", "7"); err != nil || v != "42" {
		t.Fatalf("set: %q %v", v, err)
	}
	if _, err := s.Set(t.Context(), "1", "sassy", "off", "7"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(t.Context(), "1", "colour", "pink", "7"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := s.Set(t.Context(), "1", "feature.profanity_filter", "sometimes", "7"); err == nil {
		t.Error("bad value accepted")
	}
	c, err = s.Get(t.Context(), "1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Role("goodboy") != "42" || c.Sassy() || !c.Feature("profanity_filter") {
		t.Errorf("stored config wrong: goodboy=%q sassy=%v filter=%v", c.Role("goodboy"), c.Sassy(), c.Feature("profanity_filter"))
	}
	other, _ := s.Get(t.Context(), "2")
	if other.Role("goodboy") != "" || !other.Sassy() {
		t.Error("settings leaked into another guild")
	}

	// The same reads sent in a batch: the settings of guild 1, the defaults of guild 2,
	// and of no guild (a DM) without a statement.
	var b pgx.Batch
	var one, two, dm *Config
	QueueGet(&b, "1", &one)
	QueueGet(&b, "2", &two)
	QueueGet(&b, "", &dm)
	if b.Len() != 2 {
		t.Errorf("%d statements queued, want 2 (none for a DM)", b.Len())
	}
	if err := pool.SendBatch(t.Context(), &b).Close(); err != nil {
		t.Fatal(err)
	}
	if one.Role("goodboy") != "42" || one.Sassy() || two.Role("goodboy") != "" || !two.Sassy() || dm == nil || dm.Prefix() != "!" {
		t.Errorf("batched reads: guild 1 goodboy=%q sassy=%v, guild 2 goodboy=%q sassy=%v, DM %v", one.Role("goodboy"), one.Sassy(), two.Role("goodboy"), two.Sassy(), dm)
	}
}
