package discordsim

import (
	"bytes"
	"fmt"
	"strconv"
)

// Permissions is Discord's permission bitfield, encoded in JSON as a decimal string.
type Permissions uint64

// Permission bits the simulator and its callers care about (Discord has more; all of them are
// covered by PermAll).
const (
	PermCreateInstantInvite    Permissions = 1 << 0
	PermKickMembers            Permissions = 1 << 1
	PermBanMembers             Permissions = 1 << 2
	PermAdministrator          Permissions = 1 << 3
	PermManageChannels         Permissions = 1 << 4
	PermManageGuild            Permissions = 1 << 5
	PermAddReactions           Permissions = 1 << 6
	PermViewAuditLog           Permissions = 1 << 7
	PermViewChannel            Permissions = 1 << 10
	PermSendMessages           Permissions = 1 << 11
	PermManageMessages         Permissions = 1 << 13
	PermEmbedLinks             Permissions = 1 << 14
	PermAttachFiles            Permissions = 1 << 15
	PermReadMessageHistory     Permissions = 1 << 16
	PermMentionEveryone        Permissions = 1 << 17
	PermUseExternalEmojis      Permissions = 1 << 18
	PermConnect                Permissions = 1 << 20
	PermSpeak                  Permissions = 1 << 21
	PermChangeNickname         Permissions = 1 << 26
	PermManageNicknames        Permissions = 1 << 27
	PermManageRoles            Permissions = 1 << 28
	PermUseApplicationCommands Permissions = 1 << 31
	PermModerateMembers        Permissions = 1 << 40

	// PermAll is every permission bit Discord currently defines; owners and administrators
	// hold it.
	PermAll Permissions = 1<<51 - 1

	// PermDefaultEveryone approximates what Discord grants @everyone in a new guild.
	PermDefaultEveryone = PermCreateInstantInvite | PermAddReactions | PermViewChannel |
		PermSendMessages | PermEmbedLinks | PermAttachFiles | PermReadMessageHistory |
		PermUseExternalEmojis | PermConnect | PermSpeak | PermChangeNickname |
		PermUseApplicationCommands
)

// Has reports whether every bit of p2 is set in p.
func (p Permissions) Has(p2 Permissions) bool { return p&p2 == p2 }

// String returns the decimal form used on the wire.
func (p Permissions) String() string { return strconv.FormatUint(uint64(p), 10) }

// MarshalJSON encodes the bitfield as a string.
func (p Permissions) MarshalJSON() ([]byte, error) {
	return []byte(`"` + p.String() + `"`), nil
}

// UnmarshalJSON accepts "8", 8 and null.
func (p *Permissions) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = 0
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("discordsim: %q is not a permission bitfield: %w", b, err)
	}
	*p = Permissions(v)
	return nil
}
