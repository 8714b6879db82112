package analytics

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// reportOf builds a report over [since, until) from records priced by profilePricer ($1 per
// million input tokens), giving daily the rows when it is not nil.
func reportOf(t *testing.T, since, until time.Time, recs []*invocationlog.Record, daily *DailyCosts) *Report {
	t.Helper()
	q := Query{Since: since, Until: until}
	agg := NewAggregator(q)
	for _, r := range recs {
		agg.Add(r)
	}
	rep, err := BuildReport(context.Background(), q, &Result{Rows: agg.Rows()}, profilePricer{}, ReportOptions{Daily: daily})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func day(d int) time.Time { return time.Date(2025, 11, d, 0, 0, 0, 0, time.UTC) }

func TestCompare(t *testing.T) {
	const (
		roleA = "arn:aws:sts::123456789012:assumed-role/AppA/u1"
		roleB = "arn:aws:sts::123456789012:assumed-role/AppB/u2"
		roleC = "arn:aws:sts::123456789012:assumed-role/AppC/u3"
	)
	// input tokens are micro-dollars
	base := []*invocationlog.Record{
		testRecord("2025-11-01T09:00:00Z", roleA, haikuID, 1_000_000, 1, nil),
		testRecord("2025-11-02T10:00:00Z", roleA, haikuID, 2_000_000, 1, nil),
		testRecord("2025-11-02T10:30:00Z", roleC, haikuID, 500_000, 1, nil),
	}
	cur := []*invocationlog.Record{
		testRecord("2025-11-03T09:00:00Z", roleA, haikuID, 4_000_000, 1, nil),
		testRecord("2025-11-04T10:00:00Z", roleA, haikuID, 1_000_000, 1, nil),
		testRecord("2025-11-04T10:15:00Z", roleB, sonnetID, 3_000_000, 1, nil),
	}
	rep := reportOf(t, day(3), day(5), cur, nil)
	rep.Compare(reportOf(t, day(1), day(3), base, nil), "previous period")

	usd := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	baselines := func(view string) map[string]string {
		out := map[string]string{}
		for _, l := range rep.View(view).Lines {
			if l.Baseline == nil {
				t.Fatalf("%s line %v has no baseline", view, l.Keys)
			}
			out[strings.Join(l.Keys, "/")] = l.Baseline.Cost.String()
		}
		return out
	}
	for _, tc := range []struct {
		view string
		want map[string]string
	}{
		{"by_app_user", map[string]string{"AppA/u1": "3", "AppB/u2": "0"}},
		{"by_model", map[string]string{haikuID: "3.5", sonnetID: "0"}},
		// the same day, hour, of the previous period
		{"daily", map[string]string{"2025-11-03": "1", "2025-11-04": "2.5"}},
		{"hourly", map[string]string{"2025-11-03T09:00Z": "1", "2025-11-04T10:00Z": "2.5"}},
	} {
		if diff := cmp.Diff(tc.want, baselines(tc.view)); diff != "" {
			t.Errorf("%s baselines (-want +got):\n%s", tc.view, diff)
		}
	}
	c := rep.Comparison
	if !c.Totals.Cost.Equal(usd("3.5")) || c.Totals.Calls != 3 || !c.Since.Equal(day(1)) || !c.Until.Equal(day(3)) {
		t.Errorf("got baseline totals %s USD, %d calls, %s to %s; want 3.5, 3, Nov 1 to 3", c.Totals.Cost, c.Totals.Calls, c.Since, c.Until)
	}
	keys := func(ks []KeyTotals) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Dimension+" "+k.Key+" "+k.Cost.String())
		}
		return out
	}
	if diff := cmp.Diff([]string{"app AppB 3", "user u2 3", "model " + sonnetID + " 3"}, keys(c.New)); diff != "" {
		t.Errorf("new (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"app AppC 0.5", "user u3 0.5"}, keys(c.Vanished)); diff != "" {
		t.Errorf("vanished (-want +got):\n%s", diff)
	}
	var movers []string
	for _, m := range c.Movers {
		movers = append(movers, m.Dimension+" "+m.Key+" "+m.CostDelta().String())
	}
	// by the size of the change, ties by direction (rises first), then app, user, model
	want := []string{"app AppB 3", "user u2 3", "model " + sonnetID + " 3", "app AppA 2", "user u1 2", "model " + haikuID + " 1.5", "app AppC -0.5", "user u3 -0.5"}
	if diff := cmp.Diff(want, movers); diff != "" {
		t.Errorf("movers (-want +got):\n%s", diff)
	}

	// comparing again replaces what the first comparison set
	rep.Compare(reportOf(t, day(1), day(3), nil, nil), "previous period")
	if got := baselines("by_app_user"); got["AppA/u1"] != "0" || len(rep.Comparison.Vanished) != 0 {
		t.Errorf("compared with an empty baseline: got AppA/u1 baseline %s and %d vanished, want 0 and none", got["AppA/u1"], len(rep.Comparison.Vanished))
	}
}

func TestCheckIncrease(t *testing.T) {
	tests := []struct {
		name, base, cur, max string
		wantOver             bool
	}{
		{"growth under the limit", "100", "109.99", "10", false},
		{"growth at the limit", "100", "110", "10", false},
		{"growth over the limit", "100", "110.01", "10", true},
		{"a fall", "100", "50", "0", false},
		{"from nothing", "0", "0.01", "1000", true},
		{"nothing to nothing", "0", "0", "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &Report{Totals: Totals{Cost: decimal.RequireFromString(tt.cur)}}
			rep.Comparison = &Comparison{Totals: Totals{Cost: decimal.RequireFromString(tt.base)}}
			rep.CheckIncrease(decimal.RequireFromString(tt.max))
			if got := rep.Comparison.Increase.Over; got != tt.wantOver {
				t.Errorf("%s → %s with at most +%s%%: got over %v, want %v", tt.base, tt.cur, tt.max, got, tt.wantOver)
			}
		})
	}
}

// modifiedZ is the documented rule, in floats: (x − median) / max(1.4826 × MAD, median/10,
// 0.01).
func modifiedZ(history []float64, x float64) float64 {
	med := func(v []float64) float64 {
		s := append([]float64(nil), v...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	m := med(history)
	dev := make([]float64, len(history))
	for i, h := range history {
		dev[i] = math.Abs(h - m)
	}
	return (x - m) / math.Max(math.Max(1.4826*med(dev), m/10), 0.01)
}

func TestAnomalies(t *testing.T) {
	steady := []float64{10, 11, 9, 10, 12, 10, 11, 9, 10, 10, 11, 10, 9, 10}
	weekdays := []float64{20, 22, 0, 0, 21, 19, 23, 20, 22, 0, 0, 18, 21, 20}
	tests := []struct {
		name      string
		history   []float64 // the 14 days before the scored day, oldest first
		x         float64   // the scored day's cost
		threshold float64
		want      bool
	}{
		{"a spike over a steady history", steady, 30, 3.5, true},
		{"an ordinary day", steady, 11, 3.5, false},
		{"just over the threshold", steady, 13.6, 3.5, true},
		{"the same day under a higher threshold", steady, 13.6, 4, false},
		{"a flat history and a 20% rise", []float64{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, 12, 3.5, false},
		{"a flat history and a doubling", []float64{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, 20, 3.5, true},
		{"no spend before: no baseline", make([]float64, 14), 50, 3.5, false},
		{"less than the minimum above the median", []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, 0.9, 3.5, false},
		{"a weekday pattern and a busy weekday", weekdays, 60, 3.5, true},
		{"a weekday pattern and a normal weekday", weekdays, 24, 3.5, false},
	}
	const role = "arn:aws:sts::123456789012:assumed-role/App/u"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			daily := NewDailyCosts(time.UTC)
			var hist []*invocationlog.Record
			// a day outside the window, which must not count
			hist = append(hist, testRecord("2025-10-31T12:00:00Z", role, haikuID, 1_000_000_000, 1, nil))
			for i, c := range tt.history {
				if c > 0 {
					ts := day(1).AddDate(0, 0, i).Add(12 * time.Hour).Format(time.RFC3339)
					hist = append(hist, testRecord(ts, role, haikuID, int64(math.Round(c*1e6)), 1, nil))
				}
			}
			reportOf(t, time.Date(2025, 10, 30, 0, 0, 0, 0, time.UTC), day(15), hist, daily)
			reportOf(t, day(15), day(16), []*invocationlog.Record{testRecord("2025-11-15T08:00:00Z", role, haikuID, int64(math.Round(tt.x*1e6)), 1, nil)}, daily)
			rule := DefaultAnomalyRule
			rule.Threshold = tt.threshold
			got := daily.Anomalies(day(15), day(16), rule)
			if !tt.want {
				if len(got) > 0 {
					t.Errorf("got %d anomalies (%+v), want none", len(got), got[0])
				}
				return
			}
			// the one key is the application, the user and the model
			if len(got) != 3 {
				t.Fatalf("got %d anomalies, want 3 (app, user, model): %+v", len(got), got)
			}
			wantScore := math.Round(modifiedZ(tt.history, tt.x)*100) / 100
			for _, a := range got {
				if a.Date != "2025-11-15" || a.Score != wantScore || !a.Cost.Equal(decimal.NewFromFloat(tt.x)) {
					t.Errorf("%s %s: got %s, $%s, score %v; want 2025-11-15, $%v, score %v", a.Dimension, a.Key, a.Date, a.Cost, a.Score, tt.x, wantScore)
				}
			}
		})
	}
}

func TestAnomalyHistorySince(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	since := time.Date(2025, 11, 15, 9, 30, 0, 0, time.UTC)
	if got, want := DefaultAnomalyRule.HistorySince(since, berlin), time.Date(2025, 11, 1, 0, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("got %s, want %s: midnight in Berlin 14 days before", got, want)
	}
}

func TestShiftKey(t *testing.T) {
	tests := []struct {
		name, dim, key      string
		days, hours, months int
		want                string
	}{
		{"a date a week earlier", "date", "2025-11-10", 7, 168, 0, "2025-11-03"},
		{"an hour across midnight", "hour", "2025-11-10T01:00Z", 1, 2, 0, "2025-11-09T23:00Z"},
		{"a week a week earlier", "week", "2025-W46", 7, 168, 0, "2025-W45"},
		{"a week across the new year", "week", "2026-W01", 7, 168, 0, "2025-W52"},
		{"the first week of an ISO year that began in December", "week", "2025-W01", 14, 336, 0, "2024-W51"},
		{"a month a month earlier", "month", "2025-11", 31, 744, 1, "2025-10"},
		{"a month across the new year", "month", "2026-01", 31, 744, 1, "2025-12"},
		{"another key is its own", "app", "2025-11", 7, 168, 1, "2025-11"},
		{"a key that is not a date is its own", "date", "soon", 7, 168, 0, "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shiftKey(tt.dim, tt.key, tt.days, tt.hours, tt.months); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAnomaliesFoldGeneratedSessions: a fleet whose every call has its own generated session
// name is scored as its pattern, so a day on which it runs away is an anomaly of that user.
func TestAnomaliesFoldGeneratedSessions(t *testing.T) {
	daily := NewDailyCosts(time.UTC)
	daily.FoldUsers(sessions.NewFolder(sessions.Defaults()))
	var hist []*invocationlog.Record
	n := 0
	session := func() string {
		n++
		return "arn:aws:sts::123456789012:assumed-role/Worker/botocore-session-" + strconv.Itoa(1762000000+n)
	}
	for d := 1; d <= 14; d++ {
		for range 3 { // three calls a day at a dollar each
			hist = append(hist, testRecord(day(d).Add(10*time.Hour).Format(time.RFC3339), session(), haikuID, 1_000_000, 1, nil))
		}
	}
	reportOf(t, day(1), day(15), hist, daily)
	var spike []*invocationlog.Record
	for range 30 {
		spike = append(spike, testRecord("2025-11-15T10:00:00Z", session(), haikuID, 1_000_000, 1, nil))
	}
	reportOf(t, day(15), day(16), spike, daily)
	var users []string
	for _, a := range daily.Anomalies(day(15), day(16), DefaultAnomalyRule) {
		if a.Dimension == "user" {
			users = append(users, a.Key+" "+a.Cost.String()+" "+a.Baseline.String())
		}
	}
	if want := []string{"botocore-session-* 30 3"}; !slices.Equal(users, want) {
		t.Errorf("user anomalies: got %q, want %q", users, want)
	}
}
