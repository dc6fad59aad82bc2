package mcpserver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/mcpserver"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

const publicURL = "https://mcp.example.com"

// env is a real stack: SQLite on a temp dir, the content service, the OAuth
// verifier and the MCP handler behind an httptest server.
type env struct {
	t       testing.TB
	st      *sqlite.Store
	content *content.Service
	oauth   *oauth.Service
	handler *mcpserver.Handler
	srv     *httptest.Server
	users   map[store.Role]store.User
	author2 store.User
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &content.Service{Store: st, BaseURL: "https://blog.example.com"}
	os, err := oauth.New(oauth.Config{Store: st, Issuer: publicURL})
	if err != nil {
		t.Fatalf("oauth.New: %v", err)
	}
	e := &env{t: t, st: st, content: cs, oauth: os, users: map[store.Role]store.User{}}
	for _, r := range []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer} {
		u, err := st.CreateUser(ctx, store.User{Email: string(r) + "@example.com", Name: string(r), Role: r})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		e.users[r] = u
	}
	e.author2, err = st.CreateUser(ctx, store.User{Email: "author2@example.com", Name: "Author Two", Role: store.RoleAuthor})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := st.CreateClient(ctx, store.Client{ID: "test-client", Type: store.ClientStatic, Name: "Test",
		RedirectURIs: []string{"http://localhost/cb"}, TokenEndpointAuthMethod: "none", CreatedAt: time.Now()}); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	e.handler = &mcpserver.Handler{
		Content: cs, Verifier: os, Users: st, Events: st, PublicURL: publicURL,
		PinReads: st.PinReads, Grants: st, // as the server wires them
	}
	mux := http.NewServeMux()
	e.handler.Mount(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// token mints a real OAuth access token (grant + hashed token in the store)
// for the user with exactly these scopes, bound to the MCP resource.
func (e *env) token(u store.User, scopes ...string) string {
	e.t.Helper()
	return e.tokenFor(publicURL+"/mcp", u, scopes...)
}

// tokenFor mints an access token bound to resource.
func (e *env) tokenFor(resource string, u store.User, scopes ...string) string {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now()
	var b [32]byte
	_, _ = rand.Read(b[:])
	raw := oauth.PrefixAccessToken + base64.RawURLEncoding.EncodeToString(b[:])
	g, err := e.st.CreateGrant(ctx, store.Grant{ID: "gr_" + raw[len(raw)-12:], UserID: u.ID, ClientID: "test-client",
		Scopes: scopes, Resource: resource, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		e.t.Fatalf("CreateGrant: %v", err)
	}
	if err := e.st.CreateTokens(ctx, store.Token{Hash: oauth.HashSecret(raw), Kind: store.TokenAccess, GrantID: g.ID,
		ClientID: "test-client", UserID: u.ID, Scopes: scopes, Resource: resource,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatalf("CreateTokens: %v", err)
	}
	return raw
}

func allScopes() []string {
	return []string{"content:read", "content:write", "content:publish", "site:admin"}
}

// post creates a post directly through the content service.
func (e *env) post(owner store.User, title string, status store.PostStatus) content.Post {
	e.t.Helper()
	a := content.TokenActor(owner, "", allScopes())
	p, err := e.content.CreatePost(context.Background(), a, content.NewPost{Title: title, Body: "Body of " + title + " about gardening.", Status: status})
	if err != nil {
		e.t.Fatalf("CreatePost %q: %v", title, err)
	}
	return p
}

// rawResp is a decoded raw HTTP answer.
type rawResp struct {
	status int
	header http.Header
	body   []byte
}

func (r rawResp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%v): %q", err, r.body)
	}
	return m
}

// do sends a raw request; headers is name, value pairs.
func (e *env) do(method, path, body string, headers ...string) rawResp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{status: resp.StatusCode, header: resp.Header, body: bytes.TrimSpace(b)}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func adminActor(e *env) content.Actor {
	return content.TokenActor(e.users[store.RoleAdmin], "", allScopes())
}

// comment adds a pending reader comment to post and returns its id.
func (e *env) comment(postID int64) int64 {
	e.t.Helper()
	c, err := e.st.CreateComment(context.Background(), store.Comment{PostID: postID, AuthorName: "Reader",
		AuthorEmail: "reader@example.com", Body: "Nice post!", Status: store.CommentPending, CreatedAt: time.Now(), ModifiedAt: time.Now()})
	if err != nil {
		e.t.Fatalf("CreateComment: %v", err)
	}
	return c.ID
}

func newHTTPServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// clock is a settable Handler.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// remount serves h, configured like newEnv's handler plus what mod sets,
// in place of the env's handler.
func (e *env) remount(mod func(h *mcpserver.Handler)) *mcpserver.Handler {
	h := &mcpserver.Handler{Content: e.content, Verifier: e.oauth, Users: e.st, Events: e.st,
		PublicURL: publicURL, PinReads: e.st.PinReads, Grants: e.st}
	mod(h)
	mux := http.NewServeMux()
	h.Mount(mux)
	e.srv.Config.Handler = mux
	return h
}
