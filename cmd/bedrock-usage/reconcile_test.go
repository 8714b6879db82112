package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur/curtest"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// statedPrice is the price in a line item's description.
var statedPrice = regexp.MustCompile(`\$[0-9.]+`)

var (
	billSince = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	billUntil = time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)
)

// pricedRows are the priced rows of the logs in dir for [billSince, billUntil), through
// the local engine and the embedded book: what the bill of a test is made from.
func pricedRows(t *testing.T, dir string) ([]analytics.PricedRow, *pricing.Book) {
	t.Helper()
	book, err := pricing.Load(t.Context(), pricing.WithProfileMapFile(profileMap(t)))
	if err != nil {
		t.Fatal(err)
	}
	src, err := local.New(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Since: billSince, Until: billUntil}
	res, err := src.Usage(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var rows []analytics.PricedRow
	if _, err := analytics.BuildReport(t.Context(), q, res, book, analytics.ReportOptions{Observe: func(pr *analytics.PricedRow) { rows = append(rows, *pr) }}); err != nil {
		t.Fatal(err)
	}
	return rows, book
}

// profileMap writes the application inference profiles of generate's logs as a
// --profile-map file.
func profileMap(t *testing.T) string {
	t.Helper()
	pm, err := json.Marshal(loggen.ProfileMap(loggen.Config{Out: generate(t), Seed: 7, Records: 20000, Since: billSince, Until: billUntil}))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "profiles.json")
	if err := os.WriteFile(path, pm, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// billOf is the bill AWS would send for rows, as line items.
func billOf(rows []analytics.PricedRow, book *pricing.Book) []cur.LineItem {
	models := book.Models()
	return curtest.Bill{Account: "123456789012", Names: func(m string) (string, string) {
		info := models[m]
		if len(info.PriceListNames) > 0 {
			return info.Name, info.PriceListNames[0]
		}
		return info.Name, info.Name + " (Amazon Bedrock Edition)"
	}}.FromRows(rows)
}

// writeExport writes line items as an export's billing-period folder, in two files (with
// several row groups), as Data Exports delivers it.
func writeExport(t *testing.T, root string, items []cur.LineItem) {
	t.Helper()
	dir := filepath.Join(root, "cur", "bedrock-usage-cur", "data", "BILLING_PERIOD=2025-11")
	half := len(items) / 2
	for i, part := range [][]cur.LineItem{items[:half], items[half:]} {
		if err := curtest.Write(filepath.Join(dir, "bedrock-usage-cur-0000"+string(rune('1'+i))+".snappy.parquet"), part, 500); err != nil {
			t.Fatal(err)
		}
	}
	// A manifest folder Data Exports writes beside the data: not line items.
	if err := os.MkdirAll(filepath.Join(root, "cur", "bedrock-usage-cur", "metadata", "BILLING_PERIOD=2025-11"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "cur", "bedrock-usage-cur", "metadata", "BILLING_PERIOD=2025-11", "bedrock-usage-cur-Manifest.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rcDoc is the part of the reconcile@1 JSON the tests read.
type rcDoc struct {
	Schema    string
	LineItems struct{ Read, Bedrock int64 } `json:"line_items"`
	Totals    struct {
		Billed       decimal.Decimal  `json:"billed_cost_usd"`
		Logged       decimal.Decimal  `json:"logged_cost_usd"`
		Drift        decimal.Decimal  `json:"cost_drift_usd"`
		DriftPct     *decimal.Decimal `json:"cost_drift_pct"`
		BilledTokens decimal.Decimal  `json:"billed_tokens"`
		LoggedTokens decimal.Decimal  `json:"logged_tokens"`
		Other        decimal.Decimal  `json:"other_billed_cost_usd"`
		Explained    decimal.Decimal  `json:"explained_billed_cost_usd"`
		Unexplained  decimal.Decimal  `json:"cost_drift_unexplained_usd"`
	}
	Verdict *struct{ Over bool }
	Gaps    []struct {
		Side, Reason string
		Cost         decimal.Decimal `json:"cost_usd"`
		Regions      []string
	}
	Lines []struct {
		Date, Region, Model, Kind, Scope, Tier, Status, Reason string
		BilledTokens                                           *decimal.Decimal `json:"billed_tokens"`
		LoggedTokens                                           decimal.Decimal  `json:"logged_tokens"`
		BilledCost                                             decimal.Decimal  `json:"billed_cost_usd"`
		LoggedCost                                             decimal.Decimal  `json:"logged_cost_usd"`
		Mantle                                                 bool
	}
	Principals []struct {
		Principal, Status string
		Billed            decimal.Decimal `json:"billed_cost_usd"`
		Logged            decimal.Decimal `json:"logged_cost_usd"`
	}
	Rates []struct {
		Model, Region, Kind, Scope, Tier string
		DiffPct                          *decimal.Decimal `json:"diff_pct"`
		Billed                           decimal.Decimal  `json:"billed_usd_per_mtok"`
	}
	Other []struct {
		Kind      string
		UsageType string          `json:"usage_type"`
		Cost      decimal.Decimal `json:"cost_usd"`
	}
	Warnings, Skipped []string
}

func (c *testCLI) reconcile(t *testing.T, want int, args ...string) rcDoc {
	t.Helper()
	args = append([]string{"reconcile", "--offline", "--format", "json", "--since", "2025-11-01", "--until", "2025-11-14", "--profile-map", profileMap(t)}, args...)
	if code := c.run(args...); code != want {
		t.Fatalf("%v: exit %d, want %d: %s", args, code, want, c.errOut)
	}
	var d rcDoc
	if err := json.Unmarshal(c.out.Bytes(), &d); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, c.out)
	}
	return d
}

// TestReconcileExactBill: a bill that is what the logs say, line for line, reconciles with no
// drift at all: every line and principal matches, the billed rates are the book's, and the
// tokens on both sides are the independent sums of the log records.
func TestReconcileExactBill(t *testing.T) {
	logs := generate(t)
	rows, book := pricedRows(t, logs)
	items := billOf(rows, book)
	// Not Bedrock, and a Bedrock tax line: read, never compared.
	items = append(items,
		cur.LineItem{UsageAccount: "123456789012", LineItemType: "Usage", UsageStart: billSince, ProductCode: "AmazonEC2", UsageType: "USE1-BoxUsage:t3.micro", UsageAmount: 24, UnblendedCost: 0.2496, PricingUnit: "Hrs", RegionCode: "us-east-1"},
		cur.LineItem{UsageAccount: "123456789012", LineItemType: "Tax", UsageStart: billSince, ProductCode: "AmazonBedrock", UsageType: "", UnblendedCost: 1.25})
	billDir := t.TempDir()
	writeExport(t, billDir, items)

	cli := newTestCLI(t)
	d := cli.reconcile(t, exitOK, "--bill", billDir, "--source", logs, "--max-drift", "0")
	if d.Schema != cur.Schema || d.Verdict == nil || d.Verdict.Over {
		t.Errorf("schema %q, verdict %+v; want %s, within 0%%", d.Schema, d.Verdict, cur.Schema)
	}
	if !d.Totals.Drift.IsZero() || !d.Totals.Billed.Equal(d.Totals.Logged) || d.Totals.Billed.IsZero() {
		t.Errorf("totals: billed %s, logged %s, drift %s; want equal and no drift", d.Totals.Billed, d.Totals.Logged, d.Totals.Drift)
	}
	s := independentSums(t, logs, billSince, billUntil)
	tokens := decimal.NewFromFloat(s.Input + s.Output + s.CacheRead + s.CacheWrite)
	if !d.Totals.LoggedTokens.Equal(tokens) || !d.Totals.BilledTokens.Equal(tokens) {
		t.Errorf("tokens: billed %s, logged %s; want both the records' %s", d.Totals.BilledTokens, d.Totals.LoggedTokens, tokens)
	}
	if d.LineItems.Read != int64(len(items)) || d.LineItems.Bedrock != int64(len(items)-1) {
		t.Errorf("line items: read %d, bedrock %d; want %d and %d", d.LineItems.Read, d.LineItems.Bedrock, len(items), len(items)-1)
	}
	for _, l := range d.Lines {
		if l.Status != cur.StatusMatch || !l.BilledCost.Equal(l.LoggedCost) || l.BilledTokens == nil || !l.BilledTokens.Equal(l.LoggedTokens) {
			t.Errorf("line %+v: want an exact match", l)
		}
	}
	if len(d.Lines) == 0 || len(d.Gaps) != 0 {
		t.Errorf("%d lines, gaps %+v; want lines and no gap", len(d.Lines), d.Gaps)
	}
	for _, p := range d.Principals {
		if p.Status != cur.StatusMatch || !p.Billed.Equal(p.Logged) {
			t.Errorf("principal %+v: want a match", p)
		}
	}
	for _, r := range d.Rates {
		if r.DiffPct != nil && !r.DiffPct.IsZero() {
			t.Errorf("rate %+v: billed differs from the book", r)
		}
	}
	if diff := cmp.Diff([]string{"adjustment"}, kindsOf(d)); diff != "" || !d.Totals.Other.Equal(decimal.RequireFromString("1.25")) {
		t.Errorf("other lines (-want +got):\n%s, other cost %s, want the tax line's 1.25", diff, d.Totals.Other)
	}

	// Every format renders the same reconciliation: the verdict, and in CSV every line.
	verdict := "Billed " + usdText(d.Totals.Billed) + ", logged " + usdText(d.Totals.Logged) + ": drift $0.00"
	for _, f := range []struct{ format, want string }{
		{"table", verdict}, {"markdown", "✅ **" + verdict}, {"html", verdict},
		{"csv", "date,region,model,kind,scope,tier,long_context,mantle,account,usage_types,billed_tokens,logged_tokens"},
	} {
		code := cli.run("reconcile", "--offline", "--format", f.format, "--since", "2025-11-01", "--until", "2025-11-14", "--profile-map", profileMap(t), "--bill", billDir, "--source", logs)
		if code != exitOK || !strings.Contains(cli.out.String(), f.want) {
			t.Errorf("--format %s: exit %d, want %q in:\n%.2000s", f.format, code, f.want, cli.out)
		}
		if f.format == "csv" {
			if n := strings.Count(cli.out.String(), "\n"); n != len(d.Lines)+1 {
				t.Errorf("csv: %d rows, want a header and %d lines", n, len(d.Lines))
			}
		}
	}
}

// usdText is an amount as the human formats write it: "$1,234.56".
func usdText(d decimal.Decimal) string {
	whole, frac, _ := strings.Cut(d.StringFixed(2), ".")
	return "$" + thousands(mustInt(whole)) + "." + frac
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func kindsOf(d rcDoc) []string {
	var out []string
	for _, o := range d.Other {
		out = append(out, o.Kind)
	}
	return out
}

// TestReconcileShowsWhatDiffers: a bill with bedrock-mantle traffic, a batch job, another
// account's usage, a region whose logs are missing and one model billed 20 % above the book
// shows each as what it is; --max-drift fails it; --write-prices learns the billed rate, and
// with that price file the model's lines match.
func TestReconcileShowsWhatDiffers(t *testing.T) {
	logs := generate(t)
	rows, book := pricedRows(t, logs)
	items := billOf(rows, book)
	const pricier = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	pricierName := book.Models()[pricier].PriceListNames[0]
	var raised decimal.Decimal
	for i := range items {
		if items[i].Product["product_name"] == pricierName {
			c := decimal.NewFromFloat(items[i].UnblendedCost)
			items[i].UnblendedCost, _ = c.Mul(decimal.RequireFromString("1.2")).Float64()
			// The description states the price billed.
			items[i].Description = statedPrice.ReplaceAllStringFunc(items[i].Description, func(p string) string {
				return "$" + decimal.RequireFromString(p[1:]).Mul(decimal.RequireFromString("1.2")).String()
			})
			raised = raised.Add(c.Mul(decimal.RequireFromString("0.2")))
		}
	}
	if raised.IsZero() {
		t.Fatalf("the logs have no %s", pricier)
	}
	day := time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)
	items = append(items,
		cur.LineItem{UsageAccount: "123456789012", LineItemType: "Usage", UsageStart: day, ProductCode: "AmazonBedrock",
			UsageType: "USW2-anthropic.claude-haiku-4-5-mantle-input-tokens-standard", UsageAmount: 2_000_000, PricingUnit: "Tokens",
			UnblendedCost: 2, RegionCode: "us-west-2", IAMPrincipal: "arn:aws:sts::123456789012:assumed-role/ChatbotApp/mantle-client"},
		cur.LineItem{UsageAccount: "123456789012", LineItemType: "Usage", UsageStart: day, ProductCode: "AmazonBedrockFoundationModels",
			UsageType: "USE1-MP:USE1_InputTokenCount_Batch-Units", UsageAmount: 3, PricingUnit: "Units", Description: "per million input tokens, batch",
			UnblendedCost: 1.5, RegionCode: "us-east-1", Product: map[string]string{"product_name": "Claude Haiku 4.5 (Amazon Bedrock Edition)"}},
		cur.LineItem{UsageAccount: "210987654321", LineItemType: "Usage", UsageStart: day, ProductCode: "AmazonBedrockFoundationModels",
			UsageType: "USE1-MP:USE1_OutputTokenCount-Units", UsageAmount: 1, PricingUnit: "Units", Description: "per million output tokens",
			UnblendedCost: 5, RegionCode: "us-east-1", Product: map[string]string{"product_name": "Claude Haiku 4.5 (Amazon Bedrock Edition)"}},
		cur.LineItem{UsageAccount: "123456789012", LineItemType: "Usage", UsageStart: day, ProductCode: "AmazonBedrock",
			UsageType: "USE1-ProvisionedThroughput-ModelUnits", UsageAmount: 24, PricingUnit: "Hrs", UnblendedCost: 480, RegionCode: "us-east-1"},
	)
	billDir := t.TempDir()
	writeExport(t, billDir, items)
	// The logs without ap-northeast-1: logging off there, as far as the bill can tell.
	partial := filepath.Join(t.TempDir(), "logs")
	if err := os.CopyFS(partial, os.DirFS(logs)); err != nil {
		t.Fatal(err)
	}
	var missingCost decimal.Decimal
	for _, pr := range rows {
		if pr.Region == "ap-northeast-1" {
			missingCost = missingCost.Add(pr.Cost.Total)
		}
	}
	removed := 0
	if err := filepath.WalkDir(partial, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() && e.Name() == "ap-northeast-1" {
			removed++
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			return filepath.SkipDir
		}
		return err
	}); err != nil || removed == 0 || missingCost.IsZero() {
		t.Fatalf("removing ap-northeast-1's logs: %v (%d folders, %s of cost)", err, removed, missingCost)
	}

	cli := newTestCLI(t)
	d := cli.reconcile(t, exitData, "--bill", billDir, "--source", partial, "--max-drift", "1")
	if d.Verdict == nil || !d.Verdict.Over {
		t.Errorf("verdict %+v: want over the 1%% limit", d.Verdict)
	}
	gaps := map[string]decimal.Decimal{}
	for _, g := range d.Gaps {
		if g.Side != cur.StatusBilledOnly {
			t.Errorf("gap %+v: want only billed-only gaps", g)
		}
		gaps[g.Reason] = g.Cost
	}
	want := map[string]decimal.Decimal{
		cur.ReasonMantle:       decimal.NewFromInt(2),
		cur.ReasonBatch:        decimal.RequireFromString("1.5"),
		cur.ReasonOtherAccount: decimal.NewFromInt(5),
	}
	for reason, cost := range want {
		if got, ok := gaps[reason]; !ok || !got.Equal(cost) {
			t.Errorf("gap %q: got %s (%v), want %s", reason, got, ok, cost)
		}
	}
	// The missing region's billed cost is its logged cost, with Sonnet 4.5's lines there
	// billed 20 % above the book.
	var missingBilled decimal.Decimal
	for _, pr := range rows {
		if pr.Region == "ap-northeast-1" && pr.Model == pricier {
			missingBilled = missingBilled.Add(pr.Cost.Total.Mul(decimal.RequireFromString("0.2")))
		}
	}
	if got, want := gaps[cur.ReasonNoLogging], missingCost.Add(missingBilled); !got.Sub(want).Abs().LessThan(decimal.New(1, -6)) {
		t.Errorf("gap %q: got %s, want %s", cur.ReasonNoLogging, got, want)
	}
	var driftLines int
	for _, l := range d.Lines {
		if l.Region == "ap-northeast-1" && l.Status != cur.StatusBilledOnly {
			t.Errorf("line %+v: ap-northeast-1 has no logs", l)
		}
		if l.Model == pricier && l.Status == cur.StatusDrift {
			driftLines++
		}
	}
	if driftLines == 0 {
		t.Errorf("no drift line for %s, billed 20%% above the book", pricier)
	}
	compared := 0
	for _, r := range d.Rates {
		if r.Model != pricier {
			continue
		}
		if r.DiffPct == nil || !r.DiffPct.Equal(decimal.NewFromInt(20)) {
			t.Errorf("rate %+v: want +20%% over the book", r)
		}
		compared++
	}
	if compared == 0 {
		t.Errorf("no billed rate of %s set against the book", pricier)
	}
	if diff := cmp.Diff([]string{"not token usage"}, kindsOf(d)); diff != "" {
		t.Errorf("other lines (-want +got):\n%s", diff)
	}

	// The billed rates as a price file: with it, Sonnet 4.5 matches again.
	prices := filepath.Join(t.TempDir(), "billed.json")
	cli.reconcile(t, exitOK, "--bill", billDir, "--source", partial, "--write-prices", prices)
	if !strings.Contains(cli.errOut.String(), "price entries to "+prices) {
		t.Errorf("stderr %q: want the price file said", cli.errOut)
	}
	if _, err := pricing.Load(t.Context(), pricing.WithOverrideFile(prices)); err != nil {
		t.Fatalf("the written price file does not load: %v", err)
	}
	again := cli.reconcile(t, exitOK, "--bill", billDir, "--source", partial, "--prices", prices)
	matched := 0
	for _, l := range again.Lines {
		if l.Model != pricier || l.Region == "ap-northeast-1" {
			continue
		}
		if l.Status != cur.StatusMatch || l.LoggedCost.Sub(l.BilledCost).Abs().GreaterThan(decimal.New(1, -6)) {
			t.Errorf("with the billed prices, line %+v does not match", l)
		}
		matched++
	}
	if matched == 0 {
		t.Errorf("with the billed prices, no line of %s", pricier)
	}
	if again.Totals.Unexplained.Add(missingCost.Add(missingBilled)).Abs().GreaterThan(decimal.New(1, -6)) {
		t.Errorf("with the billed prices, the unexplained drift is %s; want only the missing region's -%s", again.Totals.Unexplained, missingCost.Add(missingBilled))
	}
	// --drift-of unexplained leaves out what no log can show: the missing region remains.
	cli.reconcile(t, exitData, "--bill", billDir, "--source", partial, "--prices", prices, "--max-drift", "1", "--drift-of", "unexplained")
	cli.reconcile(t, exitOK, "--bill", billDir, "--source", logs, "--prices", prices, "--max-drift", "0.01", "--drift-of", "unexplained")
}

// TestReconcileFromS3: the export read from the in-process S3 server at the CDK app's
// location, through the real S3 client; a corrupt file is skipped and said, the rest read.
func TestReconcileFromS3(t *testing.T) {
	logs := generate(t)
	rows, book := pricedRows(t, logs)
	billDir := t.TempDir()
	writeExport(t, billDir, billOf(rows, book))
	bad := filepath.Join(billDir, "cur", "bedrock-usage-cur", "data", "BILLING_PERIOD=2025-11", "bedrock-usage-cur-00003.snappy.parquet")
	if err := os.WriteFile(bad, []byte("PAR1 this is not parquet PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	backend := s3mem.New()
	uploadTree(t, backend, "bedrock-usage-cur-123456789012-us-east-1", "", billDir)
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	cli := newTestCLI(t)
	cli.withEndpoint(srv.URL)
	cli.f.S3Options = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}

	local := cli.reconcile(t, exitOK, "--bill", billDir, "--source", logs)
	d := cli.reconcile(t, exitOK, "--bill-account", "123456789012", "--source", logs)
	if !d.Totals.Billed.Equal(local.Totals.Billed) || !d.Totals.Drift.IsZero() || len(d.Lines) != len(local.Lines) {
		t.Errorf("from S3: billed %s, drift %s, %d lines; from the folder: %s, %d lines", d.Totals.Billed, d.Totals.Drift, len(d.Lines), local.Totals.Billed, len(local.Lines))
	}
	if len(d.Skipped) != 1 || !strings.Contains(d.Skipped[0], "bedrock-usage-cur-00003") || len(local.Skipped) != 1 {
		t.Errorf("skipped %q (S3), %q (folder): want the corrupt file in each", d.Skipped, local.Skipped)
	}
	cli.reconcile(t, exitData, "--bill-account", "123456789012", "--source", logs, "--strict")
	if !bytes.Contains(cli.errOut.Bytes(), []byte("could not be read")) {
		t.Errorf("--strict: stderr %q", cli.errOut)
	}
}
