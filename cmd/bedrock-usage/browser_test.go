package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// chromium is the browser the dashboard test drives: Debian's chromium package (.ci/run
// installs it), or another Chromium or Chrome on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH: install Debian's chromium package (`apt-get install chromium`, as .ci/run does) to test the dashboard in a real browser")
	return ""
}

// pageReport is what the browser test reads of /report.json for the page's query.
type pageReport struct {
	Totals struct {
		Cost          string `json:"cost_usd"`
		Calls         int64
		Input, Output int64
	}
	Stacked []struct {
		Date string
		Cost *string `json:"cost_usd"`
		// the stacked dimension's key is one of these
		App, Model, User, Region string
	} `json:"daily_stacked"`
	StackedBy string    `json:"stacked_by"`
	ByModel   []keyLine `json:"by_model"`
	ByRegion  []keyLine `json:"by_region"`
	ByAppUser []struct {
		App, User string
		Cost      *string `json:"cost_usd"`
	} `json:"by_app_user"`
}

type keyLine struct {
	Model, Region string
	Cost          *string `json:"cost_usd"`
}

func positive(s *string) (decimal.Decimal, bool) {
	if s == nil {
		return decimal.Zero, false
	}
	d := decimal.RequireFromString(*s)
	return d, d.IsPositive()
}

// seriesCount is how many series a chart of these keys' costs draws: all of them up to
// render.MaxSeries+1, otherwise MaxSeries and "Other" (the rule the page documents).
func seriesOf(costs map[string]decimal.Decimal) map[string]string {
	keys := make([]string, 0, len(costs))
	for k := range costs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(costs[b].Cmp(costs[a]), strings.Compare(a, b)) })
	of := map[string]string{}
	for i, k := range keys {
		of[k] = k
		if len(keys) > render.MaxSeries+1 && i >= render.MaxSeries {
			of[k] = render.OtherSeries
		}
	}
	return of
}

func distinct(m map[string]string) int {
	seen := map[string]bool{}
	for _, v := range m {
		seen[v] = true
	}
	return len(seen)
}

// wantMarks are the marks each chart of the page must draw for the report r, computed from
// the JSON report's lines.
func wantMarks(r pageReport) map[string]int {
	stackKey := func(i int) string {
		s := r.Stacked[i]
		switch r.StackedBy {
		case "model":
			return s.Model
		case "user":
			return s.User
		case "region":
			return s.Region
		}
		return s.App
	}
	costs := map[string]decimal.Decimal{}
	for i, s := range r.Stacked {
		if c, ok := positive(s.Cost); ok {
			costs[stackKey(i)] = costs[stackKey(i)].Add(c)
		}
	}
	of := seriesOf(costs)
	cells := map[string]bool{}
	for i, s := range r.Stacked {
		if _, ok := positive(s.Cost); ok {
			cells[s.Date+"\x00"+of[stackKey(i)]] = true
		}
	}
	share := func(lines []keyLine, key func(keyLine) string) int {
		c := map[string]decimal.Decimal{}
		for _, l := range lines {
			if d, ok := positive(l.Cost); ok {
				c[key(l)] = c[key(l)].Add(d)
			}
		}
		return distinct(seriesOf(c))
	}
	apps := map[string]bool{}
	users := 0
	for _, l := range r.ByAppUser {
		if _, ok := positive(l.Cost); ok {
			users++
			if l.App != "" {
				apps[l.App] = true
			}
		}
	}
	return map[string]int{
		"daily":     len(cells),
		"heatmap":   7 * 24,
		"models":    share(r.ByModel, func(l keyLine) string { return l.Model }),
		"regions":   share(r.ByRegion, func(l keyLine) string { return l.Region }),
		"top-apps":  min(render.TopBars, len(apps)),
		"top-users": min(render.TopBars, users),
		"tokens":    4,
	}
}

// pageState is what the test reads from the page: the totals shown, each chart's marks and
// their values, the URL and whether the page was reloaded.
type pageState struct {
	Cost     string              `json:"cost"`
	Calls    string              `json:"calls"`
	Marks    map[string][]string `json:"marks"`
	Captions map[string]string   `json:"captions"`
	Search   string              `json:"search"`
	Marker   bool                `json:"marker"`
}

const readPage = `(() => {
  const marks = {}, captions = {};
  document.querySelectorAll('figure[data-chart]').forEach(f => {
    marks[f.dataset.chart] = Array.from(f.querySelectorAll('.mark')).map(m => m.dataset.value);
    captions[f.dataset.chart] = f.querySelector('figcaption').textContent;
  });
  return {
    cost: document.getElementById('total-cost').dataset.value,
    calls: document.getElementById('total-calls').dataset.value,
    marks, captions, search: location.search, marker: window.__notReloaded === true,
  };
})()`

// TestDashboardInBrowser starts serve on generated logs, drives headless Chromium through
// the page, changes filters (a text field with Apply, a select that applies at once) and
// checks after each that the totals shown equal the JSON report's for the same query, that
// every chart draws the marks that report calls for (the stacked chart's adding up to its
// total cost), that the page was updated in place with the URL following the filters, and
// that the console has no errors (a script error, a CSP violation, a failed load).
func TestDashboardInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := generate(t)
	cli := newTestCLI(t)
	d := testDashboard(t, cli, dir)
	h, err := d.handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	jsonFor := func(search string) pageReport {
		t.Helper()
		resp, err := http.Get(srv.URL + "/report.json" + search)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /report.json%s: %d %s", search, resp.StatusCode, b)
		}
		var r pageReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}

	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 1000))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var mu sync.Mutex
	var consoleErrors []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			consoleErrors = append(consoleErrors, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				consoleErrors = append(consoleErrors, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				consoleErrors = append(consoleErrors, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	check := func(step, search string, st pageState) {
		t.Helper()
		want := jsonFor(search)
		if !decimal.RequireFromString(st.Cost).Equal(decimal.RequireFromString(want.Totals.Cost)) || st.Calls != fmt.Sprint(want.Totals.Calls) {
			t.Errorf("%s: the page shows %s USD and %s calls, /report.json%s says %s and %d", step, st.Cost, st.Calls, search, want.Totals.Cost, want.Totals.Calls)
		}
		got := map[string]int{}
		for id, m := range st.Marks {
			got[id] = len(m)
		}
		if diff := gocmp.Diff(wantMarks(want), got); diff != "" {
			t.Errorf("%s: marks per chart (-from the JSON +drawn):\n%s", step, diff)
		}
		sum := decimal.Zero
		for _, v := range st.Marks["daily"] {
			sum = sum.Add(decimal.RequireFromString(v))
		}
		if !sum.Equal(decimal.RequireFromString(want.Totals.Cost)) {
			t.Errorf("%s: the stacked chart's marks add up to %s USD, the total cost is %s", step, sum, want.Totals.Cost)
		}
	}
	read := func() pageState {
		t.Helper()
		st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js)); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	waitLoaded := func(n int) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.body.getAttribute('data-loaded') === '%d'`, n), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`'data-loaded=' + document.body.getAttribute('data-loaded') + ' loading=' + document.body.hasAttribute('data-loading') + ' error=' + ((document.getElementById('load-error') || {}).textContent || '') + ' url=' + location.href`))
			t.Fatalf("waiting for update %d of the page: %v (%s)", n, err, state)
		}
	}

	const first = "?since=2025-11-01&until=2025-11-14"
	do("open the dashboard", chromedp.Navigate(srv.URL+"/"+first), chromedp.WaitVisible(chromedp.ID("total-cost")))
	eval(`window.__notReloaded = true`)
	check("the first page", first, read())

	// A text filter, applied with the button: the page is updated in place.
	do("filter a region", chromedp.SetValue(chromedp.ID("f-region"), "us-east-1"), chromedp.Click(chromedp.ID("f-apply")))
	waitLoaded(1)
	st := read()
	if !st.Marker || !strings.Contains(st.Search, "region=us-east-1") {
		t.Errorf("after Apply: reloaded %v, URL %q; want the page updated in place and the URL with region=us-east-1", !st.Marker, st.Search)
	}
	check("region us-east-1", st.Search, st)

	// A select applies at once: the stacked chart is by model now.
	// (chromedp's SetValue fires the change event a user's choice would)
	do("stack by model", chromedp.SetValue(chromedp.ID("f-stack"), "model"))
	waitLoaded(2)
	st = read()
	if !strings.Contains(st.Search, "stack=model") || !strings.Contains(st.Captions["daily"], "by model") {
		t.Errorf("after choosing stack by model: URL %q, caption %q", st.Search, st.Captions["daily"])
	}
	check("stacked by model", st.Search, st)

	// A preset period is a link, followed in place too.
	do("the 30d preset", chromedp.Click(chromedp.CSS(`#presets a:nth-of-type(3)`)))
	waitLoaded(3)
	if st = read(); !strings.Contains(st.Search, "since=30d") || !st.Marker {
		t.Errorf("after the 30d preset: URL %q, reloaded %v", st.Search, !st.Marker)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("the console has errors:\n%s", strings.Join(consoleErrors, "\n"))
	}
}
