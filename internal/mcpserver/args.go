package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// argError is a tool argument that is missing or malformed. Its text names
// the argument so the assistant can fix the call.
type argError struct {
	field string
	msg   string
}

func (e *argError) Error() string { return fmt.Sprintf("argument %q: %s", e.field, e.msg) }

func badArg(field, format string, args ...any) error {
	return &argError{field: field, msg: fmt.Sprintf(format, args...)}
}

// decodeArgs unmarshals tool arguments into v. Missing arguments decode as
// the zero value; type errors name the argument.
func decodeArgs(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '{' {
		return badArg("arguments", "must be a JSON object")
	}
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "arguments"
		}
		return badArg(field, "must be %s, not a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	var ae *argError
	if errors.As(err, &ae) {
		return ae
	}
	return badArg("arguments", "are not valid JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "an integer"
	case strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice":
		return "an array"
	}
	return "a " + goKind
}

// flexInt is an integer argument that also accepts a numeric string: models
// often quote ids ("42").
type flexInt int64

// UnmarshalJSON accepts 42, 42.0 and "42".
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int64(x)) {
		*f = flexInt(int64(x))
		return nil
	}
	return &json.UnmarshalTypeError{Value: "value " + string(b), Type: reflect.TypeFor[int64]()}
}

// parseTime reads an RFC 3339 timestamp argument (a date alone means
// midnight UTC).
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, badArg(field, "must be an RFC 3339 date-time such as 2026-10-01T09:00:00Z, not %q", s)
}

var stringSliceType = reflect.TypeFor[[]string]()
