package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors every backend returns (wrapped with context) so callers can
// test them with errors.Is.
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a uniqueness rule or a compare-and-swap precondition
	// failed: the slug is taken, the version moved on, the code was used.
	ErrConflict = errors.New("store: conflict")
)

// Store is everything Portico keeps. A backend (sqlite, postgres) implements it;
// consumers should accept the narrow per-aggregate interface they need.
type Store interface {
	Users
	Sessions
	Invites
	Clients
	AuthCodes
	Grants
	Tokens
	Consents
	Events
	Posts
	Comments
	Terms
	Settings
	PersonalTokens
	WebAuthnCredentials
	SSERelay

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// GarbageCollect deletes rows that expired before now (codes, tokens,
	// sessions, invites, unused dynamic clients), tokens revoked and invites
	// used more than 24 h ago, and events older than 90 days, and reports how
	// many rows each table lost.
	GarbageCollect(ctx context.Context, now time.Time) (GCStats, error)
	// Close releases the database. Call it last, after the HTTP server stopped.
	Close() error
}

// GCStats counts the rows GarbageCollect removed, per table.
type GCStats map[string]int64

// Total is the sum of all removed rows.
func (s GCStats) Total() int64 {
	var n int64
	for _, v := range s {
		n += v
	}
	return n
}

// ---------------------------------------------------------------------------
// People

// Role is a WordPress-like role. The zero value is not a valid role.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin  Role = "admin"
	RoleEditor Role = "editor"
	RoleAuthor Role = "author"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleAuthor, RoleViewer:
		return true
	}
	return false
}

// User is a person who can log in. Email is unique (stored lower-case).
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	PasswordHash string // PHC-encoded argon2id; empty when the user has no password
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Users keeps people.
type Users interface {
	// CreateUser inserts u and returns it with ID and times set.
	// ErrConflict when the email is taken.
	CreateUser(ctx context.Context, u User) (User, error)
	GetUser(ctx context.Context, id int64) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser writes Email, Name, Role, PasswordHash and Disabled.
	UpdateUser(ctx context.Context, u User) (User, error)
	CountUsers(ctx context.Context) (int64, error)
}

// Session is a signed-in browser. The cookie holds a random secret; the store
// keeps only its SHA-256 hash.
type Session struct {
	IDHash     []byte
	UserID     int64
	CSRFSecret []byte
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// Sessions keeps browser sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, idHash []byte) (Session, error)
	// TouchSession moves LastSeenAt and ExpiresAt forward.
	TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	ListUserSessions(ctx context.Context, userID int64) ([]Session, error)
}

// Invite is a one-time link that creates a user (the first-run setup link is an
// invite for the admin role). Only the hash of the link's secret is kept.
type Invite struct {
	Hash      []byte
	Email     string // empty: the person chooses
	Role      Role
	CreatedBy int64 // 0 for the setup link
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// Invites keeps one-time links.
type Invites interface {
	CreateInvite(ctx context.Context, inv Invite) error
	GetInvite(ctx context.Context, hash []byte) (Invite, error)
	// UseInvite marks the invite used at now if it is unused and unexpired;
	// ErrConflict if it was used, ErrNotFound if unknown or expired.
	UseInvite(ctx context.Context, hash []byte, now time.Time) (Invite, error)
}

// ---------------------------------------------------------------------------
// OAuth

// ClientType says how a client came to be known.
type ClientType string

// Client types.
const (
	ClientDynamic  ClientType = "dcr"    // RFC 7591 registration
	ClientMetadata ClientType = "cimd"   // client ID metadata document (ID is an https URL)
	ClientStatic   ClientType = "static" // pre-registered by an admin
)

// Client is an OAuth client. For CIMD clients ID is the document URL and the
// record is a cache of the document.
type Client struct {
	ID                      string
	SecretHash              []byte // nil for public clients
	Type                    ClientType
	Name                    string
	RedirectURIs            []string
	GrantTypes              []string
	ResponseTypes           []string
	TokenEndpointAuthMethod string
	Scope                   string // requested at registration (informational)
	ClientURI               string
	LogoURI                 string
	SoftwareID              string
	SoftwareVersion         string
	// AllowedScopes caps what the client may ever be granted; nil means no cap.
	AllowedScopes []string
	// Fingerprint identifies identical registrations (same name, redirect
	// URIs, software) so re-registering does not pile up clients.
	Fingerprint  string
	MetadataJSON []byte // the document or registration body as received
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastUsedAt   time.Time // zero: never used for a token
	ExpiresAt    time.Time // zero: never (unused DCR registrations expire)
	DisabledAt   time.Time // zero: active; set when an admin revokes the client
}

// Clients keeps OAuth clients.
type Clients interface {
	// CreateClient inserts c; ErrConflict if the ID exists.
	CreateClient(ctx context.Context, c Client) (Client, error)
	// UpsertClient inserts or replaces c by ID (CIMD cache refresh). Every
	// field but CreatedAt is replaced, DisabledAt and AllowedScopes included:
	// callers refreshing a cache must carry an admin's cap and revocation
	// over from the stored record.
	UpsertClient(ctx context.Context, c Client) (Client, error)
	GetClient(ctx context.Context, id string) (Client, error)
	// FindClientByFingerprint returns the newest active client with that
	// fingerprint; ErrNotFound if none.
	FindClientByFingerprint(ctx context.Context, fingerprint string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, c Client) (Client, error)
	// TouchClient records that the client obtained a token at t and clears
	// its expiry.
	TouchClient(ctx context.Context, id string, t time.Time) error
	// DeleteClient deletes the client with its grants, tokens, codes and
	// consents in one transaction; events stay.
	DeleteClient(ctx context.Context, id string) error
}

// AuthCode is an authorization code, kept as the hash of the code.
type AuthCode struct {
	Hash                []byte
	ClientID            string
	UserID              int64
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	Scopes              []string
	Resource            string
	GrantID             string // the grant the code belongs to
	CreatedAt           time.Time
	ExpiresAt           time.Time
	UsedAt              time.Time // zero until exchanged
}

// AuthCodes keeps authorization codes.
type AuthCodes interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	GetAuthCode(ctx context.Context, hash []byte) (AuthCode, error)
	// ConsumeAuthCode marks the code used at now, atomically. If it was
	// already used it returns the record and ErrConflict (a replay).
	ConsumeAuthCode(ctx context.Context, hash []byte, now time.Time) (AuthCode, error)
	// CreateGrantWithCode inserts the grant g and the code c of it in one
	// transaction (an approved authorization): c.GrantID becomes g's ID,
	// and an empty g.ID gets a random one, as in CreateGrant. On any error
	// (ErrConflict if the grant ID or the code hash exists) neither is
	// stored. It returns the stored grant.
	CreateGrantWithCode(ctx context.Context, g Grant, c AuthCode) (Grant, error)
	// RedeemAuthCode marks the code used at now and inserts the tokens, in
	// one transaction (an authorization-code exchange). If the code was
	// already used it returns the stored record (UsedAt set) and
	// ErrConflict and writes nothing: a replay. ErrNotFound if the code is
	// unknown. The tokens follow CreateTokens' rules; if they cannot be
	// inserted (e.g. ErrConflict for a revoked grant) nothing is written,
	// the code stays unused, and the returned record is the zero AuthCode.
	// On success it returns the code as now stored.
	RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, tokens ...Token) (AuthCode, error)
}

// Grant is what one user allowed one client: the root of the tokens issued to
// it. Revoking the grant revokes every token in it.
type Grant struct {
	ID           string
	UserID       int64
	ClientID     string
	Scopes       []string
	Resource     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	RevokedAt    time.Time // zero: active
	RevokeReason string
	// LastUsedAt is when the grant's tokens last made an MCP request, as
	// recorded by TouchGrant (at most about once a minute); zero: never.
	LastUsedAt time.Time
}

// Grants keeps grants.
type Grants interface {
	CreateGrant(ctx context.Context, g Grant) (Grant, error)
	GetGrant(ctx context.Context, id string) (Grant, error)
	// TouchGrant records that the grant was used at at. LastUsedAt only
	// moves forward: an earlier at leaves it alone. ErrNotFound if the
	// grant is unknown.
	TouchGrant(ctx context.Context, id string, at time.Time) error
	ListGrantsByUser(ctx context.Context, userID int64) ([]Grant, error)
	ListGrantsByClient(ctx context.Context, clientID string) ([]Grant, error)
	// RevokeGrant marks the grant and all its tokens revoked at now.
	// Revoking a revoked grant is not an error.
	RevokeGrant(ctx context.Context, id string, now time.Time, reason string) error
	// RevokeClientGrants revokes every grant of the client and returns how
	// many were active.
	RevokeClientGrants(ctx context.Context, clientID string, now time.Time, reason string) (int64, error)
}

// TokenKind separates access from refresh tokens.
type TokenKind string

// Token kinds.
const (
	TokenAccess  TokenKind = "access"
	TokenRefresh TokenKind = "refresh"
)

// Token is an access or refresh token, kept as its SHA-256 hash.
type Token struct {
	Hash      []byte
	Kind      TokenKind
	GrantID   string
	ClientID  string
	UserID    int64
	Scopes    []string
	Resource  string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero: active
	// For refresh tokens: when it was rotated, the hash of its successor, and
	// the successor pair sealed under a key derived from this token (so a
	// concurrent refresh in the grace window can be answered identically).
	RotatedAt   time.Time
	ReplacedBy  []byte
	SealedReply []byte
}

// Tokens keeps access and refresh tokens.
type Tokens interface {
	// CreateTokens inserts all tokens in one transaction. A token that is not
	// revoked must belong to a grant that exists (else ErrNotFound) and is not
	// revoked (else ErrConflict), so no live token outlives its grant.
	CreateTokens(ctx context.Context, ts ...Token) error
	GetToken(ctx context.Context, hash []byte) (Token, error)
	// RotateRefresh marks the refresh token oldHash rotated at now, sets its
	// ReplacedBy to the hash of the refresh token among newTokens, stores the
	// sealed reply, and inserts the new tokens, in one transaction. If oldHash
	// was already rotated or revoked nothing is written and ErrConflict is
	// returned.
	RotateRefresh(ctx context.Context, oldHash []byte, now time.Time, sealed []byte, newTokens ...Token) error
	// RevokeToken revokes one token; ErrNotFound if unknown.
	RevokeToken(ctx context.Context, hash []byte, now time.Time) error
	ListTokensByGrant(ctx context.Context, grantID string) ([]Token, error)
}

// Consent remembers that a user allowed a client (for a redirect host) a set
// of scopes, so the next authorization can skip the page.
type Consent struct {
	UserID       int64
	ClientID     string
	RedirectHost string
	Scopes       []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Consents keeps remembered consent.
type Consents interface {
	// PutConsent inserts or replaces the consent for (user, client, host).
	PutConsent(ctx context.Context, c Consent) error
	GetConsent(ctx context.Context, userID int64, clientID, redirectHost string) (Consent, error)
	ListConsentsByUser(ctx context.Context, userID int64) ([]Consent, error)
	// DeleteConsents withdraws every consent of the user for the client.
	DeleteConsents(ctx context.Context, userID int64, clientID string) error
}

// Event is one step of a connection for the admin timeline and doctor. Detail
// never holds secrets.
type Event struct {
	ID        int64
	At        time.Time
	Kind      string // e.g. "metadata.prm", "client.registered", "token.issued"
	ClientID  string
	UserID    int64
	GrantID   string
	Attempt   string // groups events of one connection attempt
	Outcome   string // "ok" or "error"
	Detail    map[string]string
	UserAgent string
	RemoteIP  string
}

// EventFilter narrows ListEvents. Zero fields match everything.
type EventFilter struct {
	ClientID string
	UserID   int64
	GrantID  string
	Kind     string
	Since    time.Time
	BeforeID int64 // keyset pagination: only events with ID < BeforeID
	Limit    int   // default 100
}

// Events keeps the connection timeline.
type Events interface {
	AddEvent(ctx context.Context, e Event) (Event, error)
	// AddEvents inserts events in one transaction (a batch of timeline
	// steps costs one commit).
	AddEvents(ctx context.Context, es []Event) error
	// ListEvents returns matching events, newest first.
	ListEvents(ctx context.Context, f EventFilter) ([]Event, error)
}

// PersonalToken is a named bearer token a person made for a client that
// cannot do OAuth. Only its hash is kept.
type PersonalToken struct {
	ID         int64
	Hash       []byte
	UserID     int64
	Name       string
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// PersonalTokens keeps personal access tokens.
type PersonalTokens interface {
	CreatePersonalToken(ctx context.Context, t PersonalToken) (PersonalToken, error)
	GetPersonalTokenByHash(ctx context.Context, hash []byte) (PersonalToken, error)
	ListPersonalTokens(ctx context.Context, userID int64) ([]PersonalToken, error)
	TouchPersonalToken(ctx context.Context, id int64, t time.Time) error
	RevokePersonalToken(ctx context.Context, id int64, now time.Time) error
}

// ---------------------------------------------------------------------------
// Content

// PostType separates posts from pages.
type PostType string

// Post types.
const (
	TypePost PostType = "post"
	TypePage PostType = "page"
)

// PostStatus is the life-cycle state of a post or page.
type PostStatus string

// Post statuses.
const (
	StatusDraft     PostStatus = "draft"
	StatusPending   PostStatus = "pending"
	StatusScheduled PostStatus = "scheduled"
	StatusPublished PostStatus = "published"
	StatusTrash     PostStatus = "trash"
)

// Post is a post or a page. Slug is unique per type. Version increments on
// every update and is the compare-and-swap token for UpdatePost.
type Post struct {
	ID          int64
	Type        PostType
	Slug        string
	Title       string
	Body        string // Markdown
	Excerpt     string
	Status      PostStatus
	AuthorID    int64
	ParentID    int64 // pages may nest; 0 for none
	Featured    bool
	Categories  []string // term slugs
	Tags        []string // term slugs
	CreatedAt   time.Time
	ModifiedAt  time.Time
	PublishedAt time.Time // zero until published; the planned time when scheduled
	TrashedFrom PostStatus
	Version     int64
	// ModifiedBy and ModifiedVia say who made the last change and through
	// which OAuth client ("" for the web UI).
	ModifiedBy  int64
	ModifiedVia string
}

// PostFilter narrows ListPosts and SearchPosts. Zero fields match everything.
type PostFilter struct {
	Type     PostType
	Statuses []PostStatus
	Category string
	Tag      string
	AuthorID int64
	Featured *bool
	After    time.Time // created/published at or after
	Before   time.Time // before
	Offset   int
	Limit    int // default 20, capped at 100 by backends
}

// PostHit is a search result with its rank (higher is better) and a short
// snippet of the matching text.
type PostHit struct {
	Post    Post
	Rank    float64
	Snippet string
}

// Posts keeps posts and pages.
type Posts interface {
	// CreatePost inserts p (Version becomes 1); ErrConflict if the slug is
	// taken for that type.
	CreatePost(ctx context.Context, p Post) (Post, error)
	GetPost(ctx context.Context, id int64) (Post, error)
	GetPostBySlug(ctx context.Context, typ PostType, slug string) (Post, error)
	// UpdatePost writes p if the stored Version equals p.Version, and
	// returns it with Version+1; ErrConflict otherwise (or on slug clash).
	UpdatePost(ctx context.Context, p Post) (Post, error)
	DeletePost(ctx context.Context, id int64) error
	// ListPosts returns matching posts, newest first by their date (the
	// published time, or the creation time when never published; ties by
	// creation time), and the total count ignoring Offset/Limit. After and
	// Before compare that same date.
	ListPosts(ctx context.Context, f PostFilter) ([]Post, int64, error)
	// SearchPosts runs a full-text query (words, "quoted phrases") over
	// title, excerpt and body; title matches rank above body matches.
	SearchPosts(ctx context.Context, query string, f PostFilter) ([]PostHit, error)
	// CountPosts counts posts of a type by status.
	CountPosts(ctx context.Context, typ PostType) (map[PostStatus]int64, error)
	// DuePosts lists scheduled posts whose PublishedAt is at or before now.
	DuePosts(ctx context.Context, now time.Time) ([]Post, error)
}

// CommentStatus is the moderation state of a comment.
type CommentStatus string

// Comment statuses.
const (
	CommentPending  CommentStatus = "pending"
	CommentApproved CommentStatus = "approved"
	CommentSpam     CommentStatus = "spam"
	CommentTrash    CommentStatus = "trash"
)

// Comment is a reader's or author's comment on a post, possibly a reply.
type Comment struct {
	ID          int64
	PostID      int64
	ParentID    int64 // 0 for top level
	AuthorName  string
	AuthorEmail string
	AuthorURL   string
	UserID      int64 // set when a Portico user wrote it
	Body        string
	Status      CommentStatus
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// CommentFilter narrows ListComments. Zero fields match everything.
type CommentFilter struct {
	PostID   int64
	Statuses []CommentStatus
	Offset   int
	Limit    int // default 20, capped at 100
}

// Comments keeps comments.
type Comments interface {
	// CreateComment inserts c; ErrNotFound if the post (or parent) is missing.
	CreateComment(ctx context.Context, c Comment) (Comment, error)
	GetComment(ctx context.Context, id int64) (Comment, error)
	// ListComments returns matching comments, oldest first, and the total.
	ListComments(ctx context.Context, f CommentFilter) ([]Comment, int64, error)
	// SetCommentStatus moves a comment from one status to another (CAS on
	// from); ErrConflict if its status is not from.
	SetCommentStatus(ctx context.Context, id int64, from, to CommentStatus, now time.Time) (Comment, error)
	CountComments(ctx context.Context) (map[CommentStatus]int64, error)
}

// Taxonomy names a kind of term.
type Taxonomy string

// Taxonomies.
const (
	TaxCategory Taxonomy = "category"
	TaxTag      Taxonomy = "tag"
)

// Term is a category or a tag. Slug is unique per taxonomy.
type Term struct {
	ID          int64
	Taxonomy    Taxonomy
	Slug        string
	Name        string
	Description string
	Count       int64 // published posts using it (filled by ListTerms)
}

// Terms keeps categories and tags.
type Terms interface {
	// CreateTerm inserts t; ErrConflict if the slug exists in the taxonomy.
	CreateTerm(ctx context.Context, t Term) (Term, error)
	GetTerm(ctx context.Context, tax Taxonomy, slug string) (Term, error)
	ListTerms(ctx context.Context, tax Taxonomy) ([]Term, error)
}

// Settings keeps site settings as a small key-value map (title, tagline,
// timezone, ...). Keys are defined by the content package.
type Settings interface {
	GetSettings(ctx context.Context) (map[string]string, error)
	// PutSettings upserts every key in kv in one transaction.
	PutSettings(ctx context.Context, kv map[string]string) error
	// PutSettingIfAbsent stores value under key unless the key exists, and
	// returns the value stored afterwards (so replicas starting together
	// agree on one generated key).
	PutSettingIfAbsent(ctx context.Context, key, value string) (string, error)
}

// ---------------------------------------------------------------------------
// Passkeys

// WebAuthnCredential is a passkey registered by a user. Data is the
// library's credential record (JSON), opaque to the store.
type WebAuthnCredential struct {
	ID         []byte // credential ID, unique
	UserID     int64
	Name       string
	Data       []byte
	SignCount  uint32
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
}

// WebAuthnCredentials keeps passkeys.
type WebAuthnCredentials interface {
	// CreateWebAuthnCredential inserts c; ErrConflict if the ID exists.
	CreateWebAuthnCredential(ctx context.Context, c WebAuthnCredential) error
	GetWebAuthnCredential(ctx context.Context, id []byte) (WebAuthnCredential, error)
	// ListWebAuthnCredentials returns the user's passkeys, oldest first.
	ListWebAuthnCredentials(ctx context.Context, userID int64) ([]WebAuthnCredential, error)
	// UpdateWebAuthnCredentialUse records a sign-in: it sets SignCount to
	// newCount, Data and LastUsedAt if the stored SignCount still equals
	// oldCount; ErrConflict if it moved, ErrNotFound if the ID is unknown.
	UpdateWebAuthnCredentialUse(ctx context.Context, id []byte, oldCount, newCount uint32, data []byte, at time.Time) error
	// DeleteWebAuthnCredential removes the user's passkey; ErrNotFound if
	// that user has no passkey with this ID.
	DeleteWebAuthnCredential(ctx context.Context, userID int64, id []byte) error
}

// ---------------------------------------------------------------------------
// Legacy SSE across replicas

// SSESession is a legacy HTTP+SSE stream held open by one replica. Replicas
// that receive a POST for a session they do not hold queue the message for
// the holder.
type SSESession struct {
	ID        string // the session ID the client posts to
	ReplicaID string // the process holding the stream
	UserID    int64  // the person whose token opened it
	ClientID  string
	CreatedAt time.Time
	ExpiresAt time.Time // the holder refreshes it while the stream is open
}

// SSEMessage is a client message for a session held by another replica.
type SSEMessage struct {
	ID        int64
	SessionID string
	ReplicaID string // copied from the session when queued
	Body      []byte // the JSON-RPC message as posted
	CreatedAt time.Time
}

// SSERelay keeps legacy SSE sessions and the messages queued for them.
type SSERelay interface {
	// PutSSESession inserts or refreshes a session.
	PutSSESession(ctx context.Context, s SSESession) error
	// RefreshSSESessions sets the expiry of every session replicaID holds
	// to expiresAt, and returns how many it holds.
	RefreshSSESessions(ctx context.Context, replicaID string, expiresAt time.Time) (int64, error)
	// GetSSESession returns a session; ErrNotFound if unknown.
	GetSSESession(ctx context.Context, id string) (SSESession, error)
	DeleteSSESession(ctx context.Context, id string) error
	// EnqueueSSEMessage queues m for its session's replica (ReplicaID is
	// taken from the session); ErrNotFound if the session is unknown or
	// expired at m.CreatedAt.
	EnqueueSSEMessage(ctx context.Context, m SSEMessage) (SSEMessage, error)
	// TakeSSEMessages deletes and returns up to limit messages queued for
	// replicaID, oldest first; each message is returned to one caller only.
	TakeSSEMessages(ctx context.Context, replicaID string, limit int) ([]SSEMessage, error)
}
