package discordsim

import (
	"errors"
	"net/http"
	"strings"
)

// Errors returned by the Go driving API (Slash, Prefix, Click, SubmitModal). The control API
// answers 400 for all of them.
var (
	ErrUnknownGuild     = errors.New("discordsim: unknown guild")
	ErrUnknownChannel   = errors.New("discordsim: unknown channel")
	ErrUnknownUser      = errors.New("discordsim: unknown user")
	ErrUnknownMessage   = errors.New("discordsim: unknown message")
	ErrUnknownCommand   = errors.New("discordsim: unknown command")
	ErrUnknownComponent = errors.New("discordsim: unknown component")
	// ErrBadInput covers malformed slash text, option values and requests.
	ErrBadInput = errors.New("discordsim: bad input")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("discordsim: server closed")
)

// apiError is a Discord REST error: {"message", "code", "errors"?} with an HTTP status.
type apiError struct {
	status  int
	code    int
	message string
	errors  formErrors
}

func (e *apiError) body() map[string]any {
	b := map[string]any{"message": e.message, "code": e.code}
	if len(e.errors) > 0 {
		b["errors"] = e.errors
	}
	return b
}

func newAPIError(status, code int, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// The JSON error codes Discord documents, with their exact messages.
var (
	errUnauthorized     = newAPIError(http.StatusUnauthorized, 0, "401: Unauthorized")
	errNotFound         = newAPIError(http.StatusNotFound, 0, "404: Not Found")
	errMethodNotAllowed = newAPIError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	errUnknownChannel   = newAPIError(http.StatusNotFound, 10003, "Unknown Channel")
	errUnknownGuild     = newAPIError(http.StatusNotFound, 10004, "Unknown Guild")
	errUnknownMember    = newAPIError(http.StatusNotFound, 10007, "Unknown Member")
	errUnknownMessage   = newAPIError(http.StatusNotFound, 10008, "Unknown Message")
	errUnknownRole      = newAPIError(http.StatusNotFound, 10011, "Unknown Role")
	errUnknownUser      = newAPIError(http.StatusNotFound, 10013, "Unknown User")
	errUnknownWebhook   = newAPIError(http.StatusNotFound, 10015, "Unknown Webhook")
	errUnknownInteract  = newAPIError(http.StatusNotFound, 10062, "Unknown interaction")
	errTooLarge         = newAPIError(http.StatusRequestEntityTooLarge, 40005, "Request entity too large")
	errAlreadyAcked     = newAPIError(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	errMissingAccess    = newAPIError(http.StatusForbidden, 50001, "Missing Access")
	errEditOthers       = newAPIError(http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
	errEmptyMessage     = newAPIError(http.StatusBadRequest, 50006, "Cannot send an empty message")
	errCannotDM         = newAPIError(http.StatusForbidden, 50007, "Cannot send messages to this user")
	errMissingPerms     = newAPIError(http.StatusForbidden, 50013, "Missing Permissions")
	errInvalidToken     = newAPIError(http.StatusUnauthorized, 50027, "Invalid Webhook Token")
	errInvalidJSON      = newAPIError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
)

// formErrors is the nested "errors" object of a 50035 Invalid Form Body: each path segment is a
// key and the leaves hold {"_errors": [{code, message}]}.
type formErrors map[string]any

// add records an error at a dotted path such as "embeds.0.title"; "" is the root.
func (f formErrors) add(path, code, message string) {
	node := map[string]any(f)
	if path != "" {
		for _, seg := range strings.Split(path, ".") {
			child, ok := node[seg].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[seg] = child
			}
			node = child
		}
	}
	list, _ := node["_errors"].([]map[string]string)
	node["_errors"] = append(list, map[string]string{"code": code, "message": message})
}

// err returns the 50035 error, or nil when nothing was added.
func (f formErrors) err() *apiError {
	if len(f) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: 50035, message: "Invalid Form Body", errors: f}
}

// invalidForm is a one-field 50035.
func invalidForm(path, code, message string) *apiError {
	f := formErrors{}
	f.add(path, code, message)
	return f.err()
}
