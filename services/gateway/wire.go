package gateway

import "encoding/json"

// The few fields of Discord's payloads the gateway reads. They are decoded into these
// small structs instead of discordgo's, which decode far more than routing needs.

type wireUser struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
	Avatar     string `json:"avatar"`
	Bot        bool   `json:"bot"`
}

type wireMember struct {
	User        *wireUser `json:"user"`
	Nick        string    `json:"nick"`
	Roles       []string  `json:"roles"`
	Permissions string    `json:"permissions"`
	Avatar      string    `json:"avatar"`
}

type wireMention struct {
	wireUser
	Member *wireMember `json:"member"`
}

type wireMessage struct {
	ID        string        `json:"id"`
	ChannelID string        `json:"channel_id"`
	GuildID   string        `json:"guild_id"`
	Author    wireUser      `json:"author"`
	Member    *wireMember   `json:"member"`
	Content   string        `json:"content"`
	Mentions  []wireMention `json:"mentions"`
	WebhookID string        `json:"webhook_id"`
}

type wireOption struct {
	Name    string          `json:"name"`
	Type    int             `json:"type"`
	Value   json.RawMessage `json:"value"`
	Options []wireOption    `json:"options"`
}

type wireComponent struct {
	Type       int             `json:"type"`
	CustomID   string          `json:"custom_id"`
	Value      string          `json:"value"`
	Components []wireComponent `json:"components"`
}

type wireInteraction struct {
	ID            string      `json:"id"`
	ApplicationID string      `json:"application_id"`
	Type          int         `json:"type"`
	Token         string      `json:"token"`
	GuildID       string      `json:"guild_id"`
	ChannelID     string      `json:"channel_id"`
	Member        *wireMember `json:"member"`
	User          *wireUser   `json:"user"`
	Locale        string      `json:"locale"`
	Message       *struct {
		ID string `json:"id"`
	} `json:"message"`
	Data struct {
		Name     string       `json:"name"`
		Options  []wireOption `json:"options"`
		CustomID string       `json:"custom_id"`
		Values   []string     `json:"values"`
		Resolved struct {
			Users       map[string]wireUser   `json:"users"`
			Members     map[string]wireMember `json:"members"`
			Attachments map[string]struct {
				URL string `json:"url"`
			} `json:"attachments"`
		} `json:"resolved"`
		Components []wireComponent `json:"components"`
	} `json:"data"`
}

type wireRole struct {
	ID          string `json:"id"`
	Permissions string `json:"permissions"`
}

type wireGuild struct {
	ID          string     `json:"id"`
	OwnerID     string     `json:"owner_id"`
	Roles       []wireRole `json:"roles"`
	Unavailable bool       `json:"unavailable"`
}

type wireRoleEvent struct {
	GuildID string   `json:"guild_id"`
	Role    wireRole `json:"role"`
	RoleID  string   `json:"role_id"`
}

type wireReady struct {
	User        wireUser `json:"user"`
	Application struct {
		ID string `json:"id"`
	} `json:"application"`
}
