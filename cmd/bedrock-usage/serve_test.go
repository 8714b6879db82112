package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeDashboard(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	var opts *serveOptions
	cmd := NewCmdServe(cli.f, func(_ context.Context, o *serveOptions) error { opts = o; return nil })
	cmd.SetArgs([]string{"--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--cache", "1m"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	d, err := newDashboard(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := d.handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	tests := []struct {
		name, path   string
		wantCode     int
		wantType     string
		wantContains string
	}{
		{"page", "/", 200, "text/html", "Cost per day"},
		{"json", "/report.json?since=2025-11-03&until=2025-11-03", 200, "application/json", `"since": "2025-11-03T00:00:00Z"`},
		{"csv", "/report.csv?group-by=metadata.tenant_id", 200, "text/csv", "view,"},
		{"markdown", "/report.md?region=us-east-1", 200, "text/markdown", "## Bedrock usage"},
		{"bad since", "/?since=yesterday-ish", 400, "text/plain", "--since"},
		{"bad group-by", "/?group-by=colour", 400, "text/plain", "unknown dimension"},
		{"bad top", "/?top=-1", 400, "text/plain", "top="},
		{"not found", "/nope", 404, "text/plain", "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ctype, body := get(tt.path)
			if code != tt.wantCode || !strings.HasPrefix(ctype, tt.wantType) || !strings.Contains(body, tt.wantContains) {
				t.Errorf("GET %s: got %d %s with %.200q, want %d %s containing %q", tt.path, code, ctype, body, tt.wantCode, tt.wantType, tt.wantContains)
			}
		})
	}
	// The JSON endpoint carries the same totals as the report command.
	_, _, body := get("/report.json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if code := cli.run("report", "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--format", "json"); code != 0 {
		t.Fatalf("report exit %d: %s", code, cli.errOut)
	}
	var want map[string]any
	if err := json.Unmarshal(cli.out.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	gotT, _ := json.Marshal(doc["totals"])
	wantT, _ := json.Marshal(want["totals"])
	if string(gotT) != string(wantT) {
		t.Errorf("dashboard totals: got %s, want %s", gotT, wantT)
	}
}

// TestServeFrontDoor drives the dashboard's guard: the Host it answers to, cross-site
// requests, the security headers, and the token off loopback.
func TestServeFrontDoor(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "report") })
	loop, err := newGuard(ok, "127.0.0.1:8080", []string{"dash.example.com"}, "")
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cr3t-token"
	open, err := newGuard(ok, "0.0.0.0:8080", nil, token)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		g        http.Handler
		target   string
		host     string
		headers  map[string]string
		wantCode int
		wantBody string
	}{
		{"loopback address", loop, "/", "127.0.0.1:8080", nil, 200, "report"},
		{"localhost", loop, "/", "localhost:8080", nil, 200, "report"},
		{"IPv6 loopback", loop, "/", "[::1]:8080", nil, 200, "report"},
		{"an allowed proxy name", loop, "/", "Dash.Example.com", nil, 200, "report"},
		{"a rebound name", loop, "/report.json", "evil.example:8080", nil, 421, "not a name this server answers to"},
		{"cross-site fetch", loop, "/report.json", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"},
		{"same-site fetch", loop, "/report.json", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "cross-site"},
		{"same-origin fetch", loop, "/report.json", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200, "report"},
		{"foreign Origin", loop, "/report.json", "127.0.0.1:8080", map[string]string{"Origin": "https://evil.example"}, 403, "cross-site"},
		{"own Origin", loop, "/report.json", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080"}, 200, "report"},
		{"health to anyone", loop, "/healthz", "evil.example", nil, 200, "ok"},
		{"no token", open, "/", "127.0.0.1:8080", nil, 401, "needs its token"},
		{"wrong bearer", open, "/", "127.0.0.1:8080", map[string]string{"Authorization": "Bearer nope"}, 401, "needs its token"},
		{"bearer", open, "/", "127.0.0.1:8080", map[string]string{"Authorization": "Bearer " + token}, 200, "report"},
		{"cookie", open, "/", "127.0.0.1:8080", map[string]string{"Cookie": authCookie + "=" + token}, 200, "report"},
		{"wrong link token", open, "/?token=nope", "127.0.0.1:8080", nil, 401, "wrong token"},
		{"link token", open, "/report.md?since=7d&token=" + token, "127.0.0.1:8080", nil, 303, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			req.Host = tc.host
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.g.ServeHTTP(rec, req)
			if rec.Code != tc.wantCode || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Errorf("got %d %q, want %d containing %q", rec.Code, rec.Body.String(), tc.wantCode, tc.wantBody)
			}
			for k, want := range map[string]string{"Content-Security-Policy": contentSecurityPolicy, "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if tc.name == "link token" {
				if loc := rec.Header().Get("Location"); loc != "/report.md?since=7d" {
					t.Errorf("redirect to %q, want the URL without the token", loc)
				}
				c := rec.Result().Cookies()
				if len(c) != 1 || c[0].Value != token || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
					t.Errorf("cookie %+v, want the token, HttpOnly, SameSite=Strict", c)
				}
			}
		})
	}
	// Off loopback the token is required at start.
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.10:8080"} {
		if _, err := newGuard(ok, addr, nil, ""); err == nil || !strings.Contains(err.Error(), "--auth-token") {
			t.Errorf("--addr %s without a token: got %v, want a usage error naming --auth-token", addr, err)
		}
	}
	if _, err := newGuard(ok, "localhost:8080", nil, ""); err != nil {
		t.Errorf("localhost without a token: %v", err)
	}
}

func TestServeTokenSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("from-file\nsecond line\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	tests := []struct {
		name, token, file, want, wantErr string
	}{
		{"flag", "from-flag", "", "from-flag", ""},
		{"file, first line", "", file, "from-file", ""},
		{"both", "x", file, "", "not both"},
		{"empty file", "", empty, "", "is empty"},
		{"missing file", "", filepath.Join(dir, "nope"), "", "reading --auth-token-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readToken(tc.token, tc.file)
			if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("got %q, %v; want %q, error containing %q", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
