// Package apperr defines the kinded errors shared by every citizengraph
// subgraph and the gateway.
//
// Domain code returns errors built with [E]; the GraphQL edge
// (internal/gqlserver) turns the kind into extensions.code and hides the
// wrapped cause of internal errors, so SQL text or stack traces never reach
// a client.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for clients.
type Kind uint8

// The kinds, with the extensions.code each one maps to.
const (
	Internal          Kind = iota // INTERNAL_SERVER_ERROR
	Invalid                       // BAD_USER_INPUT
	NotFound                      // NOT_FOUND
	Unauthenticated               // UNAUTHENTICATED
	Permission                    // FORBIDDEN
	Conflict                      // CONFLICT
	IllegalTransition             // ILLEGAL_TRANSITION
	Unavailable                   // SERVICE_UNAVAILABLE
	TooLarge                      // PAYLOAD_TOO_LARGE
)

var codes = [...]string{
	Internal:          "INTERNAL_SERVER_ERROR",
	Invalid:           "BAD_USER_INPUT",
	NotFound:          "NOT_FOUND",
	Unauthenticated:   "UNAUTHENTICATED",
	Permission:        "FORBIDDEN",
	Conflict:          "CONFLICT",
	IllegalTransition: "ILLEGAL_TRANSITION",
	Unavailable:       "SERVICE_UNAVAILABLE",
	TooLarge:          "PAYLOAD_TOO_LARGE",
}

// Code is the GraphQL extensions.code of the kind.
func (k Kind) Code() string {
	if int(k) < len(codes) {
		return codes[k]
	}
	return codes[Internal]
}

func (k Kind) String() string { return k.Code() }

// Error is a kinded error. Msg is safe to show to clients; Err is the cause,
// shown only in logs.
type Error struct {
	Op   string // the operation, e.g. "practices.Transition"
	Kind Kind
	Msg  string // client-safe message
	Err  error  // underlying cause, may be nil
}

// E builds an *Error. msg is the client-facing message.
func E(op string, kind Kind, msg string, cause ...error) *Error {
	e := &Error{Op: op, Kind: kind, Msg: msg}
	if len(cause) > 0 {
		e.Err = cause[0]
	}
	return e
}

// Errorf builds an *Error with a formatted client-facing message.
func Errorf(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap marks cause as an internal error of op. The client sees only a
// generic message.
func Wrap(op string, cause error) error {
	if cause == nil {
		return nil
	}
	var e *Error
	if errors.As(cause, &e) {
		return cause
	}
	return &Error{Op: op, Kind: Internal, Msg: "internal error", Err: cause}
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err has the given kind.
func Is(kind Kind, err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// PublicMessage is the message a client may see for err.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Msg
	}
	return "internal error"
}
