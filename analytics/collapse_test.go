package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// TestCollapseSessions folds a report of many generated sessions and checks every folded
// line against sums computed from the calls themselves, by the fold each call's session
// name was generated for.
func TestCollapseSessions(t *testing.T) {
	q := Query{Since: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC)}
	custom, err := sessions.ParsePattern("worker=worker-[0-9]+")
	if err != nil {
		t.Fatal(err)
	}
	folder := sessions.NewFolder(append([]sessions.Pattern{custom}, sessions.Defaults()...))
	// Each shape with the fold it should land in ("" for a name kept as it is).
	shapes := []struct {
		fold string
		name func(i int) string
	}{
		{"botocore-session-*", func(i int) string { return fmt.Sprintf("botocore-session-%d", 1762128000+i) }},
		{"aws-go-sdk-*", func(i int) string { return fmt.Sprintf("aws-go-sdk-%d", 1762128000000000000+int64(i)) }},
		{"i-*", func(i int) string { return fmt.Sprintf("i-0%016x", i) }},
		{"<uuid>", func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }},
		{"worker", func(i int) string { return fmt.Sprintf("worker-%d", i) }},
		{"", func(i int) string { return "worker" }}, // a real session named like a fold: meets it
		{"", func(i int) string { return fmt.Sprintf("person-%d", i%3) }},
	}
	type want struct {
		calls, input int64
		cost         decimal.Decimal
		sessions     map[string]bool
	}
	wants := map[[2]string]*want{} // app, user as folded
	agg := NewAggregator(q)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		app := []string{"WorkerApp-BedrockRole", "BatchApp-BedrockRole"}[rng.IntN(2)]
		sh := shapes[rng.IntN(len(shapes))]
		session := sh.name(rng.IntN(400))
		in := int64(100 + rng.IntN(5000))
		ts := q.Since.Add(time.Duration(i) * 25 * time.Second).Format(time.RFC3339)
		agg.Add(testRecord(ts, "arn:aws:sts::123456789012:assumed-role/"+app+"/"+session, haikuID, in, 10, nil))
		user := session
		if sh.fold != "" {
			user = sh.fold
		}
		w := wants[[2]string{app, user}]
		if w == nil {
			w = &want{sessions: map[string]bool{}}
			wants[[2]string{app, user}] = w
		}
		w.calls++
		w.input += in
		w.cost = w.cost.Add(decimal.New(in, -6)) // profilePricer: $1 per million input tokens
		if sh.fold != "" {
			w.sessions[session] = true
		}
	}
	dims, _, err := ParseDimensions([]string{"user", "model"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := BuildReport(context.Background(), q, &Result{Rows: agg.Rows()}, profilePricer{}, ReportOptions{GroupBy: dims})
	if err != nil {
		t.Fatal(err)
	}
	folded, err := CollapseSessions(rep, folder)
	if err != nil {
		t.Fatal(err)
	}

	got := map[[2]string]*want{}
	var foldedSessions int64
	for _, l := range folded.View("by_app_user").Lines {
		k := [2]string{l.Keys[0], l.Keys[1]}
		if got[k] != nil {
			t.Errorf("two lines for %v", k)
		}
		got[k] = &want{calls: l.Calls, input: l.InputTokens, cost: l.Cost, sessions: map[string]bool{fmt.Sprint(l.Sessions): true}}
		foldedSessions += l.Sessions
	}
	var wantSessions int64
	for k, w := range wants {
		g := got[k]
		if g == nil {
			t.Errorf("no line for %v", k)
			continue
		}
		if g.calls != w.calls || g.input != w.input || !g.cost.Equal(w.cost) {
			t.Errorf("%v: got %d calls, %d input, $%s; want %d, %d, $%s", k, g.calls, g.input, g.cost, w.calls, w.input, w.cost)
		}
		if n := fmt.Sprint(len(w.sessions)); !g.sessions[n] {
			t.Errorf("%v: got sessions %v, want %s", k, g.sessions, n)
		}
		wantSessions += int64(len(w.sessions))
	}
	if len(got) != len(wants) {
		t.Errorf("got %d lines, want %d", len(got), len(wants))
	}
	if folded.Collapsed == nil || folded.Collapsed.Sessions != wantSessions || foldedSessions != wantSessions {
		t.Errorf("got Collapsed %+v and %d sessions on the lines, want %d sessions", folded.Collapsed, foldedSessions, wantSessions)
	}

	// The groups view (user × model) adds up to the totals; views without a user are the
	// report's own; the report it came from is untouched; folding again changes nothing.
	var calls int64
	for _, l := range folded.View(GroupsView).Lines {
		calls += l.Calls
	}
	if calls != rep.Totals.Calls {
		t.Errorf("the folded groups view has %d calls, the totals %d", calls, rep.Totals.Calls)
	}
	for _, name := range []string{"by_principal", "by_model", "daily", "hourly"} {
		if diff := cmp.Diff(rep.View(name).Lines, folded.View(name).Lines, cmp.AllowUnexported(Totals{})); diff != "" {
			t.Errorf("%s changed (-before +after):\n%s", name, diff)
		}
	}
	if rep.Collapsed != nil || len(rep.View("by_app_user").Lines) <= len(folded.View("by_app_user").Lines) {
		t.Errorf("the unfolded report changed: %d lines, Collapsed %v", len(rep.View("by_app_user").Lines), rep.Collapsed)
	}
	again, err := CollapseSessions(folded, folder)
	if err != nil || again != folded {
		t.Errorf("folding a folded report: got %p, %v; want the same report", again, err)
	}
	// Folded lines are in cost order like any view.
	lines := folded.View("by_app_user").Lines
	for i := 1; i < len(lines); i++ {
		if lines[i].Cost.GreaterThan(lines[i-1].Cost) {
			t.Errorf("line %d ($%s) after a cheaper line ($%s)", i, lines[i].Cost, lines[i-1].Cost)
		}
	}
	// A report sorted by another measure (--sort calls) folds into views in that order.
	if err := rep.SortViews("calls"); err != nil {
		t.Fatal(err)
	}
	byCalls, err := CollapseSessions(rep, folder)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"by_app_user", GroupsView} {
		lines := byCalls.View(name).Lines
		for i := 1; i < len(lines); i++ {
			if lines[i].Calls > lines[i-1].Calls {
				t.Errorf("%s sorted by calls: line %d (%d calls) after line %d (%d calls)", name, i, lines[i].Calls, i-1, lines[i-1].Calls)
			}
		}
	}
}
