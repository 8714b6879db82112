package analytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// profilePricer prices everything at $1 per million input tokens and resolves one
// application inference profile to Claude 3 Haiku.
type profilePricer struct{}

const (
	appProfile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
	haikuID    = "anthropic.claude-3-haiku-20240307-v1:0"
	sonnetID   = "anthropic.claude-sonnet-4-20250514-v1:0"
)

func (profilePricer) Cost(_ context.Context, u pricing.Usage) (pricing.Cost, error) {
	model := invocationlog.BaseModelID(u.ModelID)
	switch u.ModelID {
	case appProfile:
		model = haikuID
	case "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/unknown":
		return pricing.Cost{}, &pricing.UnpricedError{ModelID: u.ModelID, Region: u.Region, Reason: "cannot be resolved"}
	}
	c := decimal.New(u.InputTokens, -6)
	return pricing.Cost{Input: c, Total: c, Model: model}, nil
}

func TestBuildReportModelFilterResolvesApplicationProfiles(t *testing.T) {
	const role = "arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/s1"
	recs := []*invocationlog.Record{
		testRecord("2025-11-03T09:10:00Z", role, haikuID, 100, 1, nil),
		testRecord("2025-11-03T09:20:00Z", role, "us."+haikuID, 200, 1, nil),
		testRecord("2025-11-03T09:30:00Z", role, appProfile, 400, 1, nil),
		testRecord("2025-11-03T09:40:00Z", role, sonnetID, 800, 1, nil),
		testRecord("2025-11-03T09:50:00Z", role, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/unknown", 1600, 1, nil),
	}
	tests := []struct {
		name      string
		models    []string
		wantCalls int64
		wantInput int64
	}{
		{"no filter", nil, 5, 3100},
		{"base id keeps profiles and the resolved application profile", []string{haikuID}, 3, 700},
		{"exact profile id", []string{"us." + haikuID}, 1, 200},
		{"the application profile's own ARN", []string{appProfile}, 1, 400},
		{"another model", []string{sonnetID}, 1, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC), Models: tt.models}
			agg := NewAggregator(q)
			for _, r := range recs {
				agg.Add(r)
			}
			rep, err := BuildReport(context.Background(), q, &Result{Rows: agg.Rows()}, profilePricer{}, ReportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Totals.Calls != tt.wantCalls || rep.Totals.InputTokens != tt.wantInput {
				t.Errorf("got %d calls, %d input tokens; want %d, %d", rep.Totals.Calls, rep.Totals.InputTokens, tt.wantCalls, tt.wantInput)
			}
			var viewCalls int64
			for _, l := range rep.View("by_model").Lines {
				viewCalls += l.Calls
			}
			if viewCalls != rep.Totals.Calls {
				t.Errorf("by_model adds up to %d calls, totals say %d", viewCalls, rep.Totals.Calls)
			}
		})
	}
}

// TestDaysInTimeZone: the daily view, and the week and month dimensions, follow the report's
// time zone; the daily view lists every day of the range, zeros included, and marks the
// first and last day partial when the range covers them in part.
func TestDaysInTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// 2026-03-01 10:00 UTC is 11:00 in Berlin (UTC+1); the range ends 01:00 on the 4th there.
	q := Query{Since: at("2026-03-01T10:00:00Z"), Until: at("2026-03-04T00:00:00Z")}
	row := func(hour string) Row {
		return Row{Key: Key{Hour: at(hour), Region: "us-east-1", Principal: "ann", Model: "m"}, Measures: Measures{Calls: 1}}
	}
	res := &Result{Rows: []Row{
		row("2026-03-01T12:00:00Z"), // Berlin 03-01
		row("2026-03-01T23:00:00Z"), // Berlin 03-02 00:00
		row("2026-03-03T23:00:00Z"), // Berlin 03-04 00:00
	}}
	dims, _, err := ParseDimensions([]string{"week", "month"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := BuildReport(context.Background(), q, res, noPricer{}, ReportOptions{Location: berlin, GroupBy: dims})
	if err != nil {
		t.Fatal(err)
	}
	type day struct {
		Date    string
		Calls   int64
		Partial bool
	}
	var got []day
	for _, l := range rep.View("daily").Lines {
		got = append(got, day{l.Keys[0], l.Calls, l.Partial})
	}
	want := []day{{"2026-03-01", 1, true}, {"2026-03-02", 1, false}, {"2026-03-03", 0, false}, {"2026-03-04", 1, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("daily view (-want +got):\n%s", diff)
	}
	var groups [][]string
	for _, l := range rep.View(GroupsView).Lines {
		groups = append(groups, append(slices.Clone(l.Keys), strconv.FormatInt(l.Calls, 10)))
	}
	// 2026-03-01 is a Sunday (ISO week 9); the 2nd to the 4th are in week 10.
	wantGroups := [][]string{{"2026-W10", "2026-03", "2"}, {"2026-W09", "2026-03", "1"}}
	if diff := cmp.Diff(wantGroups, groups); diff != "" {
		t.Errorf("week and month groups (-want +got):\n%s", diff)
	}
}

// TestUnmatchedFilters: a filter value is unmatched when no row has it (a model by its
// logged id, base id or resolved model), and is offered the nearest values of the rows and
// of the records the filters rejected.
func TestUnmatchedFilters(t *testing.T) {
	rows := []PricedRow{
		{Row: Row{Key: Key{Region: "us-east-1", App: "ChatbotApp-BedrockRole", User: "ann", Model: "us.anthropic.claude-3-haiku-20240307-v1:0"}}, Model: "anthropic.claude-3-haiku-20240307-v1:0"},
		{Row: Row{Key: Key{Region: "us-east-1", App: "ChatbotApp-BedrockRole", User: "bob", Model: appProfile}}, Model: "anthropic.claude-sonnet-4-5-20250929-v1:0"},
	}
	q := Query{
		Users:  []string{"ann", "annn"},
		Apps:   []string{"ChatbotApp"},
		Models: []string{"anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-3-haiku"},
	}
	seen := newFilterSeen()
	for i := range rows {
		seen.add(&rows[i])
	}
	got := unmatchedFilters(q, seen, FilterCandidates{Apps: []string{"ReportApp-BedrockRole"}})
	want := []UnmatchedFilter{
		{Filter: "app", Value: "ChatbotApp", DidYouMean: []string{"ChatbotApp-BedrockRole"}},
		{Filter: "user", Value: "annn", DidYouMean: []string{"ann"}},
		{Filter: "model", Value: "claude-3-haiku", DidYouMean: []string{"anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSortLines compares the permutation sort, with its float pre-comparison, against a plain
// sort of the lines by the exact order, on costs that differ only beyond float64 precision,
// equal costs, ties broken by tokens, calls and keys, and the by-time order.
func TestSortLines(t *testing.T) {
	exact := func(byTime bool) func(a, b Line) int {
		return func(a, b Line) int {
			if !byTime {
				if c := b.Cost.Cmp(a.Cost); c != 0 {
					return c
				}
				if c := decimal.NewFromInt(b.Tokens()).Cmp(decimal.NewFromInt(a.Tokens())); c != 0 {
					return c
				}
				if c := decimal.NewFromInt(b.Calls).Cmp(decimal.NewFromInt(a.Calls)); c != 0 {
					return c
				}
			}
			return slices.Compare(a.Keys, b.Keys)
		}
	}
	costs := []string{"0.1", "0.1000000000000000000001", "0.1000000000000000000002", "0.0999999999999999999999", "0", "12.5", "12.5", "1e-30", "2e-30"}
	var lines []Line
	for i := 0; i < 400; i++ {
		l := Line{Keys: []string{"k" + strconv.Itoa((i*7919)%97), strconv.Itoa(i)}} // keys are unique in a view
		l.Cost = decimal.RequireFromString(costs[(i*31)%len(costs)])
		l.Calls = int64(i % 5)
		l.InputTokens = int64((i * 13) % 4)
		lines = append(lines, l)
	}
	for _, byTime := range []bool{false, true} {
		t.Run("byTime="+strconv.FormatBool(byTime), func(t *testing.T) {
			got := slices.Clone(lines)
			sortLines(got, byTime)
			want := slices.Clone(lines)
			slices.SortStableFunc(want, exact(byTime))
			key := func(ls []Line) []string {
				var s []string
				for _, l := range ls {
					s = append(s, l.Cost.String()+"|"+strconv.FormatInt(l.Tokens(), 10)+"|"+strconv.FormatInt(l.Calls, 10)+"|"+l.Keys[0]+"|"+l.Keys[1])
				}
				return s
			}
			if diff := cmp.Diff(key(want), key(got)); diff != "" {
				t.Errorf("sortLines order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResidencyView(t *testing.T) {
	const role = "arn:aws:sts::123456789012:assumed-role/App/u"
	at := func(region, model, served string, in int64) *invocationlog.Record {
		r := testRecord("2025-11-03T09:10:00Z", role, model, in, 1, nil)
		r.Region, r.InferenceRegion = region, served
		return r
	}
	recs := []*invocationlog.Record{
		at("eu-central-1", "global."+haikuID, "us-east-1", 100),
		at("eu-central-1", "global."+haikuID, "us-east-1", 200),
		at("eu-central-1", "eu."+haikuID, "eu-west-1", 400),
		at("eu-central-1", haikuID, "", 800),
		at("us-gov-west-1", "us-gov."+haikuID, "us-gov-east-1", 1600),
		at("ca-central-1", "global."+haikuID, "us-west-2", 3200),
	}
	q := Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC)}
	agg := NewAggregator(q)
	for _, r := range recs {
		agg.Add(r)
	}
	rep, err := BuildReport(context.Background(), q, &Result{Rows: agg.Rows()}, profilePricer{}, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, l := range rep.View(ResidencyView).Lines {
		got[strings.Join(l.Keys, " ")] = l.InputTokens
	}
	want := map[string]int64{
		"eu-central-1 us-east-1 yes":     300,
		"eu-central-1 eu-west-1 no":      400,
		"eu-central-1 eu-central-1 no":   800, // in-region: no inferenceRegion logged
		"us-gov-west-1 us-gov-east-1 no": 1600,
		"ca-central-1 us-west-2 yes":     3200,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("residency lines, input tokens (-want +got):\n%s", diff)
	}
}

// TestConsumeGivesTheSameReport: a report that drains its groups (a million-session month's
// path: chunked measures, chunked view lines, the room made before a large view is copied)
// equals one that reads them, on enough groups and users to cross every chunk and the large
// view threshold.
func TestConsumeGivesTheSameReport(t *testing.T) {
	q := Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC)}
	n := bigView + 3*measureChunk + 17
	build := func(consume bool) *Report {
		agg := NewAggregator(q)
		for i := range n {
			r := testRecord(time.Date(2025, 11, 3, i%24, 0, 0, 0, time.UTC).Format(time.RFC3339),
				fmt.Sprintf("arn:aws:sts::123456789012:assumed-role/App%d/botocore-session-%d", i%3, i/2), haikuID, int64(i), 1, nil)
			agg.Add(r)
		}
		res := &Result{}
		res.SetGroups(agg)
		rep, err := BuildReport(context.Background(), q, res, profilePricer{}, ReportOptions{Consume: consume})
		if err != nil {
			t.Fatal(err)
		}
		if consume && res.Len() != 0 {
			t.Errorf("a drained result still has %d rows", res.Len())
		}
		return rep
	}
	read, drained := build(false), build(true)
	if got := len(drained.View("by_app_user").Lines); got <= bigView {
		t.Fatalf("%d app × user lines: the test should cross the large-view threshold %d", got, bigView)
	}
	if diff := cmp.Diff(read.Views, drained.Views, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }), cmpopts.IgnoreUnexported(Totals{}, Dimension{})); diff != "" {
		t.Errorf("views (-read +drained):\n%.3000s", diff)
	}
	if !read.Totals.Cost.Equal(drained.Totals.Cost) || read.Totals.Calls != drained.Totals.Calls || drained.Totals.Calls != int64(n) {
		t.Errorf("totals: read %+v, drained %+v; want %d calls in both", read.Totals, drained.Totals, n)
	}
}
