package analytics

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

func testRecord(ts string, arn, model string, in, out int64, meta map[string]string) *invocationlog.Record {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	return &invocationlog.Record{
		SchemaType: invocationlog.SchemaType, Timestamp: t, AccountID: "123456789012", Region: "us-east-1",
		Identity: invocationlog.Identity{ARN: arn}, Operation: invocationlog.OpConverse, ModelID: model,
		Input: invocationlog.Input{InputTokenCount: in}, Output: invocationlog.Output{OutputTokenCount: out},
		RequestMetadata: meta,
	}
}

func TestAggregatorRangeFiltersAndGrain(t *testing.T) {
	const (
		role  = "arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/s1"
		user  = "arn:aws:iam::123456789012:user/MobileApp"
		haiku = "anthropic.claude-3-haiku-20240307-v1:0"
	)
	recs := []*invocationlog.Record{
		testRecord("2025-11-03T09:59:59Z", role, haiku, 10, 1, map[string]string{"tenant": "a"}),
		testRecord("2025-11-03T09:00:00Z", role, haiku, 20, 2, map[string]string{"tenant": "b"}),
		testRecord("2025-11-03T09:30:00Z", role, "us."+haiku, 40, 4, nil),
		testRecord("2025-11-03T10:00:00Z", user, haiku, 80, 8, nil),   // at until: out
		testRecord("2025-11-03T08:59:59Z", user, haiku, 160, 16, nil), // before since: out
	}
	q := Query{Since: time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)}
	tests := []struct {
		name         string
		mod          func(*Query)
		wantRows     int
		wantCalls    int64
		wantInput    int64
		wantFiltered int64
	}{
		{"range only", func(*Query) {}, 2, 3, 70, 0},
		{"metadata key splits groups", func(q *Query) { q.MetadataKeys = []string{"tenant"} }, 3, 3, 70, 0},
		{"app filter", func(q *Query) { q.Apps = []string{"ChatbotApp-BedrockRole"} }, 2, 3, 70, 0},
		{"user filter", func(q *Query) { q.Users = []string{"MobileApp"} }, 0, 0, 0, 3},
		{"base model filter matches profiles", func(q *Query) { q.Models = []string{haiku} }, 2, 3, 70, 0},
		{"exact profile filter", func(q *Query) { q.Models = []string{"us." + haiku} }, 1, 1, 40, 2},
		{"region filter", func(q *Query) { q.Regions = []string{"eu-central-1"} }, 0, 0, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qq := q
			tt.mod(&qq)
			a := NewAggregator(qq)
			for _, r := range recs {
				a.Add(r)
			}
			rows := a.Rows()
			var calls, input int64
			for _, r := range rows {
				calls += r.Calls
				input += r.InputTokens
				if !r.Hour.Equal(q.Since) {
					t.Errorf("row hour: got %s, want %s", r.Hour, q.Since)
				}
			}
			if len(rows) != tt.wantRows || calls != tt.wantCalls || input != tt.wantInput {
				t.Errorf("got %d rows, %d calls, %d input; want %d, %d, %d", len(rows), calls, input, tt.wantRows, tt.wantCalls, tt.wantInput)
			}
			if a.OutOfRange != 2 {
				t.Errorf("out of range: got %d, want 2", a.OutOfRange)
			}
			if a.Filtered != tt.wantFiltered {
				t.Errorf("filtered: got %d, want %d", a.Filtered, tt.wantFiltered)
			}
		})
	}
}

func TestAggregatorMergeEqualsSingle(t *testing.T) {
	q := Query{Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC)}
	single, a, b := NewAggregator(q), NewAggregator(q), NewAggregator(q)
	for i := range 100 {
		r := testRecord(time.Date(2025, 11, 1, i%24, i, 0, 0, time.UTC).Format(time.RFC3339),
			"arn:aws:iam::123456789012:user/u"+string(rune('a'+i%3)), "m", int64(i), int64(2*i), nil)
		single.Add(r)
		if i%2 == 0 {
			a.Add(r)
		} else {
			b.Add(r)
		}
	}
	a.Merge(b)
	got, want := a.Rows(), single.Rows()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestKeyForIdentities(t *testing.T) {
	tests := []struct {
		arn                  string
		principal, app, user string
	}{
		{"arn:aws:sts::123456789012:assumed-role/DataAnalysisApp-BedrockRole/analyst-7", "DataAnalysisApp-BedrockRole", "DataAnalysisApp-BedrockRole", "analyst-7"},
		{"arn:aws:iam::123456789012:user/teams/WebPortal", "WebPortal", "", "WebPortal"},
		{"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com", "jane@example.com", "", "jane@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			k := KeyFor(testRecord("2025-11-01T00:00:00Z", tt.arn, "m", 1, 1, nil), nil)
			if k.Principal != tt.principal || k.App != tt.app || k.User != tt.user {
				t.Errorf("got principal %q app %q user %q, want %q %q %q", k.Principal, k.App, k.User, tt.principal, tt.app, tt.user)
			}
		})
	}
}

// TestAggregatorMergeEmptyStrings: a group whose key has no strings at all (a row added as
// it is) merges like any other, whichever side has no dictionary yet.
func TestAggregatorMergeEmptyStrings(t *testing.T) {
	hour := time.Date(2025, 11, 1, 3, 0, 0, 0, time.UTC)
	bare := Row{Key: Key{Hour: hour}, Measures: Measures{Calls: 2, InputTokens: 5}}
	named := Row{Key: Key{Hour: hour, Region: "us-east-1", Model: "m"}, Measures: Measures{Calls: 1, OutputTokens: 7}}
	a, b := NewAggregator(Query{}), NewAggregator(Query{})
	a.AddRow(named)
	b.AddRow(bare)
	a.Merge(b)
	c := NewAggregator(Query{})
	c.AddRow(bare)
	c.Merge(a)
	want := []Row{bare, named}
	want[0].Measures.Calls = 4
	want[0].Measures.InputTokens = 10
	SortRows(want)
	if diff := cmp.Diff(want, c.Rows()); diff != "" {
		t.Errorf("merged rows (-want +got):\n%s", diff)
	}
}
