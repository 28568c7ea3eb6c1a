package bus

import (
	"errors"
	"time"
)

// ErrPermanent marks a handler error that retrying cannot fix (a malformed payload, a
// command for a guild that no longer exists): the message is dead-lettered at once.
var ErrPermanent = errors.New("permanent failure")

// Permanent marks err as permanent, so the message is dead-lettered without retries.
// errors.Is(Permanent(err), ErrPermanent) holds and err stays reachable through
// errors.Unwrap. Permanent(nil) is nil, so a successful result stays a success.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error        { return e.err }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// IsPermanent reports whether err is, or wraps, a permanent failure.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// RetryAfter marks err as transient with a known wait, such as Discord's retry_after on a
// 429: the message is redelivered after d instead of the consumer's back-off. It still
// counts towards MaxDeliver. RetryAfter(nil, d) is nil.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, after: d}
}

type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// retryDelay returns the delay requested with RetryAfter, if any.
func retryDelay(err error) (time.Duration, bool) {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return max(ra.after, 0), true
	}
	return 0, false
}
