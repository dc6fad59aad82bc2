package content

import (
	"errors"
	"fmt"
)

// Kind classifies an *Error so each caller can map it once: the MCP tools to
// an isError result, the HTTP layer to a status code.
type Kind string

// The kinds of error the service returns. Any error that is not an *Error is
// an internal failure (the database is down, ...) and should be logged, not
// shown.
const (
	// KindInvalid: the input breaks a rule (Field names the input).
	KindInvalid Kind = "invalid"
	// KindForbidden: the actor's role or token scopes do not allow the
	// operation. NeedScope is set when granting that scope would help.
	KindForbidden Kind = "forbidden"
	// KindNotFound: the record does not exist, or the actor may not know
	// that it exists (another author's draft).
	KindNotFound Kind = "not_found"
	// KindConflict: the record changed since it was read (a pinned Version
	// moved on) or a unique name is taken.
	KindConflict Kind = "conflict"
)

// Error is a failure the caller can explain to the person or assistant that
// asked. Message is a complete sentence fit to show; it names the offending
// field. Err, when set, is the underlying cause (for logs and errors.Is).
type Error struct {
	Kind Kind
	// Field is the input that was wrong, in the snake_case used by the tool
	// arguments ("title", "publish_at"); empty when no single field is to blame.
	Field string
	// Message says what went wrong and, where possible, what to do instead.
	Message string
	// NeedScope is the OAuth scope whose absence caused a KindForbidden
	// error while the user's role would allow the operation; the HTTP layer
	// turns it into an insufficient_scope challenge. Empty otherwise.
	NeedScope string
	// Err is the wrapped cause, if any.
	Err error
}

// Error returns Message, which is written to be shown as is.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or "" when err
// is nil or not a content error (an internal failure).
func KindOf(err error) Kind {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return ""
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

func invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflictf(field string, cause error, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Field: field, Message: fmt.Sprintf(format, args...), Err: cause}
}
