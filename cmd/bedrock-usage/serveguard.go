package main

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
)

// The dashboard's front door. A cost report is private, and with --engine athena every
// request can start a paid query, so the server answers only requests that are meant for it:
//
//   - Host must be a name the server is reached as (127.0.0.1, localhost, [::1], the --addr
//     host, --allowed-host values): a web page that rebinds its own name to 127.0.0.1 gets
//     421 Misdirected Request, never the report.
//   - A cross-site request (Sec-Fetch-Site cross-site or same-site, or an Origin that is not
//     an allowed host) gets 403.
//   - Off loopback a token is required (--auth-token or --auth-token-file): as a bearer
//     token, or once as ?token= in a link, which sets an HttpOnly, SameSite=Strict cookie
//     and redirects to the same URL without it. It is compared in constant time.
//   - Every answer carries a strict Content-Security-Policy (the page's one script is the
//     dashboard's own, from the same origin, and may fetch only from it; its styles are
//     inline), nosniff, frame-ancestors 'none', no referrer and no caching.
//
// /healthz answers "ok" to anyone: it says nothing else.

// authCookie is the cookie a ?token= link sets.
const authCookie = "bedrock_usage_token"

// contentSecurityPolicy lets the page use its inline styles and nothing else.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// guard wraps the dashboard with the checks above.
type guard struct {
	next  http.Handler
	hosts []string // allowed host names, lower case, without port or brackets
	token string   // "" when none is required
}

// newGuard builds the front door for a server on addr.
func newGuard(next http.Handler, addr string, allowed []string, token string) (*guard, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageErr("--addr %q: want host:port (%v)", addr, err)
	}
	if !isLoopback(host) && token == "" {
		return nil, usageErr("--addr %s is not a loopback address: the dashboard then needs --auth-token or --auth-token-file (anyone who can reach it could read the report, and with --engine athena run paid queries)", addr)
	}
	g := &guard{next: next, token: token, hosts: []string{"127.0.0.1", "localhost", "::1"}}
	for _, h := range append([]string{host}, allowed...) {
		h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]"))
		if h == "" || h == "0.0.0.0" || h == "::" {
			continue // a wildcard listen address is not a name anyone reaches it by
		}
		if strings.ContainsAny(h, "/:") && net.ParseIP(h) == nil {
			return nil, usageErr("--allowed-host %q: give a host name or IP address, without scheme or port", h)
		}
		if !slices.Contains(g.hosts, h) {
			g.hosts = append(g.hosts, h)
		}
	}
	return g, nil
}

// isLoopback reports whether a listen host only accepts connections from this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// readToken reads --auth-token or --auth-token-file (one of them, the file's first line).
func readToken(token, file string) (string, error) {
	if file == "" {
		return token, nil
	}
	if token != "" {
		return "", usageErr("give --auth-token or --auth-token-file, not both")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading --auth-token-file: %w", err)
	}
	t, _, _ := strings.Cut(string(b), "\n")
	t = strings.TrimSpace(t)
	if t == "" {
		return "", usageErr("--auth-token-file %s is empty", file)
	}
	return t, nil
}

// allowedHost reports whether a Host header (or an Origin's host) names this server.
func (g *guard) allowedHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	return slices.Contains(g.hosts, host)
}

func (g *guard) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if req.URL.Path == "/healthz" {
		fmt.Fprintln(w, "ok")
		return
	}
	if !g.allowedHost(req.Host) {
		http.Error(w, fmt.Sprintf("host %q is not a name this server answers to (see --allowed-host)", req.Host), http.StatusMisdirectedRequest)
		return
	}
	if site := req.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		http.Error(w, "cross-site requests are refused", http.StatusForbidden)
		return
	}
	if origin := req.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !g.allowedHost(u.Host) {
			http.Error(w, "cross-site requests are refused", http.StatusForbidden)
			return
		}
	}
	if g.token != "" && !g.authorized(w, req) {
		return
	}
	g.next.ServeHTTP(w, req)
}

// authorized checks the token; a ?token= link that carries the right one sets the cookie
// and redirects to the URL without it.
func (g *guard) authorized(w http.ResponseWriter, req *http.Request) bool {
	q := req.URL.Query()
	if t := q.Get("token"); t != "" {
		if !g.tokenIs(t) {
			http.Error(w, "wrong token", http.StatusUnauthorized)
			return false
		}
		http.SetCookie(w, &http.Cookie{Name: authCookie, Value: t, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: req.TLS != nil})
		q.Del("token")
		u := *req.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, req, u.RequestURI(), http.StatusSeeOther)
		return false
	}
	if bearer, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok && g.tokenIs(bearer) {
		return true
	}
	if c, err := req.Cookie(authCookie); err == nil && g.tokenIs(c.Value) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="bedrock-usage"`)
	http.Error(w, "this dashboard needs its token: open it once with ?token=…, or send Authorization: Bearer …", http.StatusUnauthorized)
	return false
}

func (g *guard) tokenIs(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(g.token)) == 1
}
