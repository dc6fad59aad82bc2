package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/oauth"
	"github.com/portico-mcp/portico/internal/store"
)

// userCacheTTL is how long a user's role and disabled flag are reused
// between requests: a role change or a disabled account takes effect within
// this time on the MCP endpoint.
const userCacheTTL = 5 * time.Second

// userCache remembers recently loaded users for userCacheTTL, bounded.
type userCache struct {
	mu      sync.Mutex
	entries map[int64]userEntry
}

type userEntry struct {
	u  store.User
	at time.Time
}

const userCacheMax = 4096

// user returns the user behind p, from the cache when fresh. A missing or
// disabled user is an invalid_token *oauth.Error: the token must not work.
func (h *Handler) user(ctx context.Context, id int64) (store.User, error) {
	now := h.now()
	h.users.mu.Lock()
	e, ok := h.users.entries[id]
	h.users.mu.Unlock()
	if !ok || now.Sub(e.at) > userCacheTTL || now.Before(e.at) {
		u, err := h.Users.GetUser(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.User{}, &oauth.Error{Code: oauth.ErrCodeInvalidToken, Description: "the token's user no longer exists", Status: 401}
		}
		if err != nil {
			return store.User{}, fmt.Errorf("mcpserver: load user %d: %w", id, err)
		}
		e = userEntry{u: u, at: now}
		h.users.mu.Lock()
		if h.users.entries == nil || len(h.users.entries) >= userCacheMax {
			h.users.entries = make(map[int64]userEntry)
		}
		h.users.entries[id] = e
		h.users.mu.Unlock()
	}
	if e.u.Disabled {
		return store.User{}, &oauth.Error{Code: oauth.ErrCodeInvalidToken, Description: "the token's user is disabled", Status: 401}
	}
	return e.u, nil
}

// actorFor is the content actor of the request's principal.
func (h *Handler) actorFor(ctx context.Context) (content.Actor, error) {
	p := principalFrom(ctx)
	if p == nil {
		return content.Actor{}, errors.New("mcpserver: no principal in the request context")
	}
	if p.actor != nil {
		return *p.actor, nil
	}
	u, err := h.user(ctx, p.UserID)
	if err != nil {
		return content.Actor{}, err
	}
	via := p.ClientID
	if via == "" && p.PersonalTokenID != 0 {
		via = "personal-token:" + strconv.FormatInt(p.PersonalTokenID, 10)
	}
	a := content.TokenActor(u, via, p.Scopes)
	return a, nil
}
