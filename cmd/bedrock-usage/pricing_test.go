package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/internal/golden"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", "pricing", name), got)
}

func TestPricingExplainGolden(t *testing.T) {
	dir := t.TempDir()
	pm := filepath.Join(dir, "profiles.json")
	os.WriteFile(pm, []byte(`{"a1b2c3d4": "eu.anthropic.claude-haiku-4-5-20251001-v1:0"}`), 0o644)
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"geo profile, +10% and long context", []string{"us.anthropic.claude-sonnet-4-5-20250929-v1:0"}, "explain-sonnet-4-5-geo.json"},
		{"global profile ARN", []string{"arn:aws:bedrock:eu-central-1:123456789012:inference-profile/global.anthropic.claude-opus-4-5-20251101-v1:0", "--at", "2026-01-15"}, "explain-opus-4-5-global.json"},
		{"extended access from 2025-12-01", []string{"anthropic.claude-3-5-sonnet-20241022-v2:0", "--region", "us-west-2", "--at", "2025-12-01"}, "explain-3-5-sonnet-v2-extended.json"},
		{"before extended access", []string{"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0", "--at", "2025-11-30T23:59:59Z"}, "explain-3-5-sonnet-v2.json"},
		{"priority tier", []string{"us.amazon.nova-pro-v1:0", "--tier", "priority", "--at", "2026-03-01"}, "explain-nova-pro-priority.json"},
		{"100K threshold", []string{"global.anthropic.claude-haiku-5-5", "--at", "2026-11-01"}, "explain-haiku-5-5-global.json"},
		{"application profile via profile map", []string{"arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4", "--profile-map", pm, "--offline"}, "explain-app-profile.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCLI(t)
			args := append([]string{"pricing", "explain", "--format", "json"}, tt.args...)
			if code := c.run(args...); code != exitOK {
				t.Fatalf("exit %d, want 0; stderr: %s", code, c.errOut)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(c.out.Bytes(), &keys); err != nil {
				t.Fatalf("output is not a JSON object: %v", err)
			}
			want := []string{"model", "scope", "region", "effective_from", "input_per_mtok", "output_per_mtok", "cache_write_per_mtok", "cache_write_1h_per_mtok", "cache_read_per_mtok", "long_context", "source", "tier", "long_context_threshold"}
			if len(keys) != len(want) {
				t.Errorf("got %d keys, want exactly %v", len(keys), want)
			}
			for _, k := range want {
				if _, ok := keys[k]; !ok {
					t.Errorf("key %q missing", k)
				}
			}
			checkGolden(t, tt.golden, c.out.Bytes())
		})
	}
}

func TestPricingExplainText(t *testing.T) {
	c := newTestCLI(t)
	if code := c.run("pricing", "explain", "global.anthropic.claude-haiku-4-5-20251001-v1:0", "--at", "2026-01-15"); code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, c.errOut)
	}
	out := c.out.String()
	for _, want := range []string{
		"Base model:  anthropic.claude-haiku-4-5-20251001-v1:0 (Claude Haiku 4.5)",
		"Scope:       global",
		"Resolved:    system inference profile id, prefix \"global\" (global)",
		"embedded book (book.json:",
		"effective from 2025-10-15, open-ended; in effect on 2026-01-15",
		"input                               1 ",
		// Haiku 4.5 has neither long-context rates nor a flat declaration (its window is 200K).
		"No long-context rates: a request over 200K input tokens (cache included) is unpriced.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPricingExplainErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown model", []string{"us.anthropic.claude-opus-4-5"}, exitError,
			`no price for "us.anthropic.claude-opus-4-5" in us-east-1 on 2025-11-20: model anthropic.claude-opus-4-5 is not in the price book (its newest entry was checked on 2026-12-03; a model newer than the book is priced once a newer book knows it: update bedrock-usage, or run bedrock-usage pricing refresh) (parsed as inference-profile, prefix "us", base model "anthropic.claude-opus-4-5", scope geo)`},
		{"no global price", []string{"global.anthropic.claude-3-haiku-20240307-v1:0"}, exitError, "no global price"},
		{"GovCloud", []string{"anthropic.claude-3-haiku-20240307-v1:0", "--region", "us-gov-west-1"}, exitError, "GovCloud"},
		{"unresolved app profile offline", []string{"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zz", "--offline"}, exitError, "cannot be resolved"},
		{"bad format", []string{"anthropic.claude-3-haiku-20240307-v1:0", "--format", "xml"}, exitUsage, "--format"},
		{"bad date", []string{"anthropic.claude-3-haiku-20240307-v1:0", "--at", "yesterday"}, exitUsage, "--at"},
		{"no model", nil, exitUsage, "accepts 1 arg"},
		{"bad prices file", []string{"anthropic.claude-3-haiku-20240307-v1:0", "--prices", "/nonexistent/prices.json"}, exitError, "price override file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCLI(t)
			code := c.run(append([]string{"pricing", "explain"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(c.errOut.String(), tt.wantErr) {
				t.Fatalf("exit %d stderr %q; want exit %d and %q", code, c.errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// fakeInferenceProfiles serves bedrock GetInferenceProfile for one application profile.
func fakeInferenceProfiles(t *testing.T, calls *int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/inference-profiles/") {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"inferenceProfileArn":"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team1",
"inferenceProfileId":"team1","inferenceProfileName":"team-1","status":"ACTIVE","type":"APPLICATION",
"models":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0"},
{"modelArn":"arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0"},
{"modelArn":"arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0"}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPricingExplainResolvesAppProfileOnline(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	calls := 0
	srv := fakeInferenceProfiles(t, &calls)
	c := newTestCLI(t)
	c.withEndpoint(srv.URL)
	arn := "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team1"
	for i := 0; i < 2; i++ {
		if code := c.run("pricing", "explain", arn, "--format", "json", "--at", "2026-01-15"); code != exitOK {
			t.Fatalf("exit %d; stderr: %s", code, c.errOut)
		}
		var m map[string]any
		json.Unmarshal(c.out.Bytes(), &m)
		if m["model"] != "anthropic.claude-opus-4-5-20251101-v1:0" || m["scope"] != "global" || m["input_per_mtok"] != "5" {
			t.Fatalf("got %v, want Opus 4.5 global at 5", m)
		}
	}
	if calls != 1 {
		t.Errorf("GetInferenceProfile called %d times, want 1 (the second run reads the cache)", calls)
	}
	// --offline still reads the cache; an unknown profile stays unpriced without a call.
	if code := c.run("pricing", "explain", arn, "--format", "json", "--at", "2026-01-15", "--offline"); code != exitOK {
		t.Fatalf("--offline with a cached profile: exit %d; stderr: %s", code, c.errOut)
	}
	if code := c.run("pricing", "explain", strings.Replace(arn, "team1", "team2", 1), "--at", "2026-01-15", "--offline"); code == exitOK {
		t.Errorf("--offline with an unknown profile: got exit 0, want a failure")
	}
	if calls != 1 {
		t.Errorf("GetInferenceProfile called %d times with --offline, want none", calls-1)
	}
}

func TestPricingList(t *testing.T) {
	book, err := pricing.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	at := testNow
	wantN := len(book.Entries(at))

	c := newTestCLI(t)
	if code := c.run("pricing", "list", "--format", "json"); code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, c.errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal(c.out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != wantN {
		t.Errorf("json: %d rows, want %d entries in effect on %s", len(rows), wantN, at.Format("2006-01-02"))
	}
	found := false
	for _, r := range rows {
		if r["model"] == "anthropic.claude-sonnet-4-5-20250929-v1:0" && fmt.Sprint(r["scopes"]) == "[global]" {
			found = true
			if r["input_per_mtok"] != "3" || r["long_context"].(map[string]any)["output_per_mtok"] != "22.5" {
				t.Errorf("sonnet 4.5 global: %v", r)
			}
		}
	}
	if !found {
		t.Error("sonnet 4.5 global missing from the list")
	}

	// On 2025-06-01 Claude 3.5 Sonnet v2 was at its standard price; --all lists both.
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--at", "2025-06-01"}, []string{"3"}},
		{[]string{"--all"}, []string{"3", "6"}},
	} {
		c.run(append([]string{"pricing", "list", "--format", "csv"}, tt.args...)...)
		recs, err := csv.NewReader(strings.NewReader(c.out.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if recs[0][0] != "model" || recs[0][7] != "input_per_mtok" {
			t.Errorf("csv header %v", recs[0])
		}
		var got []string
		for _, r := range recs[1:] {
			if r[0] == "anthropic.claude-3-5-sonnet-20241022-v2:0" {
				got = append(got, r[7])
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%v: 3.5 Sonnet v2 inputs %v, want %v", tt.args, got, tt.want)
		}
	}

	if code := c.run("pricing", "list"); code != exitOK || !strings.Contains(c.out.String(), "MODEL") || !strings.Contains(c.out.String(), "anthropic.claude-opus-4-1-20250805-v1:0") {
		t.Errorf("table: exit %d\n%s", code, c.out)
	}
	if code := c.run("pricing", "list", "--format", "yaml"); code != exitUsage {
		t.Errorf("bad format: exit %d, want %d", code, exitUsage)
	}
}

// fakePriceListAPI serves AWSPriceListService.GetProducts with the real response shape:
// PriceList is an array of JSON strings.
func fakePriceListAPI(t *testing.T) *httptest.Server {
	product := func(sku, name, label, usd string) string {
		b, _ := json.Marshal(map[string]any{
			"product": map[string]any{"productFamily": "Machine Learning", "sku": sku, "attributes": map[string]string{
				"servicename": name, "regionCode": "us-east-1", "servicecode": "AmazonBedrockFoundationModels",
				"usagetype": "USE1-MP:USE1_" + sku + "-Units"}},
			"serviceCode": "AmazonBedrockFoundationModels",
			"terms": map[string]any{"OnDemand": map[string]any{sku + ".JRTCKXETXF": map[string]any{
				"effectiveDate": "2025-11-01T00:00:00Z", "offerTermCode": "JRTCKXETXF", "sku": sku, "termAttributes": map[string]string{},
				"priceDimensions": map[string]any{sku + ".JRTCKXETXF.6YS6EN2CT7": map[string]any{
					"unit": "Units", "description": "AWS Marketplace software usage|us-east-1|" + label,
					"beginRange": "0", "endRange": "Inf", "rateCode": sku + ".JRTCKXETXF.6YS6EN2CT7", "appliesTo": []string{},
					"pricePerUnit": map[string]string{"USD": usd}}}}}},
		})
		return string(b)
	}
	pages := map[string][][]string{
		"AmazonBedrockFoundationModels": {
			{product("A", "Claude Haiku 4.5 (Amazon Bedrock Edition)", "Million Input Tokens Global", "1.00")},
			{product("B", "Claude Haiku 4.5 (Amazon Bedrock Edition)", "Million Response Tokens Global", "5.00"),
				product("C", "Claude Opus 4.5 (Amazon Bedrock Edition)", "Million Input Tokens Global", "5.00")},
		},
		"AmazonBedrock": {{}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ ServiceCode, NextToken string }
		json.Unmarshal(body, &in)
		if r.Header.Get("X-Amz-Target") != "AWSPriceListService.GetProducts" {
			http.Error(w, "unexpected target", http.StatusBadRequest)
			return
		}
		p := 0
		fmt.Sscanf(in.NextToken, "%d", &p)
		out := map[string]any{"FormatVersion": "aws_v1", "PriceList": pages[in.ServiceCode][p]}
		if p+1 < len(pages[in.ServiceCode]) {
			out["NextToken"] = fmt.Sprint(p + 1)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPricingRefresh(t *testing.T) {
	srv := fakePriceListAPI(t)
	out := filepath.Join(t.TempDir(), "prices.json")
	c := newTestCLI(t)
	c.withEndpoint(srv.URL)
	if code := c.run("pricing", "refresh", "--out", out); code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, c.errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pricing.ParseFile(out, data)
	if err != nil {
		t.Fatalf("written file does not parse: %v", err)
	}
	if len(f.Entries) != 1 || f.Entries[0].Model != "anthropic.claude-haiku-4-5-20251001-v1:0" || f.Entries[0].Input.String() != "1" || f.Entries[0].Output.String() != "5" {
		t.Errorf("entries %+v, want one Haiku 4.5 global entry at 1/5", f.Entries)
	}
	report := c.out.String()
	for _, want := range []string{
		"Read 3 products; wrote 1 entries to " + out,
		"Refused (incomplete or contradictory, not written) (1):",
		"anthropic.claude-opus-4-5-20251101-v1:0 in us-east-1 (global): incomplete: output: missing",
		"Differences from the embedded book",
		"changed anthropic.claude-haiku-4-5-20251001-v1:0 global us-east-1: cache_write 1.25 → none",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}

	// Without --out the file goes to standard output and the report to standard error.
	if code := c.run("pricing", "refresh"); code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, c.errOut)
	}
	if _, err := pricing.ParseFile("stdout", c.out.Bytes()); err != nil {
		t.Errorf("stdout is not a price file: %v", err)
	}
	if !strings.Contains(c.errOut.String(), "Read 3 products") {
		t.Errorf("stderr lacks the report: %s", c.errOut)
	}

	if code := c.run("pricing", "refresh", "--strict", "--out", out); code != exitData {
		t.Errorf("--strict with a refused entry: exit %d, want %d", code, exitData)
	}
	if code := c.run("pricing", "refresh", "--region", "us-west-2"); code != exitUsage {
		t.Errorf("--region us-west-2: exit %d, want %d", code, exitUsage)
	}
}

func TestPricingHelpReadsLikeDocumentation(t *testing.T) {
	for _, sub := range []string{"list", "explain", "refresh"} {
		c := newTestCLI(t)
		if code := c.run("pricing", sub, "--help"); code != exitOK {
			t.Fatalf("%s --help: exit %d", sub, code)
		}
		if out := c.out.String(); !strings.Contains(out, "Examples:") || len(out) < 600 {
			t.Errorf("pricing %s --help is thin:\n%s", sub, out)
		}
	}
}

// TestRefreshedPricesLayer refreshes from an offer file, then checks that report and
// pricing status use the saved file, that --no-refreshed-prices leaves it out, and that a
// corrupt one is a warning (and exit 3 under --strict-pricing), never a failed report.
func TestRefreshedPricesLayer(t *testing.T) {
	dir := t.TempDir()
	offer := filepath.Join(dir, "AmazonBedrockFoundationModels.json")
	// Claude 3 Haiku at $7 / $35 in us-east-1: far from the book's $0.25 / $1.25.
	doc := `{"formatVersion":"v1.0","offerCode":"AmazonBedrockFoundationModels","products":{"SKU1":{"sku":"SKU1","productFamily":"Bedrock","attributes":{"servicename":"Claude 3 Haiku (Amazon Bedrock Edition)","regionCode":"us-east-1"}}},
	  "terms":{"OnDemand":{"SKU1":{"SKU1.T":{"effectiveDate":"2026-11-01T00:00:00Z","priceDimensions":{
	    "SKU1.T.1":{"unit":"Units","description":"USD 7 per Million Input Tokens","pricePerUnit":{"USD":"7"}},
	    "SKU1.T.2":{"unit":"Units","description":"USD 35 per Million Output Tokens","pricePerUnit":{"USD":"35"}}}}}}}}`
	if err := os.WriteFile(offer, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := newTestCLI(t)
	if code := cli.run("pricing", "refresh", "--offer-file", offer, "--out", filepath.Join(dir, "out.json")); code != exitOK {
		t.Fatalf("refresh: exit %d: %s", code, cli.errOut)
	}
	if !strings.Contains(cli.out.String(), "Saved as the refreshed price file") {
		t.Errorf("refresh did not say where it saved: %s", cli.out)
	}
	explain := func(at string, extra ...string) string {
		t.Helper()
		args := append([]string{"pricing", "explain", "anthropic.claude-3-haiku-20240307-v1:0", "--at", at, "--format", "json"}, extra...)
		if code := cli.run(args...); code != exitOK {
			t.Fatalf("explain: exit %d: %s", code, cli.errOut)
		}
		var ex struct {
			Input string `json:"input_per_mtok"`
		}
		json.Unmarshal(cli.out.Bytes(), &ex)
		return ex.Input
	}
	// The refreshed price fills the book's gap: the book's price ended on 2026-06-10, when
	// the model entered public extended access.
	if got := explain("2026-11-20"); got != "7" {
		t.Errorf("explain with the refreshed file: input %s, want 7", got)
	}
	if got := explain("2026-05-20", "--no-refreshed-prices"); got != "0.25" {
		t.Errorf("explain --no-refreshed-prices: input %s, want the book's 0.25", got)
	}
	if code := cli.run("pricing", "explain", "anthropic.claude-3-haiku-20240307-v1:0", "--at", "2026-11-20", "--no-refreshed-prices"); code == exitOK || !strings.Contains(cli.errOut.String(), "public extended access") {
		t.Errorf("explain in extended access without the refreshed file: exit %d, stderr %q; want unpriced, saying why", code, cli.errOut)
	}
	if code := cli.run("pricing", "status", "--format", "json"); code != exitOK {
		t.Fatalf("status: exit %d: %s", code, cli.errOut)
	}
	var st struct {
		Books []struct {
			Kind, Date string
			Entries    int
		} `json:"books"`
	}
	if err := json.Unmarshal(cli.out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Books) != 2 || st.Books[0].Kind != "refreshed" || st.Books[0].Date != "2025-11-20" || st.Books[1].Kind != "embedded" {
		t.Errorf("status books: got %+v, want refreshed (dated 2025-11-20, the test clock) over embedded", st.Books)
	}

	// A corrupt refreshed file: the embedded book prices, with a warning.
	saved := cli.f.Env("BEDROCK_USAGE_REFRESHED_PRICES")
	if err := os.WriteFile(saved, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := generate(t)
	args := []string{"report", "--source", logs, "--since", "2025-11-01", "--until", "2025-11-02", "--format", "json"}
	if code := cli.run(args...); code != exitOK {
		t.Fatalf("report with a corrupt refreshed file: exit %d: %s", code, cli.errOut)
	}
	if !strings.Contains(cli.errOut.String(), "warning: refreshed price file "+saved+" is ignored") {
		t.Errorf("stderr %q, want a warning naming the file", cli.errOut)
	}
	if code := cli.run(append(args, "--strict-pricing")...); code != exitData || !strings.Contains(cli.errOut.String(), "bedrock-usage: ") || strings.Count(cli.errOut.String(), "is ignored") < 2 {
		t.Errorf("--strict-pricing with a corrupt refreshed file: exit %d, stderr %q; want %d and the ignored file among the failures", code, cli.errOut, exitData)
	}
}
