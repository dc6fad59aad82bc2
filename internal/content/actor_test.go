package content_test

import (
	"fmt"
	"testing"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// TestCapabilityMatrix spells out, role by role, which capability each has on
// its own resources and on other people's (with every scope granted).
func TestCapabilityMatrix(t *testing.T) {
	type ownOthers struct{ own, others bool }
	yes, no, ownOnly := ownOthers{true, true}, ownOthers{false, false}, ownOthers{true, false}
	want := map[content.Capability]map[store.Role]ownOthers{
		content.CapRead:             {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: yes, store.RoleViewer: yes},
		content.CapReadPrivate:      {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: ownOnly, store.RoleViewer: no},
		content.CapEditPosts:        {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: ownOnly, store.RoleViewer: no},
		content.CapPublishPosts:     {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: ownOnly, store.RoleViewer: no},
		content.CapDeletePosts:      {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: ownOnly, store.RoleViewer: no},
		content.CapEditPages:        {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapPublishPages:     {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapDeletePages:      {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapFeaturePosts:     {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapReplyComments:    {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: yes, store.RoleViewer: no},
		content.CapModerateComments: {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapManageTerms:      {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapViewStats:        {store.RoleAdmin: yes, store.RoleEditor: yes, store.RoleAuthor: yes, store.RoleViewer: no},
		content.CapManageSettings:   {store.RoleAdmin: yes, store.RoleEditor: no, store.RoleAuthor: no, store.RoleViewer: no},
		content.CapListUsers:        {store.RoleAdmin: yes, store.RoleEditor: no, store.RoleAuthor: no, store.RoleViewer: no},
	}
	rules := content.CapabilityRules()
	if len(rules) != len(want) {
		t.Fatalf("CapabilityRules has %d rules, the test knows %d", len(rules), len(want))
	}
	const me, other = 7, 8
	for _, r := range rules {
		for _, role := range []store.Role{store.RoleAdmin, store.RoleEditor, store.RoleAuthor, store.RoleViewer} {
			a := content.Actor{UserID: me, Role: role, Scopes: content.Scopes()}
			w, ok := want[r.Cap][role]
			if !ok {
				t.Fatalf("no expectation for %s/%s", r.Cap, role)
			}
			t.Run(fmt.Sprintf("%s/%s", r.Cap, role), func(t *testing.T) {
				if got := content.Can(a, r.Cap, me); got != w.own {
					t.Errorf("own: got %v, want %v", got, w.own)
				}
				if got := content.Can(a, r.Cap, other); got != w.others {
					t.Errorf("others: got %v, want %v", got, w.others)
				}
				if err := content.Check(a, r.Cap, other); !w.others {
					checkErr(t, err, content.KindForbidden, "", "") // a role problem: no scope helps
				}
			})
		}
	}
}

// TestScopes checks that the effective permission is scopes ∩ role, and
// that NeedScope names the scope only when the role would allow it.
func TestScopes(t *testing.T) {
	admin := store.User{ID: 1, Role: store.RoleAdmin}
	author := store.User{ID: 2, Role: store.RoleAuthor}
	tests := []struct {
		name      string
		a         content.Actor
		c         content.Capability
		owner     int64
		needScope string // "" with ok
		ok        bool
	}{
		{"read with content:read", content.TokenActor(author, "c", []string{content.ScopeRead}), content.CapRead, 0, "", true},
		{"read without content:read", content.TokenActor(author, "c", []string{content.ScopeWrite}), content.CapRead, 0, content.ScopeRead, false},
		{"write own draft", content.TokenActor(author, "c", []string{content.ScopeWrite}), content.CapEditPosts, 2, "", true},
		{"write needs content:write", content.TokenActor(author, "c", []string{content.ScopeRead}), content.CapEditPosts, 2, content.ScopeWrite, false},
		{"publish own needs content:publish", content.TokenActor(author, "c", []string{content.ScopeRead, content.ScopeWrite}), content.CapPublishPosts, 2, content.ScopePublish, false},
		{"publish own with content:publish", content.TokenActor(author, "c", []string{content.ScopePublish}), content.CapPublishPosts, 2, "", true},
		{"author publishing others: role, not scope", content.TokenActor(author, "c", []string{content.ScopeRead}), content.CapPublishPosts, 9, "", false},
		{"settings need site:admin", content.TokenActor(admin, "c", content.Scopes()[:3]), content.CapManageSettings, 0, content.ScopeAdmin, false},
		{"unknown scopes ignored", content.TokenActor(admin, "c", []string{"offline_access", "site:admin"}), content.CapListUsers, 0, "", true},
		{"web actor has every scope", content.WebActor(admin), content.CapManageSettings, 0, "", true},
		{"anonymous reads published", content.Actor{}, content.CapRead, 0, "", true},
		{"anonymous reads nothing private", content.Actor{}, content.CapReadPrivate, 0, "", false},
		{"invalid role can do nothing", content.Actor{UserID: 3, Role: "owner", Scopes: content.Scopes()}, content.CapRead, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := content.Check(tt.a, tt.c, tt.owner)
			if tt.ok {
				checkErr(t, err, "", "", "")
				return
			}
			checkErr(t, err, content.KindForbidden, "", tt.needScope)
		})
	}
}
