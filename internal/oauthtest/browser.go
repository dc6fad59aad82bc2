package oauthtest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	formTxn    = regexp.MustCompile(`name="txn" value="([^"]+)"`)
)

// Approve plays the person's browser for an authorization URL of this fake:
// it opens the URL, submits the consent form, and follows the redirects the
// way a browser does (302/303 turn into GET, 307/308 repeat the POST) until
// the client's redirect URI has answered. It returns an error if a step
// answers with a status of 400 or more. The redirect URI may be on another
// server, such as a loopback callback listener.
func (s *Server) Approve(ctx context.Context, authorizeURL string) error {
	hc := *s.Client()
	hc.Jar = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return fmt.Errorf("oauthtest: approve: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauthtest: open authorize URL: %w", err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("oauthtest: read consent page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("oauthtest: authorize answered %d: %.200s", resp.StatusCode, body)
	}
	action, txn := formAction.FindSubmatch(body), formTxn.FindSubmatch(body)
	if action == nil || txn == nil {
		return fmt.Errorf("oauthtest: no consent form in the authorize answer: %.200s", body)
	}
	form := url.Values{"txn": {html.UnescapeString(string(txn[1]))}, "decision": {"approve"}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, html.UnescapeString(string(action[1])), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oauthtest: consent request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauthtest: submit consent and follow the redirect: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("oauthtest: the redirect target %s answered %d", resp.Request.URL.Redacted(), resp.StatusCode)
	}
	return nil
}
