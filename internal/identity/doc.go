// Package identity manages people and browser sessions: argon2id passwords,
// authentication, session cookies with per-session CSRF tokens, and the
// first-run setup link that creates the owner account. Start with New.
package identity
