package athena

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sqlShapes are the query shapes checked in as golden files.
func sqlShapes(t *testing.T) []struct {
	name       string
	q          analytics.Query
	wantParams []string
} {
	since, until := mustTime(t, "2025-10-31T22:00:00Z"), mustTime(t, "2025-11-01T11:00:00Z")
	return []struct {
		name       string
		q          analytics.Query
		wantParams []string
	}{
		{
			name:       "basic",
			q:          analytics.Query{Since: since, Until: until},
			wantParams: []string{"'2025/10/31/22'", "'2025/11/01/11'", "'2025-10-31T22:00:00.000Z'", "'2025-11-01T11:00:00.000Z'"},
		},
		{
			name: "filters",
			q: analytics.Query{Since: since, Until: until,
				Regions: []string{"us-east-1", "eu-central-1"},
				Apps:    []string{"ChatbotApp"},
				Users:   []string{"O'Brien", "alice@example.com"},
				Models:  []string{"anthropic.claude-3-haiku-20240307-v1:0"},
			},
			wantParams: []string{"'2025/10/31/22'", "'2025/11/01/11'", "'2025-10-31T22:00:00.000Z'", "'2025-11-01T11:00:00.000Z'",
				"'us-east-1'", "'eu-central-1'", "'ChatbotApp'", "'O''Brien'", "'alice@example.com'", "'anthropic.claude-3-haiku-20240307-v1:0'"},
		},
		{
			name:       "metadata",
			q:          analytics.Query{Since: since, Until: until, MetadataKeys: []string{"team", "cost-center"}},
			wantParams: []string{"'team'", "'team'", "'cost-center'", "'cost-center'", "'2025/10/31/22'", "'2025/11/01/11'", "'2025-10-31T22:00:00.000Z'", "'2025-11-01T11:00:00.000Z'"},
		},
	}
}

func TestSQLGolden(t *testing.T) {
	s := New(Config{}, nil)
	for _, tc := range sqlShapes(t) {
		t.Run(tc.name, func(t *testing.T) {
			text, params, err := s.SQL(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(params, tc.wantParams) {
				t.Errorf("params: got %q, want %q", params, tc.wantParams)
			}
			if got, want := strings.Count(text, "?"), len(params); got != want {
				t.Errorf("placeholders: got %d, want %d (one per parameter)", got, want)
			}
			golden.Assert(t, filepath.Join("testdata", tc.name+".sql"), []byte(text))
		})
	}
}

// TestInlineSQLGolden checks the --print-sql form of the filters shape: the parameters in
// place of the placeholders (quotes doubled). It is one of the files the Trino check parses.
func TestInlineSQLGolden(t *testing.T) {
	s := New(Config{}, nil)
	for _, tc := range sqlShapes(t) {
		if tc.name != "filters" {
			continue
		}
		text, err := s.InlineSQL(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "?") {
			t.Errorf("inline SQL still has a placeholder:\n%s", text)
		}
		for _, want := range []string{`strpos(arn, 'O''Brien') > 0`, `"dt" BETWEEN '2025/10/31/22' AND '2025/11/01/11'`, `region IN ('us-east-1', 'eu-central-1')`} {
			if !strings.Contains(text, want) {
				t.Errorf("inline SQL lacks %q", want)
			}
		}
		golden.Assert(t, filepath.Join("testdata", "filters-inline.sql"), []byte(text))
	}
}

func TestInline(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		params  []string
		want    string
		wantErr string
	}{
		{"placeholders only", "a = ? AND b IN (?, ?)", []string{"'x'", "'y'", "'z'"}, "a = 'x' AND b IN ('y', 'z')", ""},
		{"question marks in literals, identifiers and comments stay", "-- why?\nSELECT '?''?', \"a?\" WHERE x = ?", []string{"'v'"}, "-- why?\nSELECT '?''?', \"a?\" WHERE x = 'v'", ""},
		{"too few parameters", "? ?", []string{"'a'"}, "", "more placeholders"},
		{"too many parameters", "?", []string{"'a'", "'b'"}, "", "1 placeholders for 2 parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inline(tc.text, tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %q, %v, want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v, want %q", got, err, tc.want)
			}
		})
	}
}

// TestSQLParsesAsTrino runs the golden files through the Trino grammar check
// (tools/trino-sql-check: dt-sql-parser's ANTLR Trino grammar, installed from the npm
// registry into a cache folder on first use). It needs Node.js and npm, as the CDK tests do.
func TestSQLParsesAsTrino(t *testing.T) {
	tool, err := filepath.Abs("../../tools/trino-sql-check")
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("TRINO_SQL_CHECK"); p != "" {
		tool = p
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skipf("the Trino grammar check needs Node.js and npm (%v): install them (Debian: apt-get install nodejs npm) to run it", err)
	}
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden SQL files: %v", err)
	}
	out, err := exec.Command(tool, files...).CombinedOutput()
	if err != nil {
		t.Fatalf("trino-sql-check %v: %v\n%s", files, err, out)
	}
	for _, f := range files {
		if !strings.Contains(string(out), f+": ok") {
			t.Errorf("trino-sql-check did not report %s ok:\n%s", f, out)
		}
	}
}

func TestSQLRangePartitions(t *testing.T) {
	s := New(Config{}, nil)
	tests := []struct {
		name         string
		since, until string
		wantParams   []string
	}{
		{"whole hours", "2025-11-01T10:00:00Z", "2025-11-01T12:00:00Z",
			[]string{"'2025/11/01/10'", "'2025/11/01/12'", "'2025-11-01T10:00:00.000Z'", "'2025-11-01T12:00:00.000Z'"}},
		{"month boundary", "2025-10-31T23:30:00Z", "2025-11-01T00:15:00Z",
			[]string{"'2025/10/31/23'", "'2025/11/01/01'", "'2025-10-31T23:30:00.000Z'", "'2025-11-01T00:15:00.000Z'"}},
		{"year boundary", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z",
			[]string{"'2025/12/31/00'", "'2026/01/01/00'", "'2025-12-31T00:00:00.000Z'", "'2026-01-01T00:00:00.000Z'"}},
		{"sub-millisecond bounds round up", "2025-11-01T10:00:00.0000001Z", "2025-11-01T10:30:00.1234567Z",
			[]string{"'2025/11/01/10'", "'2025/11/01/11'", "'2025-11-01T10:00:00.001Z'", "'2025-11-01T10:30:00.124Z'"}},
		{"offset converted to UTC", "2025-11-01T12:00:00+02:00", "2025-11-01T13:00:00+02:00",
			[]string{"'2025/11/01/10'", "'2025/11/01/11'", "'2025-11-01T10:00:00.000Z'", "'2025-11-01T11:00:00.000Z'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, params, err := s.SQL(analytics.Query{Since: mustTime(t, tc.since), Until: mustTime(t, tc.until)})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(params, tc.wantParams) {
				t.Errorf("got %q, want %q", params, tc.wantParams)
			}
		})
	}
}

func TestSQLRejects(t *testing.T) {
	since, until := mustTime(t, "2025-11-01T00:00:00Z"), mustTime(t, "2025-11-02T00:00:00Z")
	tests := []struct {
		name    string
		cfg     Config
		q       analytics.Query
		wantErr string
	}{
		{"control character", Config{}, analytics.Query{Since: since, Until: until, Users: []string{"bob\n"}}, "user: value \"bob\\n\" contains a control character"},
		{"invalid utf-8", Config{}, analytics.Query{Since: since, Until: until, Apps: []string{"\xff"}}, "not valid UTF-8"},
		{"too long", Config{}, analytics.Query{Since: since, Until: until, Models: []string{strings.Repeat("m", 1023)}}, "too long"},
		{"empty metadata key", Config{}, analytics.Query{Since: since, Until: until, MetadataKeys: []string{""}}, "empty requestMetadata key"},
		{"bad table", Config{Table: `logs" --`}, analytics.Query{Since: since, Until: until}, "table name"},
		{"bad database", Config{Database: "Bedrock"}, analytics.Query{Since: since, Until: until}, "database name"},
		{"empty range", Config{}, analytics.Query{Since: until, Until: since}, "not before"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := New(tc.cfg, nil).SQL(tc.q)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
			if !errors.Is(err, ErrBadQuery) {
				t.Errorf("got error %v, want one wrapping ErrBadQuery", err)
			}
			// Usage refuses it before calling any API (the nil client would panic).
			if _, err := New(tc.cfg, nil).Usage(context.Background(), tc.q); !errors.Is(err, ErrBadQuery) {
				t.Errorf("Usage: got error %v, want one wrapping ErrBadQuery", err)
			}
		})
	}
}

func TestLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{"O'Brien", "'O''Brien'"},
		{"''", "''''''"},
		{`back\slash`, `'back\slash'`},
		{"x' OR '1'='1", "'x'' OR ''1''=''1'"},
		{"üñí", "'üñí'"},
	}
	for _, tc := range tests {
		got, err := Literal(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Literal(%q): got %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestEmptyFilterValueNotPushed(t *testing.T) {
	// An empty app matches callers that are not assumed roles; SQL cannot express that with
	// the superset predicate, so the filter is left to the Go side.
	q := analytics.Query{Since: mustTime(t, "2025-11-01T00:00:00Z"), Until: mustTime(t, "2025-11-02T00:00:00Z"), Apps: []string{"", "ChatbotApp"}}
	text, params, err := New(Config{}, nil).SQL(q)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, appPattern) || len(params) != 4 {
		t.Errorf("got an app predicate with params %q, want none", params)
	}
}

func TestQueryCost(t *testing.T) {
	tests := []struct {
		name   string
		bytes  int64
		reused bool
		want   string
	}{
		{"nothing scanned pays the 10 MB minimum", 0, false, "0.0000524288"},
		{"just under 10 MB", 10*1024*1024 - 1, false, "0.0000524288"},
		{"rounded up to the next MB", 10*1024*1024 + 1, false, "0.00005767168"},
		{"one TB", 1_000_000_000_000, false, "5.000003584"}, // 953,675 MB (rounded up) × 1,048,576 B × $5 / 10^12
		{"reused result is free", 5_000_000_000, true, "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := QueryCost(tc.bytes, tc.reused); got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
