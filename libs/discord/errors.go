package discord

import (
	"errors"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// Discord's JSON error codes that change what we do.
const (
	CodeUnknownInteraction  = 10062
	CodeAlreadyAcknowledged = 40060
	CodeUnknownMember       = 10007
	CodeUnknownUser         = 10013
	CodeUnknownMessage      = 10008
	CodeCannotDMUser        = 50007
	CodeMissingPermissions  = 50013
	CodeInvalidWebhookToken = 50027
)

// Code returns Discord's JSON error code and HTTP status of err, or zeros.
func Code(err error) (code, status int) {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		if re.Message != nil {
			code = re.Message.Code
		}
		if re.Response != nil {
			status = re.Response.StatusCode
		}
	}
	return code, status
}

// Transient reports whether retrying later may succeed: network trouble, 5xx, or a 429.
// Everything else Discord refused is final and must not be hammered (DISCORD.md: too
// many 401/403/429s get the bot's address banned).
func Transient(err error) bool {
	if err == nil {
		return false
	}
	_, status := Code(err)
	if status == 0 {
		return true // no HTTP answer at all: a network error
	}
	return status == http.StatusTooManyRequests || status >= 500
}

// Unauthorized reports a 401 about the bot's token: it is wrong, and nothing will work
// until it is fixed. An interaction's or webhook's own token that has expired (401 with
// code 50027, after Discord's 15 minutes) says nothing about the bot's.
func Unauthorized(err error) bool {
	code, status := Code(err)
	return status == http.StatusUnauthorized && code != CodeInvalidWebhookToken
}
