package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
)

// TestReportSeveralSources: --source given twice reads both into one report; the same logs
// twice count once, with the duplicates said; a source that fails is listed and the rest
// still reported, and fails the run under --strict.
func TestReportSeveralSources(t *testing.T) {
	gen := func(region string, seed int64) string {
		dir := t.TempDir()
		if _, err := loggen.Generate(t.Context(), loggen.Config{Out: dir, Seed: seed, Records: 2000, Regions: []string{region},
			Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 8, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	east, eu := gen("us-east-1", 1), gen("eu-central-1", 2)
	copyOfEast := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copyOfEast, os.DirFS(east)); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Source string
		Totals struct {
			Calls int64
			Cost  string `json:"total_cost_usd"`
		}
		Scan     map[string]any
		Failures []string
	}
	cli := newTestCLI(t)
	report := func(sources ...string) doc {
		t.Helper()
		args := []string{"report", "--format", "json", "--offline", "--since", "2025-11-01", "--until", "2025-11-07"}
		for _, s := range sources {
			args = append(args, "--source", s)
		}
		if code := cli.run(args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", sources, code, cli.errOut)
		}
		var d doc
		if err := json.Unmarshal(cli.out.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := report(east), report(eu)
	both := report(east, eu)
	if both.Totals.Calls != a.Totals.Calls+b.Totals.Calls || both.Scan["sources"] != 2.0 || both.Scan["duplicates"] != 0.0 || both.Source != east+", "+eu {
		t.Errorf("two regions: got %d calls, scan %v, source %q; want %d calls (%d + %d), 2 sources, no duplicates", both.Totals.Calls, both.Scan, both.Source, a.Totals.Calls+b.Totals.Calls, a.Totals.Calls, b.Totals.Calls)
	}
	twice := report(east, copyOfEast)
	if twice.Totals.Calls != a.Totals.Calls || twice.Totals.Cost != a.Totals.Cost || twice.Scan["duplicates"] != float64(a.Totals.Calls) {
		t.Errorf("the same logs twice: got %d calls, %s USD, %v duplicates; want %d, %s, %d", twice.Totals.Calls, twice.Totals.Cost, twice.Scan["duplicates"], a.Totals.Calls, a.Totals.Cost, a.Totals.Calls)
	}
	if code := cli.run("report", "--offline", "--format", "table", "--since", "2025-11-01", "--until", "2025-11-07", "--source", east, "--source", copyOfEast); code != exitOK || !strings.Contains(cli.out.String(), "from 2 sources, "+thousands(a.Totals.Calls)+" duplicates dropped") {
		t.Errorf("the table does not say how many duplicates were dropped (exit %d):\n%s", code, cli.out)
	}

	missing := filepath.Join(t.TempDir(), "nope")
	part := report(east, missing)
	if part.Totals.Calls != a.Totals.Calls || len(part.Failures) != 1 || !strings.HasPrefix(part.Failures[0], missing+": ") || !strings.Contains(cli.errOut.String(), "warning: 1 part(s) of the query failed") {
		t.Errorf("a missing source: got %d calls, failures %q, stderr %q; want %d calls, the missing folder listed and warned of", part.Totals.Calls, part.Failures, cli.errOut, a.Totals.Calls)
	}
	if code := cli.run("report", "--offline", "--format", "json", "--since", "2025-11-01", "--until", "2025-11-07", "--source", east, "--source", missing, "--strict"); code != exitData {
		t.Errorf("a missing source under --strict: exit %d, want %d", code, exitData)
	}
}

// thousands writes n with comma separators, as the table does.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
