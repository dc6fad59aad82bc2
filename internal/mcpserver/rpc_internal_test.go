package mcpserver

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestPeekPlainMatchesUnmarshal: where the reflection-free reading of a
// request applies, it reads what json.Unmarshal reads; and it declines the
// shapes where the two could differ.
func TestPeekPlainMatchesUnmarshal(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_post","arguments":{"id":1}}}`, true},
		{` { "method" : "tools/list" , "params":{} ,"jsonrpc":"2.0", "id":"a\"b" } `, true},
		{`{"jsonrpc":"2.0","id":null,"method":"x","params":null}`, true},
		{`{"jsonrpc":"2.0","id":1,"method":"x"}`, true},
		{`{"jsonrpc":"2.0","id":1,"method":"x\u0041"}`, false},
		{`{"jsonrpc":"2.0","id":1,"Method":"x"}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","method":"y"}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x","extra":{"a":[1,"}"]}}`, false},
		{`{"jsonrpc":"1.0","id":1,"method":"x"}`, false},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":5}`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x"`, false},
		{`{"jsonrpc":"2.0","id":1,"method":"x"} trailing`, false},
		{`[{"jsonrpc":"2.0","id":1,"method":"x"}]`, false},
	} {
		got, ok := peekPlain([]byte(c.body))
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.body, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		var want rpcPeek
		if err := json.Unmarshal([]byte(c.body), &want); err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.body, got, want)
		}
	}
}
