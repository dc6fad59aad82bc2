package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an HTTP failure whose public message is kept apart from the cause
// that is logged. The zero Status means 500.
type Error struct {
	Status int    // HTTP status; 0 means 500
	Public string // shown to the client; empty means the status text
	Cause  error  // logged, never shown
}

// Errorf returns an *Error with a public message and no separate cause.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Public: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error that shows public to the client and logs cause.
func Wrap(status int, public string, cause error) *Error {
	return &Error{Status: status, Public: public, Cause: cause}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status(), e.Public, e.Cause)
	}
	return fmt.Sprintf("%d %s", e.status(), e.Public)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) status() int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}

func (e *Error) public() string {
	if e.Public == "" {
		return http.StatusText(e.status())
	}
	return e.Public
}

// HandlerFunc is an http.Handler that may fail. Call Handle to turn it into an
// http.Handler that renders the error once.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts fn: a returned *Error is written with its status and public
// message (as JSON when the client accepts it, text otherwise) and its cause
// logged; any other error is a logged 500 with a generic message.
func Handle(logger *slog.Logger, fn HandlerFunc) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var he *Error
		if !errors.As(err, &he) {
			he = &Error{Status: http.StatusInternalServerError, Cause: err}
		}
		level := slog.LevelInfo
		if he.status() >= 500 {
			level = slog.LevelError
		}
		logger.LogAttrs(r.Context(), level, "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", he.status()), slog.String("error", err.Error()))
		WriteError(w, r, he.status(), he.public())
	})
}

// WriteError writes status with message, as {"error": message} JSON when the
// request accepts JSON and as plain text otherwise.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if AcceptsJSON(r) {
		_ = WriteJSON(w, status, map[string]string{"error": message})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, message)
}

// AcceptsJSON reports whether the request prefers a JSON answer: it sent JSON
// or lists application/json in Accept.
func AcceptsJSON(r *http.Request) bool {
	if r == nil {
		return false
	}
	return containsToken(r.Header.Get("Accept"), "application/json") ||
		containsToken(r.Header.Get("Content-Type"), "application/json")
}

// WriteJSON writes v as JSON with the given status. It never HTML-escapes, so
// URLs stay readable.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("httpx: encode json: %w", err)
	}
	return nil
}
