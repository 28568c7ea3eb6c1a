package worker

import (
	"encoding/json"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// UnmarshalJSON reads an Action back from the outbox (a redelivery after a crash between
// the commit and the Discord calls). discordgo's message types hold their components as
// an interface, MessageComponent, which encoding/json cannot fill: every answer with a
// button or a menu failed to decode and was dead-lettered instead of delivered. The
// components are cut out and decoded with discordgo.MessageComponentFromJSON.
func (a *Action) UnmarshalJSON(b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	respComps, err := cutComponents(top, "response", "data")
	if err != nil {
		return err
	}
	msgComps, err := cutComponents(top, "message")
	if err != nil {
		return err
	}
	rest, err := json.Marshal(top)
	if err != nil {
		return err
	}
	type plain Action // no UnmarshalJSON: decode the rest as usual
	var p plain
	if err := json.Unmarshal(rest, &p); err != nil {
		return err
	}
	if respComps != nil && p.Response != nil && p.Response.Data != nil {
		if p.Response.Data.Components, err = decodeComponents(respComps); err != nil {
			return err
		}
	}
	if msgComps != nil && p.Message != nil {
		if p.Message.Components, err = decodeComponents(msgComps); err != nil {
			return err
		}
	}
	*a = Action(p)
	return nil
}

// cutComponents removes "components" from the object at path below m and returns them.
func cutComponents(m map[string]json.RawMessage, path ...string) ([]json.RawMessage, error) {
	raw, ok := m[path[0]]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path[0], err)
	}
	var comps []json.RawMessage
	if len(path) > 1 {
		var err error
		if comps, err = cutComponents(obj, path[1:]...); err != nil {
			return nil, err
		}
	} else if c, ok := obj["components"]; ok {
		if err := json.Unmarshal(c, &comps); err != nil {
			return nil, fmt.Errorf("decode components: %w", err)
		}
		delete(obj, "components")
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	m[path[0]] = b
	return comps, nil
}

func decodeComponents(raw []json.RawMessage) ([]discordgo.MessageComponent, error) {
	out := make([]discordgo.MessageComponent, 0, len(raw))
	for _, r := range raw {
		c, err := discordgo.MessageComponentFromJSON(r)
		if err != nil {
			return nil, fmt.Errorf("decode component: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}
