package httpx

import "net/http"

// SecurityHeaders sets headers every response should carry: no MIME sniffing,
// no referrer leakage of query strings, and HSTS when secure is true. Pages
// set their own Content-Security-Policy and framing rules.
func SecurityHeaders(secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// NoStore marks a response as uncacheable, as RFC 6749 §5.1 requires for
// responses carrying tokens.
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// LimitBody caps the request body at n bytes; reading past it fails with
// *http.MaxBytesError.
func LimitBody(w http.ResponseWriter, r *http.Request, n int64) {
	r.Body = http.MaxBytesReader(w, r.Body, n)
}
