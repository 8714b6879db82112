package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
	srv := httptest.NewServer(d)
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
