package render

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
)

// ReconcileOptions shape the human formats of a reconciliation.
type ReconcileOptions struct {
	// Top limits the lines, principals and rates shown (0: all). The gaps, the totals and
	// JSON and CSV are never cut.
	Top int
}

// Reconciliation renders a reconciliation of the bill with the logs in format.
func Reconciliation(w io.Writer, rc *cur.Reconciliation, format string, opts ReconcileOptions) error {
	switch format {
	case "json":
		return reconcileJSON(w, rc)
	case "csv":
		return reconcileCSV(w, rc)
	case "markdown", "md":
		return reconcileMarkdown(w, rc, opts)
	case "html":
		return reconcileHTML(w, rc, opts)
	case "table", "":
		return reconcileTable(w, rc, opts)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// The JSON shape bedrock-usage/reconcile@1 (README, "reconcile JSON contract").
type rcJSON struct {
	Schema        string        `json:"schema"`
	Period        rcPeriod      `json:"period"`
	GeneratedAt   string        `json:"generated_at"`
	BillSource    string        `json:"bill_source"`
	LogSource     string        `json:"log_source"`
	TolerancePct  string        `json:"tolerance_pct"`
	LastBilledDay *string       `json:"last_billed_day"`
	LineItems     rcCounts      `json:"line_items"`
	Totals        rcTotals      `json:"totals"`
	DiscountPct   string        `json:"discount_pct"`
	Verdict       *rcVerdict    `json:"verdict,omitempty"`
	Gaps          []rcGap       `json:"gaps"`
	Lines         []rcLine      `json:"lines"`
	Principals    []rcPrincipal `json:"principals"`
	Rates         []rcRate      `json:"rates"`
	Other         []rcOther     `json:"other"`
	Warnings      []string      `json:"warnings"`
	Skipped       []string      `json:"skipped"`
}

type rcPeriod struct {
	Since string `json:"since"`
	Until string `json:"until"`
}

type rcCounts struct {
	Read    int64 `json:"read"`
	Bedrock int64 `json:"bedrock"`
}

type rcTotals struct {
	BilledCost   decimal.Decimal  `json:"billed_cost_usd"`
	LoggedCost   decimal.Decimal  `json:"logged_cost_usd"`
	CostDrift    decimal.Decimal  `json:"cost_drift_usd"`
	CostDriftPct *decimal.Decimal `json:"cost_drift_pct"`
	BilledTokens decimal.Decimal  `json:"billed_tokens"`
	LoggedTokens decimal.Decimal  `json:"logged_tokens"`
	OtherCost    decimal.Decimal  `json:"other_billed_cost_usd"`
	NotBilledYet decimal.Decimal  `json:"logged_cost_not_billed_yet_usd"`
	Pending      decimal.Decimal  `json:"billed_cost_pending_usd"`
	Explained    decimal.Decimal  `json:"explained_billed_cost_usd"`
	Unexplained  decimal.Decimal  `json:"cost_drift_unexplained_usd"`
	UnexplPct    *decimal.Decimal `json:"cost_drift_unexplained_pct"`
}

type rcVerdict struct {
	MaxDriftPct decimal.Decimal `json:"max_drift_pct"`
	Of          string          `json:"of"`
	Over        bool            `json:"over"`
}

type rcLine struct {
	Date          string           `json:"date"`
	Region        string           `json:"region"`
	Model         string           `json:"model"`
	Kind          string           `json:"kind"`
	Scope         string           `json:"scope"`
	Tier          string           `json:"tier"`
	LongContext   bool             `json:"long_context"`
	Mantle        bool             `json:"mantle"`
	Account       string           `json:"account,omitempty"`
	UsageTypes    []string         `json:"usage_types"`
	BilledTokens  *decimal.Decimal `json:"billed_tokens"`
	LoggedTokens  decimal.Decimal  `json:"logged_tokens"`
	TokenDrift    *decimal.Decimal `json:"token_drift"`
	TokenDriftPct *decimal.Decimal `json:"token_drift_pct"`
	BilledCost    decimal.Decimal  `json:"billed_cost_usd"`
	LoggedCost    decimal.Decimal  `json:"logged_cost_usd"`
	CostDrift     decimal.Decimal  `json:"cost_drift_usd"`
	CostDriftPct  *decimal.Decimal `json:"cost_drift_pct"`
	Status        string           `json:"status"`
	Reason        string           `json:"reason,omitempty"`
}

type rcPrincipal struct {
	Account      string           `json:"account"`
	Principal    string           `json:"principal"`
	BilledCost   decimal.Decimal  `json:"billed_cost_usd"`
	LoggedCost   decimal.Decimal  `json:"logged_cost_usd"`
	CostDrift    decimal.Decimal  `json:"cost_drift_usd"`
	CostDriftPct *decimal.Decimal `json:"cost_drift_pct"`
	LoggedCalls  int64            `json:"logged_calls"`
	Status       string           `json:"status"`
}

type rcGap struct {
	Side    string          `json:"side"`
	Reason  string          `json:"reason"`
	Lines   int             `json:"lines"`
	Cost    decimal.Decimal `json:"cost_usd"`
	Tokens  decimal.Decimal `json:"tokens"`
	Regions []string        `json:"regions"`
	Models  []string        `json:"models"`
}

type rcRate struct {
	Model       string           `json:"model"`
	Region      string           `json:"region"`
	Scope       string           `json:"scope"`
	Tier        string           `json:"tier"`
	Kind        string           `json:"kind"`
	LongContext bool             `json:"long_context"`
	Mantle      bool             `json:"mantle"`
	Tokens      decimal.Decimal  `json:"tokens"`
	Cost        decimal.Decimal  `json:"cost_usd"`
	Billed      decimal.Decimal  `json:"billed_usd_per_mtok"`
	Book        *decimal.Decimal `json:"book_usd_per_mtok"`
	DiffPct     *decimal.Decimal `json:"diff_pct"`
	BookEntry   string           `json:"book_entry,omitempty"`
}

type rcOther struct {
	Kind         string          `json:"kind"`
	LineItemType string          `json:"line_item_type"`
	UsageType    string          `json:"usage_type"`
	Region       string          `json:"region"`
	Quantity     decimal.Decimal `json:"quantity"`
	PricingUnit  string          `json:"pricing_unit"`
	Cost         decimal.Decimal `json:"cost_usd"`
	LineItems    int64           `json:"line_items"`
}

func tierName(t string) string {
	if t == "" {
		return "standard"
	}
	return t
}

func toJSON(rc *cur.Reconciliation) rcJSON {
	out := rcJSON{Schema: cur.Schema, Period: rcPeriod{rc.Since.UTC().Format(time.RFC3339), rc.Until.UTC().Format(time.RFC3339)},
		GeneratedAt: rc.GeneratedAt.UTC().Format(time.RFC3339), BillSource: rc.BillSource, LogSource: rc.LogSource,
		TolerancePct: rc.Tolerance.String(), LineItems: rcCounts{rc.LineItems, rc.BedrockLineItems},
		Totals: rcTotals{rc.Totals.BilledCost, rc.Totals.LoggedCost, rc.Totals.CostDrift, rc.Totals.CostDriftPct,
			rc.Totals.BilledTokens, rc.Totals.LoggedTokens, rc.Totals.OtherCost, rc.Totals.NotBilledYet, rc.Totals.PendingBilled,
			rc.Totals.Explained, rc.Totals.UnexplainedDrift, rc.Totals.UnexplainedDriftPct},
		DiscountPct: rc.Discount.String(), Gaps: []rcGap{}, Lines: []rcLine{}, Principals: []rcPrincipal{}, Rates: []rcRate{},
		Other: []rcOther{}, Warnings: append([]string{}, rc.Warnings...), Skipped: append([]string{}, rc.Skipped...)}
	if !rc.LastBilledDay.IsZero() {
		d := rc.LastBilledDay.Format(time.DateOnly)
		out.LastBilledDay = &d
	}
	if rc.MaxDrift != nil {
		out.Verdict = &rcVerdict{*rc.MaxDrift, rc.DriftGate, rc.OverDrift}
	}
	for _, g := range rc.Gaps {
		out.Gaps = append(out.Gaps, rcGap{g.Side, g.Reason, g.Lines, g.Cost, g.Tokens, g.Regions, g.Models})
	}
	for _, l := range rc.Lines {
		j := rcLine{Date: l.Day.Format(time.DateOnly), Region: l.Region, Model: l.Model, Kind: l.Kind, Scope: l.Scope, Tier: tierName(l.Tier),
			LongContext: l.LongContext, Mantle: l.Mantle, Account: l.Account, UsageTypes: append([]string{}, l.UsageTypes...),
			LoggedTokens: l.LoggedTokens, BilledCost: l.BilledCost, LoggedCost: l.LoggedCost, CostDrift: l.CostDrift,
			CostDriftPct: l.CostDriftPct, Status: l.Status, Reason: l.Reason}
		if l.TokensKnown {
			bt, td := l.BilledTokens, l.TokenDrift
			j.BilledTokens, j.TokenDrift, j.TokenDriftPct = &bt, &td, l.TokenDriftPct
		}
		out.Lines = append(out.Lines, j)
	}
	for _, p := range rc.Principals {
		out.Principals = append(out.Principals, rcPrincipal{p.Account, p.Principal, p.BilledCost, p.LoggedCost, p.CostDrift, p.CostDriftPct, p.LoggedCalls, p.Status})
	}
	for _, r := range rc.Rates {
		out.Rates = append(out.Rates, rcRate{r.Model, r.Region, r.Scope, tierName(r.Tier), r.Kind, r.LongContext, r.Mantle, r.Tokens, r.Cost, r.Billed, r.Book, r.DiffPct, r.BookEntry})
	}
	for _, o := range rc.Other {
		out.Other = append(out.Other, rcOther{o.Kind, o.LineItemType, o.UsageType, o.Region, o.Quantity, o.PricingUnit, o.Cost, o.Lines})
	}
	return out
}

func reconcileJSON(w io.Writer, rc *cur.Reconciliation) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(toJSON(rc))
}

// ParseReconciliationJSON reads back what reconcileJSON wrote (for tests and tools).
func ParseReconciliationJSON(r io.Reader) (map[string]any, error) {
	var v map[string]any
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v["schema"] != cur.Schema {
		return nil, fmt.Errorf("schema %v, want %s", v["schema"], cur.Schema)
	}
	return v, nil
}

func reconcileCSV(w io.Writer, rc *cur.Reconciliation) error {
	cw := NewCSVWriter(w)
	if err := cw.Write([]string{"date", "region", "model", "kind", "scope", "tier", "long_context", "mantle", "account", "usage_types",
		"billed_tokens", "logged_tokens", "token_drift", "token_drift_pct", "billed_cost_usd", "logged_cost_usd", "cost_drift_usd", "cost_drift_pct", "status", "reason"}); err != nil {
		return err
	}
	for _, l := range rc.Lines {
		bt, td := "", ""
		if l.TokensKnown {
			bt, td = l.BilledTokens.String(), l.TokenDrift.String()
		}
		if err := cw.Write([]string{l.Day.Format(time.DateOnly), l.Region, l.Model, l.Kind, l.Scope, tierName(l.Tier), fmt.Sprint(l.LongContext),
			fmt.Sprint(l.Mantle), l.Account, strings.Join(l.UsageTypes, " "), bt, l.LoggedTokens.String(), td, pctText(l.TokenDriftPct),
			l.BilledCost.String(), l.LoggedCost.String(), l.CostDrift.String(), pctText(l.CostDriftPct), l.Status, l.Reason}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func pctText(p *decimal.Decimal) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// signedPct is "+1.25%", "−3.00%" or "n/a".
func signedPct(p *decimal.Decimal) string {
	if p == nil {
		return "n/a"
	}
	if p.IsPositive() {
		return "+" + p.StringFixed(2) + "%"
	}
	return p.StringFixed(2) + "%"
}

func tokensText(d decimal.Decimal, known bool) string {
	if !known {
		return "?"
	}
	if d.IsInteger() {
		return num(d.IntPart())
	}
	return d.StringFixed(2)
}

// billedTokens is a line's billed tokens: "—" when the bill has none of it, "?" when its
// unit is not understood.
func billedTokens(l cur.Line) string {
	if len(l.UsageTypes) == 0 {
		return "—"
	}
	return tokensText(l.BilledTokens, l.TokensKnown)
}

func loggedTokens(l cur.Line) string {
	if l.LoggedTokens.IsZero() && l.LoggedCost.IsZero() {
		return "—"
	}
	return tokensText(l.LoggedTokens, true)
}

func lineWhat(l cur.Line) string {
	var b strings.Builder
	b.WriteString(l.Kind)
	if l.LongContext {
		b.WriteString(" (long context)")
	}
	b.WriteString(", " + l.Scope)
	if l.Tier != "" {
		b.WriteString(", " + l.Tier)
	}
	if l.Mantle {
		b.WriteString(", mantle")
	}
	if l.Account != "" {
		b.WriteString(", account " + l.Account)
	}
	return b.String()
}

// headline is the verdict sentence every human format starts with.
func headline(rc *cur.Reconciliation) string {
	t := rc.Totals
	s := fmt.Sprintf("Billed %s, logged %s: drift %s (%s)", usd(t.BilledCost), usd(t.LoggedCost), signedUSD(t.CostDrift), signedPct(t.CostDriftPct))
	if !t.NotBilledYet.IsZero() || !t.PendingBilled.IsZero() {
		s += fmt.Sprintf(", before %s, the bill's last day, which is still being billed (%s logged from then on)", rc.LastBilledDay.Format(time.DateOnly), usd(t.NotBilledYet))
	}
	s += "."
	if !t.Explained.IsZero() {
		s += fmt.Sprintf(" Without the %s billed that no log can show (bedrock-mantle, batch, other accounts): %s (%s).", usd(t.Explained), signedUSD(t.UnexplainedDrift), signedPct(t.UnexplainedDriftPct))
	}
	if rc.MaxDrift != nil {
		of := ""
		if rc.DriftGate == "unexplained" {
			of = " (unexplained drift)"
		}
		if rc.OverDrift {
			s += fmt.Sprintf(" Over the %s%% limit%s.", rc.MaxDrift.String(), of)
		} else {
			s += fmt.Sprintf(" Within the %s%% limit%s.", rc.MaxDrift.String(), of)
		}
	}
	return s
}

func rcPeriodText(rc *cur.Reconciliation) string {
	return rc.Since.UTC().Format(time.DateOnly) + " to " + rc.Until.UTC().Add(-time.Nanosecond).Format(time.DateOnly)
}

// problemLines are the lines that are not a match, biggest cost difference first, then
// the rest: the human formats show these first.
func problemLines(rc *cur.Reconciliation) []cur.Line {
	var out []cur.Line
	for _, l := range rc.Lines {
		if l.Status != cur.StatusMatch {
			out = append(out, l)
		}
	}
	sortByAbsDrift(out)
	return out
}

func sortByAbsDrift(ls []cur.Line) {
	for i := 1; i < len(ls); i++ { // insertion sort keeps equal drifts in date order
		for j := i; j > 0 && ls[j].CostDrift.Abs().GreaterThan(ls[j-1].CostDrift.Abs()); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

func cut[T any](s []T, top int) ([]T, int) {
	if top > 0 && len(s) > top {
		return s[:top], len(s) - top
	}
	return s, 0
}

func matches(rc *cur.Reconciliation) int {
	n := 0
	for _, l := range rc.Lines {
		if l.Status == cur.StatusMatch {
			n++
		}
	}
	return n
}

// rcSection is one table of a reconciliation's human formats: the table, Markdown and
// HTML render the same sections, so a column is written once.
type rcSection struct {
	ID, Title string
	Head      []string
	Num       []bool // right-aligned (numeric) columns
	Rows      [][]string
	More      int // rows left out by --top
}

// rcSections are the human formats' tables, what differs most first.
func rcSections(rc *cur.Reconciliation, top int) []rcSection {
	var out []rcSection
	if len(rc.Gaps) > 0 {
		sec := rcSection{ID: "gaps", Title: "What one side has and the other does not",
			Head: []string{"Side", "Cost", "Lines", "Regions", "Probably"}, Num: []bool{false, true, true, false, false}}
		for _, g := range rc.Gaps {
			sec.Rows = append(sec.Rows, []string{g.Side, usd(g.Cost), fmt.Sprint(g.Lines), strings.Join(g.Regions, ", "), g.Reason})
		}
		out = append(out, sec)
	}
	lines, more := cut(problemLines(rc), top)
	if len(lines) > 0 {
		sec := rcSection{ID: "lines", Title: "Lines that differ (largest first)", More: more,
			Head: []string{"Date", "Region", "Model", "Kind", "Billed tokens", "Logged tokens", "Billed", "Logged", "Drift", "Status"},
			Num:  []bool{false, false, false, false, true, true, true, true, true, false}}
		for _, l := range lines {
			sec.Rows = append(sec.Rows, []string{l.Day.Format(time.DateOnly), l.Region, l.Model, lineWhat(l), billedTokens(l), loggedTokens(l),
				usd(l.BilledCost), usd(l.LoggedCost), signedUSD(l.CostDrift), l.Status})
		}
		out = append(out, sec)
	}
	prs, more := cut(rc.Principals, top)
	if len(prs) > 0 {
		sec := rcSection{ID: "principals", Title: "By IAM principal", More: more,
			Head: []string{"Principal", "Account", "Billed", "Logged", "Drift", "Status"}, Num: []bool{false, false, true, true, true, false}}
		for _, p := range prs {
			sec.Rows = append(sec.Rows, []string{p.Principal, p.Account, usd(p.BilledCost), usd(p.LoggedCost),
				signedUSD(p.CostDrift) + " (" + signedPct(p.CostDriftPct) + ")", p.Status})
		}
		out = append(out, sec)
	}
	rates, more := cut(rc.Rates, top)
	if len(rates) > 0 {
		sec := rcSection{ID: "rates", Title: "Effective rates billed (USD per million tokens)", More: more,
			Head: []string{"Model", "Region", "Kind", "Billed", "Book", "Diff"}, Num: []bool{false, false, false, true, true, true}}
		for _, r := range rates {
			book := "none"
			if r.Book != nil {
				book = r.Book.String()
			}
			sec.Rows = append(sec.Rows, []string{r.Model, r.Region, rateWhat(r), r.Billed.String(), book, signedPct(r.DiffPct)})
		}
		out = append(out, sec)
	}
	if len(rc.Other) > 0 {
		sec := rcSection{ID: "other", Title: "Other billed Bedrock lines (not compared per token)",
			Head: []string{"Kind", "Line item type", "Usage type", "Region", "Cost"}, Num: []bool{false, false, false, false, true}}
		for _, o := range rc.Other {
			sec.Rows = append(sec.Rows, []string{o.Kind, o.LineItemType, o.UsageType, o.Region, signedUSD(o.Cost)})
		}
		out = append(out, sec)
	}
	return out
}

// rcNotes are the lines every human format shows under the verdict.
func rcNotes(rc *cur.Reconciliation) []string {
	var out []string
	for _, w := range rc.Warnings {
		out = append(out, "warning: "+w)
	}
	for _, s := range rc.Skipped {
		out = append(out, "skipped: "+s)
	}
	if !rc.Discount.IsZero() {
		out = append(out, fmt.Sprintf("Credits, refunds and discounts took %s%% off the usage cost: report --discount %s applies it to the logs.", rc.Discount, rc.Discount))
	}
	return out
}

func rcSummary(rc *cur.Reconciliation) string {
	s := fmt.Sprintf("%d of %d lines match within %s%%.", matches(rc), len(rc.Lines), rc.Tolerance.String())
	if !rc.Totals.OtherCost.IsZero() {
		s += fmt.Sprintf(" Other billed Bedrock cost, not compared per token: %s.", usd(rc.Totals.OtherCost))
	}
	return s
}

func moreText(n int) string {
	return fmt.Sprintf("… %d more (--top 0 for all; JSON and CSV have every line)", n)
}

func reconcileTable(w io.Writer, rc *cur.Reconciliation, opts ReconcileOptions) error {
	p := &errWriter{w: w}
	p.printf("Bill against logs, %s\nBill: %s\nLogs: %s\n\n%s\n%s\n", rcPeriodText(rc), rc.BillSource, rc.LogSource, headline(rc), rcSummary(rc))
	for _, n := range rcNotes(rc) {
		p.printf("%s\n", n)
	}
	for _, sec := range rcSections(rc, opts.Top) {
		p.printf("\n%s\n", sec.Title)
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\t\n", strings.Join(sec.Head, "\t"))
		for _, r := range sec.Rows {
			fmt.Fprintf(tw, "%s\t\n", strings.Join(r, "\t"))
		}
		tw.Flush()
		if sec.More > 0 {
			p.printf("%s\n", moreText(sec.More))
		}
	}
	return p.err
}

func rateWhat(r cur.Rate) string {
	s := r.Kind
	if r.LongContext {
		s += " (long context)"
	}
	s += ", " + r.Scope
	if r.Tier != "" {
		s += ", " + r.Tier
	}
	if r.Mantle {
		s += ", mantle"
	}
	return s
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func reconcileMarkdown(w io.Writer, rc *cur.Reconciliation, opts ReconcileOptions) error {
	p := &errWriter{w: w}
	p.printf("## Bedrock bill against the logs, %s\n\n", rcPeriodText(rc))
	mark := "✅"
	if rc.OverDrift || (rc.MaxDrift == nil && rc.Totals.CostDriftPct != nil && rc.Totals.CostDriftPct.Abs().GreaterThan(rc.Tolerance)) {
		mark = "⚠️"
	}
	p.printf("%s **%s** %s\n\n", mark, headline(rc), rcSummary(rc))
	notes := rcNotes(rc)
	for _, n := range notes {
		p.printf("> %s\n", mdCell(n))
	}
	if len(notes) > 0 {
		p.printf("\n")
	}
	for _, sec := range rcSections(rc, opts.Top) {
		p.printf("### %s\n\n|", sec.Title)
		for _, h := range sec.Head {
			p.printf(" %s |", h)
		}
		p.printf("\n|")
		for _, n := range sec.Num {
			if n {
				p.printf("---:|")
			} else {
				p.printf("---|")
			}
		}
		p.printf("\n")
		for _, r := range sec.Rows {
			p.printf("|")
			for _, c := range r {
				p.printf(" %s |", mdCell(c))
			}
			p.printf("\n")
		}
		if sec.More > 0 {
			p.printf("\n%s\n", moreText(sec.More))
		}
		p.printf("\n")
	}
	p.printf("<sub>Bill: %s · Logs: %s</sub>\n", mdCell(rc.BillSource), mdCell(rc.LogSource))
	return p.err
}

type rcHTMLData struct {
	Style      template.CSS
	Period     string
	Headline   string
	Over       bool
	Summary    string
	BillSource string
	LogSource  string
	Notes      []string
	Sections   []rcHTMLSection
}

type rcHTMLSection struct {
	rcSection
	MoreText string
}

func (s rcHTMLSection) Class(i int) string {
	if s.Num[i] {
		return "n"
	}
	return ""
}

func reconcileHTML(w io.Writer, rc *cur.Reconciliation, opts ReconcileOptions) error {
	d := rcHTMLData{Style: template.CSS(pageStyle), Period: rcPeriodText(rc), Headline: headline(rc), Over: rc.OverDrift,
		Summary: rcSummary(rc), BillSource: rc.BillSource, LogSource: rc.LogSource, Notes: rcNotes(rc)}
	for _, sec := range rcSections(rc, opts.Top) {
		h := rcHTMLSection{rcSection: sec}
		if sec.More > 0 {
			h.MoreText = moreText(sec.More)
		}
		d.Sections = append(d.Sections, h)
	}
	return reconcilePage.Execute(w, d)
}

var reconcilePage = template.Must(template.New("reconcile").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Bedrock bill against the logs, {{.Period}}</title>
<style>{{.Style}}</style></head><body>
<div id="page">
<h1>Bedrock bill against the logs, {{.Period}}</h1>
<p class="meta">Bill: {{.BillSource}}<br>Logs: {{.LogSource}}</p>
<p class="{{if .Over}}fail{{else}}warn{{end}}" id="verdict"><b>{{.Headline}}</b> {{.Summary}}</p>
{{range .Notes}}<p class="warn">{{.}}</p>{{end}}
{{range $s := .Sections}}<h2>{{.Title}}</h2><div class="scroll"><table id="{{.ID}}"><tr>{{range $i, $h := .Head}}<th class="{{$s.Class $i}}">{{$h}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $c := .}}<td class="{{$s.Class $i}}">{{$c}}</td>{{end}}</tr>
{{end}}</table></div>{{with .MoreText}}<p class="meta">{{.}}</p>{{end}}
{{end}}<footer>bedrock-usage reconcile · bedrock-usage/reconcile@1</footer>
</div></body></html>
`))
