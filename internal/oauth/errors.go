package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// OAuth error codes (RFC 6749 §4.1.2.1, §5.2; RFC 7591 §3.2.2; RFC 8707 §2;
// RFC 6750 §3.1).
const (
	ErrCodeInvalidRequest          = "invalid_request"
	ErrCodeInvalidClient           = "invalid_client"
	ErrCodeInvalidGrant            = "invalid_grant"
	ErrCodeUnauthorizedClient      = "unauthorized_client"
	ErrCodeUnsupportedGrantType    = "unsupported_grant_type"
	ErrCodeUnsupportedResponseType = "unsupported_response_type"
	ErrCodeInvalidScope            = "invalid_scope"
	ErrCodeAccessDenied            = "access_denied"
	ErrCodeServerError             = "server_error"
	ErrCodeInvalidTarget           = "invalid_target"
	ErrCodeInvalidRedirectURI      = "invalid_redirect_uri"
	ErrCodeInvalidClientMetadata   = "invalid_client_metadata"
	ErrCodeInvalidToken            = "invalid_token"
	ErrCodeInsufficientScope       = "insufficient_scope"
	ErrCodeUnsupportedTokenType    = "unsupported_token_type"
)

// Error is an OAuth error value. It is rendered once, as the RFC 6749 §5.2
// JSON body {"error": Code, "error_description": Description}, with Status as
// the HTTP status (0 means 400). Cause is logged, never shown.
type Error struct {
	Code        string
	Description string
	Status      int
	Cause       error
}

// Errorf returns an *Error with the code, a 400 status and a formatted
// description.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func (e *Error) Error() string {
	s := e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the logged cause.
func (e *Error) Unwrap() error { return e.Cause }

// HTTPStatus is Status, or 400 when Status is zero.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// MarshalJSON renders the RFC 6749 §5.2 body; error_description is omitted
// when empty.
func (e *Error) MarshalJSON() ([]byte, error) {
	v := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	return json.Marshal(v)
}

func invalidGrant(format string, args ...any) *Error {
	return Errorf(ErrCodeInvalidGrant, format, args...)
}

func invalidClient(desc string) *Error {
	return &Error{Code: ErrCodeInvalidClient, Description: desc, Status: http.StatusUnauthorized}
}

func serverError(cause error) *Error {
	return &Error{Code: ErrCodeServerError, Description: "internal error", Status: http.StatusInternalServerError, Cause: cause}
}
