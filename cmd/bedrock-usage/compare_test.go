package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// jsonReport is the part of a JSON report the comparison tests read.
type jsonReport struct {
	Totals struct {
		Calls int64
		Cost  string `json:"total_cost_usd"`
	}
	ByAppUser []struct {
		App, User    string
		Calls        int64
		Cost         string  `json:"cost_usd"`
		CostBaseline *string `json:"cost_usd_baseline"`
		CallsBase    *int64  `json:"calls_baseline"`
	} `json:"by_app_user"`
	Daily []struct {
		Date         string
		Cost         string  `json:"cost_usd"`
		CostBaseline *string `json:"cost_usd_baseline"`
	}
	Groups []struct {
		User, Date string
		Cost       string `json:"cost_usd"`
	}
	Comparison *struct {
		Baseline string
		Period   struct{ Since, Until string }
		Totals   struct {
			Calls int64
			Cost  string `json:"total_cost_usd"`
		}
		Delta         string               `json:"total_cost_usd_delta"`
		Pct           *float64             `json:"total_cost_change_pct"`
		MaxIncrease   *struct{ Over bool } `json:"max_increase"`
		New, Vanished []struct{ Dimension, Key string }
	}
	Detection *struct {
		Threshold float64
	} `json:"anomaly_detection"`
	Anomalies []struct {
		Dimension, Key, Date string
		Cost                 string `json:"cost_usd"`
		Baseline             string `json:"baseline_usd"`
		Score                float64
	}
}

func (c *testCLI) report(t *testing.T, args ...string) (jsonReport, []byte) {
	t.Helper()
	if code := c.run(append([]string{"report", "--format", "json", "--offline"}, args...)...); code != exitOK {
		t.Fatalf("report %v: exit %d: %s", args, code, c.errOut)
	}
	var r jsonReport
	if err := json.Unmarshal(c.out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r, append([]byte(nil), c.out.Bytes()...)
}

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return d
}

// TestReportComparePrevious: --compare previous sets against each line what a report of the
// previous period says of it, and a saved report of that period gives the same comparison.
func TestReportComparePrevious(t *testing.T) {
	dir := generate(t)
	cli := newTestCLI(t)
	cur, _ := cli.report(t, "--source", dir, "--since", "2025-11-08", "--until", "2025-11-14", "--compare", "previous")
	prev, saved := cli.report(t, "--source", dir, "--since", "2025-11-01", "--until", "2025-11-07")

	c := cur.Comparison
	if c == nil {
		t.Fatal("no comparison in the report")
	}
	if c.Period.Since != "2025-11-01T00:00:00Z" || c.Period.Until != "2025-11-08T00:00:00Z" || c.Baseline != "previous period" {
		t.Errorf("got baseline %q %s to %s, want the previous period Nov 1 to 8", c.Baseline, c.Period.Since, c.Period.Until)
	}
	if c.Totals.Calls != prev.Totals.Calls || !dec(t, c.Totals.Cost).Equal(dec(t, prev.Totals.Cost)) {
		t.Errorf("got baseline totals %d calls, %s USD; the previous period's report says %d, %s", c.Totals.Calls, c.Totals.Cost, prev.Totals.Calls, prev.Totals.Cost)
	}
	if want := dec(t, cur.Totals.Cost).Sub(dec(t, prev.Totals.Cost)); !dec(t, c.Delta).Equal(want) {
		t.Errorf("got delta %s, want %s", c.Delta, want)
	}
	prevLine := map[string]string{}
	for _, l := range prev.ByAppUser {
		prevLine[l.App+"/"+l.User] = l.Cost
	}
	for _, l := range cur.ByAppUser {
		want := "0"
		if p, ok := prevLine[l.App+"/"+l.User]; ok {
			want = p
		}
		if l.CostBaseline == nil || !dec(t, *l.CostBaseline).Equal(dec(t, want)) {
			t.Errorf("%s/%s: got baseline %v, want %s (the previous period's)", l.App, l.User, l.CostBaseline, want)
		}
	}
	for i, l := range cur.Daily {
		if l.CostBaseline == nil || !dec(t, *l.CostBaseline).Equal(dec(t, prev.Daily[i].Cost)) {
			t.Errorf("daily %s: got baseline %v, want %s (%s, a week before)", l.Date, l.CostBaseline, prev.Daily[i].Cost, prev.Daily[i].Date)
		}
	}
	// new and vanished users, from the two reports' own lines
	users := func(r jsonReport) map[string]bool {
		m := map[string]bool{}
		for _, l := range r.ByAppUser {
			m[l.User] = true
		}
		return m
	}
	var wantNew, gotNew, wantGone, gotGone []string
	for u := range users(cur) {
		if !users(prev)[u] {
			wantNew = append(wantNew, u)
		}
	}
	for u := range users(prev) {
		if !users(cur)[u] {
			wantGone = append(wantGone, u)
		}
	}
	for _, k := range c.New {
		if k.Dimension == "user" {
			gotNew = append(gotNew, k.Key)
		}
	}
	for _, k := range c.Vanished {
		if k.Dimension == "user" {
			gotGone = append(gotGone, k.Key)
		}
	}
	sort.Strings(wantNew)
	sort.Strings(gotNew)
	sort.Strings(wantGone)
	sort.Strings(gotGone)
	if diff := cmp.Diff(wantNew, gotNew); diff != "" {
		t.Errorf("new users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantGone, gotGone); diff != "" {
		t.Errorf("vanished users (-want +got):\n%s", diff)
	}

	// The saved report of the previous period as the baseline: the same comparison.
	file := filepath.Join(t.TempDir(), "previous.json")
	if err := os.WriteFile(file, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, _ := cli.report(t, "--source", dir, "--since", "2025-11-08", "--until", "2025-11-14", "--compare", file)
	if fromFile.Comparison == nil || fromFile.Comparison.Baseline != "report "+file {
		t.Fatalf("got comparison %+v, want one with the file as its baseline", fromFile.Comparison)
	}
	fromFile.Comparison.Baseline = c.Baseline
	if diff := cmp.Diff(cur, fromFile); diff != "" {
		t.Errorf("compared with the saved report (-previous +file):\n%s", diff)
	}

	// --max-increase either side of the actual change
	if c.Pct == nil {
		t.Fatal("no percentage change")
	}
	pct := *c.Pct
	for _, tc := range []struct {
		max      float64
		wantCode int
	}{{pct + 0.5, exitOK}, {pct - 0.5, exitOverBudget}} {
		limit := fmt.Sprintf("%.2f", tc.max)
		code := cli.run("report", "--format", "json", "--offline", "--source", dir, "--since", "2025-11-08", "--until", "2025-11-14", "--compare", "previous", "--max-increase", limit)
		if code != tc.wantCode {
			t.Errorf("--max-increase %s with a change of %.2f%%: exit %d, want %d (%s)", limit, pct, code, tc.wantCode, cli.errOut)
		}
		if tc.wantCode == exitOverBudget && !strings.Contains(cli.errOut.String(), "more than --max-increase "+limit+"%") {
			t.Errorf("stderr %q does not say the increase was over the limit", cli.errOut)
		}
	}
}

func TestReportCompareUsage(t *testing.T) {
	dir := generate(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"max increase without a baseline", []string{"--max-increase", "10"}, "--max-increase needs --compare"},
		{"a baseline file that is not there", []string{"--compare", "nope.json"}, `--compare "nope.json"`},
		{"a bad percentage", []string{"--compare", "previous", "--max-increase", "ten"}, "--max-increase"},
		{"a bad threshold", []string{"--anomaly-threshold", "0"}, "--anomaly-threshold"},
		{"a bad minimum", []string{"--anomaly-min-cost", "-1"}, "--anomaly-min-cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli := newTestCLI(t)
			code := cli.run(append([]string{"report", "--source", dir, "--offline"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(cli.errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, cli.errOut, exitUsage, tt.want)
			}
		})
	}
}

// anomalyLogs writes one call a day from Nov 1 to 15 by one user, the same input every day
// but the last, which has spike times as much.
func anomalyLogs(t *testing.T, spike int64) string {
	t.Helper()
	dir := t.TempDir()
	for d := 1; d <= 15; d++ {
		hour := filepath.Join(dir, fmt.Sprintf("AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2025/11/%02d/10", d))
		if err := os.MkdirAll(hour, 0o755); err != nil {
			t.Fatal(err)
		}
		in := int64(1_000_000)
		if d == 15 {
			in *= spike
		}
		line := fmt.Sprintf(`{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2025-11-%02dT10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:sts::123456789012:assumed-role/SteadyApp-BedrockRole/steady"},"region":"us-east-1","requestId":"r%d","operation":"Converse","modelId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0","input":{"inputTokenCount":%d},"output":{"outputTokenCount":100}}`, d, d, in)
		if err := os.WriteFile(filepath.Join(hour, "a.json"), []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReportAnomalies: a day far above its user's 14 days before is listed with the cost and
// median that reports of those days give, and fails the job under --fail-on-anomaly.
func TestReportAnomalies(t *testing.T) {
	dir := anomalyLogs(t, 20)
	cli := newTestCLI(t)
	plain, _ := cli.report(t, "--source", dir, "--since", "2025-11-15", "--until", "2025-11-15")
	if plain.Detection != nil || len(plain.Anomalies) != 0 {
		t.Errorf("without --anomalies: got detection %+v and %d anomalies, want none", plain.Detection, len(plain.Anomalies))
	}
	rep, _ := cli.report(t, "--source", dir, "--since", "2025-11-15", "--until", "2025-11-15", "--anomalies", "--anomaly-min-cost", "0.5", "--group-by", "user,date")
	hist, _ := cli.report(t, "--source", dir, "--since", "2025-11-01", "--until", "2025-11-14", "--group-by", "user,date")
	if rep.Detection == nil || rep.Detection.Threshold != 3.5 {
		t.Fatalf("got detection %+v, want the default threshold 3.5", rep.Detection)
	}
	var costs []float64
	for _, g := range hist.Groups {
		f, _ := dec(t, g.Cost).Float64()
		costs = append(costs, f)
	}
	if len(costs) != 14 {
		t.Fatalf("the history has %d days, want 14", len(costs))
	}
	sort.Float64s(costs)
	median := (costs[6] + costs[7]) / 2
	x, _ := dec(t, rep.Groups[0].Cost).Float64()
	// every day before cost the same: no deviation, so the floor of a tenth of the median
	wantScore := math.Round((x-median)/(median/10)*100) / 100
	var got []string
	for _, a := range rep.Anomalies {
		got = append(got, a.Dimension+" "+a.Key+" "+a.Date)
		b, _ := dec(t, a.Baseline).Float64()
		if !dec(t, a.Cost).Equal(dec(t, rep.Groups[0].Cost)) || math.Abs(b-median) > 1e-9 || a.Score != wantScore {
			t.Errorf("%s %s: got cost %s, baseline %s, score %v; want %s, %v, %v", a.Dimension, a.Key, a.Cost, a.Baseline, a.Score, rep.Groups[0].Cost, median, wantScore)
		}
	}
	want := []string{"app SteadyApp-BedrockRole 2025-11-15", "user steady 2025-11-15", "model anthropic.claude-sonnet-4-5-20250929-v1:0 2025-11-15"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anomalies (-want +got):\n%s", diff)
	}

	if code := cli.run("report", "--format", "json", "--offline", "--source", dir, "--since", "2025-11-15", "--until", "2025-11-15", "--fail-on-anomaly", "--anomaly-min-cost", "0.5"); code != exitOverBudget || !strings.Contains(cli.errOut.String(), "3 anomalies (--fail-on-anomaly): app SteadyApp-BedrockRole on 2025-11-15") {
		t.Errorf("--fail-on-anomaly: exit %d, stderr %q; want %d and the anomalies", code, cli.errOut, exitOverBudget)
	}
	// an ordinary last day passes
	calm := anomalyLogs(t, 1)
	if code := cli.run("report", "--format", "json", "--offline", "--source", calm, "--since", "2025-11-15", "--until", "2025-11-15", "--fail-on-anomaly", "--anomaly-min-cost", "0"); code != exitOK {
		t.Errorf("--fail-on-anomaly on an ordinary day: exit %d, stderr %q; want 0", code, cli.errOut)
	}
}
