package discordsim

import (
	"errors"
	"sync"

	"github.com/novera-bot/novera/libs/discordsim/openapi"
)

// specLoader parses the embedded OpenAPI description on first use: a simulator that never
// receives a body never pays for it.
type specLoader struct {
	once sync.Once
	spec *openapi.Spec
	err  error
	warm sync.Once
}

// warmSpec compiles the schemas of every route in the background at the first REST request
// (a bot's first calls, /gateway/bot and /users/@me, have no body), so that the first command
// registration or message does not wait for it.
func (s *Server) warmSpec() {
	if s.opts.SkipSchemaValidation {
		return
	}
	s.spec.warm.Do(func() {
		if !s.track() {
			return
		}
		go func() {
			defer s.wg.Done()
			spec, err := s.spec.get()
			if err != nil {
				return
			}
			for _, rt := range s.routes {
				if s.ctx.Err() != nil {
					return
				}
				_, _ = spec.Operation(rt.method, rt.pattern)
			}
		}()
	})
}

func (l *specLoader) get() (*openapi.Spec, error) {
	l.once.Do(func() {
		if l.spec == nil {
			l.spec, l.err = openapi.Embedded()
		}
	})
	return l.spec, l.err
}

// validateBody checks a request body against the operation's schema in Discord's OpenAPI
// description and turns failures into Discord's 50035 with field paths. Routes the
// description does not know, and operations without a body, pass.
func (s *Server) validateBody(rt *route, payload []byte) *apiError {
	if s.opts.SkipSchemaValidation {
		return nil
	}
	spec, err := s.spec.get()
	if err != nil {
		// The embedded copy is tested to parse; a broken Options.Spec must not take REST down.
		s.log.Error("openapi description unusable; request bodies are not validated", "err", err)
		return nil
	}
	op, err := spec.Operation(rt.method, rt.pattern)
	if errors.Is(err, openapi.ErrUnknownOperation) {
		return nil
	}
	if err != nil {
		s.log.Error("openapi operation unusable; its bodies are not validated", "route", rt.method+" "+rt.pattern, "err", err)
		return nil
	}
	fes, err := op.Validate(payload)
	if errors.Is(err, openapi.ErrInvalidJSON) {
		return errInvalidJSON
	}
	if len(fes) == 0 {
		return nil
	}
	errs := formErrors{}
	for _, fe := range fes {
		errs.add(fe.Path, fe.Code, fe.Message)
	}
	return errs.err()
}
