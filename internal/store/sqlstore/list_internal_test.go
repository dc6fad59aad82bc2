package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestPlainListMatchesJSON: where the reflection-free list decoder applies
// it reads what encoding/json reads, and it declines everything else.
func TestPlainListMatchesJSON(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`[]`, true}, {`["a"]`, true}, {`["content:read","offline_access"]`, true}, {`["",""]`, true},
		{`[ "a"]`, false}, {`["a",]`, false}, {`["a" ,"b"]`, false}, {`["a\"b"]`, false}, {`["é"]`, false},
		{`null`, false}, {`["a"`, false}, {`[1]`, false}, {`["a","b`, false}, {`["a"]x`, false},
	} {
		got, ok := plainList([]byte(c.in))
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		var want []string
		if err := json.Unmarshal([]byte(c.in), &want); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", c.in, got, want)
		}
	}
}
