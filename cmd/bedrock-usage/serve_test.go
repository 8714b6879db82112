package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics"
)

// testDashboard is the dashboard `serve` builds over dir, with its flags as the tests give them.
func testDashboard(t *testing.T, cli *testCLI, dir string) *dashboard {
	t.Helper()
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
	return d
}

func TestServeDashboard(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	d := testDashboard(t, cli, dir)
	h, err := d.handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var lastDisposition string
	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		lastDisposition = resp.Header.Get("Content-Disposition")
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	tests := []struct {
		name, path      string
		wantCode        int
		wantType        string
		wantContains    string
		wantDisposition string
	}{
		{"page", "/", 200, "text/html", "Cost per day", ""},
		{"json", "/report.json?since=2025-11-03&until=2025-11-03", 200, "application/json", `"since": "2025-11-03T00:00:00Z"`, ""},
		{"json in a time zone", "/report.json?since=2025-11-03&until=2025-11-03&timezone=Asia/Tokyo", 200, "application/json", `"since": "2025-11-02T15:00:00Z"`, ""},
		{"csv", "/report.csv?group-by=metadata.tenant_id", 200, "text/csv", "view,", `attachment; filename="bedrock-usage-report.csv"`},
		{"markdown", "/report.md?region=us-east-1", 200, "text/markdown", "## Bedrock usage", `attachment; filename="bedrock-usage-report.md"`},
		{"bad since", "/?since=yesterday-ish", 400, "text/plain", "--since", ""},
		{"bad time zone", "/?timezone=Nowhere/Land", 400, "text/plain", "--timezone", ""},
		{"bad group-by", "/?group-by=colour", 400, "text/plain", "unknown dimension", ""},
		{"bad top", "/?top=-1", 400, "text/plain", "top=", ""},
		{"compare with a file", "/?compare=/etc/passwd", 400, "text/plain", "compare=previous", ""},
		{"bad anomalies", "/?anomalies=maybe", 400, "text/plain", "anomalies=", ""},
		{"bad anomaly threshold", "/?anomalies=1&anomaly-threshold=-2", 400, "text/plain", "anomaly-threshold=", ""},
		{"NaN anomaly threshold", "/report.json?anomalies=1&anomaly-threshold=NaN", 400, "text/plain", "anomaly-threshold=", ""},
		{"compared page", "/?compare=previous&anomalies=1", 200, "text/html", "Against the previous period", ""},
		{"not found", "/nope", 404, "text/plain", "not found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ctype, body := get(tt.path)
			if code != tt.wantCode || !strings.HasPrefix(ctype, tt.wantType) || !strings.Contains(body, tt.wantContains) {
				t.Errorf("GET %s: got %d %s with %.200q, want %d %s containing %q", tt.path, code, ctype, body, tt.wantCode, tt.wantType, tt.wantContains)
			}
			if lastDisposition != tt.wantDisposition {
				t.Errorf("GET %s: Content-Disposition: got %q, want %q", tt.path, lastDisposition, tt.wantDisposition)
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

	// compare=previous and anomalies=1 give what report --compare previous --anomalies does.
	_, _, body = get("/report.json?since=2025-11-08&until=2025-11-14&compare=previous&anomalies=1")
	doc = nil
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if code := cli.run("report", "--source", dir, "--since", "2025-11-08", "--until", "2025-11-14", "--compare", "previous", "--anomalies", "--format", "json"); code != 0 {
		t.Fatalf("report exit %d: %s", code, cli.errOut)
	}
	want = nil
	if err := json.Unmarshal(cli.out.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"comparison", "anomaly_detection", "anomalies", "by_app_user", "daily"} {
		if diff := cmp.Diff(want[k], doc[k]); diff != "" || doc[k] == nil {
			t.Errorf("dashboard %s differs from the report's (-report +dashboard):\n%s", k, diff)
		}
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

func TestPageCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newPageCache(100, time.Minute)
	page := func(key string, n int) *pageEntry {
		return &pageEntry{key: key, body: []byte(strings.Repeat("x", n)), at: now}
	}
	c.put(page("a", 40))
	c.put(page("b", 40))
	c.get("a", now) // a is now the most recently used
	c.put(page("c", 40))
	if _, ok := c.get("b", now); ok {
		t.Error("b, the least recently used, was kept past the bound")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k, now); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if b, n := c.size(); b != 80 || n != 2 {
		t.Errorf("got %d bytes in %d pages, want 80 in 2", b, n)
	}
	c.put(page("huge", 101))
	if _, ok := c.get("huge", now); ok {
		t.Error("a page larger than the bound was kept")
	}
	if _, ok := c.get("a", now.Add(time.Minute)); ok {
		t.Error("a page past its TTL was served")
	}
}

// countingSource counts the queries of a source and holds each one until released.
type countingSource struct {
	analytics.Source
	n       atomic.Int64
	release chan struct{}
}

func (c *countingSource) Usage(ctx context.Context, q analytics.Query) (*analytics.Result, error) {
	c.n.Add(1)
	<-c.release
	return c.Source.Usage(ctx, q)
}

func TestServeBoundsAndConcurrency(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	d := testDashboard(t, cli, dir)
	cs := &countingSource{Source: d.src, release: make(chan struct{})}
	d.src = cs
	h, err := d.handler()
	if err != nil {
		t.Fatal(err)
	}
	get := func(target string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = "127.0.0.1:8080"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	many := func(name string, n int) string {
		var vs []string
		for i := range n {
			vs = append(vs, name+"="+fmt.Sprint("v", i))
		}
		return strings.Join(vs, "&")
	}
	for _, tc := range []struct{ name, target, want string }{
		{"query string too long", "/?app=" + strings.Repeat("a", maxQueryBytes), "the query string is"},
		{"too many values", "/?" + many("user", maxListValues+1), "user: 65 values"},
		{"too many dimensions", "/?group-by=app,user,model,region,date,hour,kind,scope,account", "group-by: 9 dimensions"},
		{"top too large", "/?top=10001", "at most 10000 lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := get(tc.target); code != http.StatusBadRequest || !strings.Contains(body, tc.want) {
				t.Errorf("got %d %q, want 400 containing %q", code, body, tc.want)
			}
		})
	}
	if cs.n.Load() != 0 {
		t.Fatalf("bad requests queried the source %d times", cs.n.Load())
	}
	// Five identical requests at once: one query. A different one runs beside them.
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range 6 {
		target := "/report.json?region=us-east-1"
		if i == 5 {
			target = "/report.json?region=eu-west-1"
		}
		wg.Go(func() { codes[i], _ = get(target) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for cs.n.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := cs.n.Load(); got != 2 {
		t.Errorf("got %d queries in flight, want 2 (the identical requests share one; the other is not serialised behind it)", got)
	}
	close(cs.release)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("request %d: got %d", i, c)
		}
	}
	// Served again from the cache.
	if code, _ := get("/report.json?region=us-east-1"); code != 200 || cs.n.Load() != 2 {
		t.Errorf("cached request: got %d after %d queries, want 200 and no new query", code, cs.n.Load())
	}
}
