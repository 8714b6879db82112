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
		out.Rates = append(out.Rates, rcRate{r.Model, r.Region, r.Scope, tierName(r.Tier), r.Kind, r.LongContext, r.Tokens, r.Cost, r.Billed, r.Book, r.DiffPct, r.BookEntry})
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

func reconcileTable(w io.Writer, rc *cur.Reconciliation, opts ReconcileOptions) error {
	p := &errWriter{w: w}
	p.printf("Bill against logs, %s\n", rcPeriodText(rc))
	p.printf("Bill: %s\nLogs: %s\n\n", rc.BillSource, rc.LogSource)
	p.printf("%s\n", headline(rc))
	p.printf("%d of %d lines match within %s%%.", matches(rc), len(rc.Lines), rc.Tolerance.String())
	if !rc.Totals.OtherCost.IsZero() {
		p.printf(" Other billed Bedrock cost, not compared per token: %s.", usd(rc.Totals.OtherCost))
	}
	p.printf("\n")
	for _, wn := range rc.Warnings {
		p.printf("warning: %s\n", wn)
	}
	for _, s := range rc.Skipped {
		p.printf("skipped: %s\n", s)
	}
	if len(rc.Gaps) > 0 {
		p.printf("\nWhat one side has and the other does not\n")
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "Side\tCost\tLines\tRegions\tReason\t\n")
		for _, g := range rc.Gaps {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t\n", g.Side, usd(g.Cost), g.Lines, strings.Join(g.Regions, " "), g.Reason)
		}
		tw.Flush()
	}
	lines, more := cut(problemLines(rc), opts.Top)
	if len(lines) > 0 {
		p.printf("\nLines that differ (largest first)\n")
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "Date\tRegion\tModel\tKind\tBilled tokens\tLogged tokens\tBilled\tLogged\tDrift\tStatus\t\n")
		for _, l := range lines {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Day.Format(time.DateOnly), l.Region, l.Model, lineWhat(l),
				billedTokens(l), loggedTokens(l), usd(l.BilledCost), usd(l.LoggedCost), signedUSD(l.CostDrift), l.Status)
		}
		tw.Flush()
		if more > 0 {
			p.printf("… %d more (--top 0 for all)\n", more)
		}
	}
	prs, more := cut(rc.Principals, opts.Top)
	if len(prs) > 0 {
		p.printf("\nBy IAM principal\n")
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "Principal\tAccount\tBilled\tLogged\tDrift\tStatus\t\n")
		for _, pr := range prs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (%s)\t%s\t\n", pr.Principal, pr.Account, usd(pr.BilledCost), usd(pr.LoggedCost), signedUSD(pr.CostDrift), signedPct(pr.CostDriftPct), pr.Status)
		}
		tw.Flush()
		if more > 0 {
			p.printf("… %d more\n", more)
		}
	}
	rates, more := cut(rc.Rates, opts.Top)
	if len(rates) > 0 {
		p.printf("\nEffective rates billed (USD per million tokens)\n")
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "Model\tRegion\tKind\tBilled\tBook\tDiff\t\n")
		for _, r := range rates {
			book := "none"
			if r.Book != nil {
				book = r.Book.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Model, r.Region, rateWhat(r), r.Billed.String(), book, signedPct(r.DiffPct))
		}
		tw.Flush()
		if more > 0 {
			p.printf("… %d more\n", more)
		}
	}
	if len(rc.Other) > 0 {
		p.printf("\nOther billed Bedrock lines (not compared per token)\n")
		tw := tabwriter.NewWriter(p, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "Kind\tLine item type\tUsage type\tRegion\tCost\t\n")
		for _, o := range rc.Other {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", o.Kind, o.LineItemType, o.UsageType, o.Region, signedUSD(o.Cost))
		}
		tw.Flush()
	}
	if !rc.Discount.IsZero() {
		p.printf("\nDiscounts and credits took %s%% off the usage cost: report --discount %s applies it to the logs.\n", rc.Discount.String(), rc.Discount.String())
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
	p.printf("%s **%s** %d of %d lines match within %s%%.\n\n", mark, headline(rc), matches(rc), len(rc.Lines), rc.Tolerance.String())
	for _, wn := range rc.Warnings {
		p.printf("> ⚠️ %s\n", mdCell(wn))
	}
	for _, s := range rc.Skipped {
		p.printf("> skipped: %s\n", mdCell(s))
	}
	if len(rc.Warnings)+len(rc.Skipped) > 0 {
		p.printf("\n")
	}
	if len(rc.Gaps) > 0 {
		p.printf("### What one side has and the other does not\n\n| Side | Cost | Lines | Regions | Probably |\n|---|---:|---:|---|---|\n")
		for _, g := range rc.Gaps {
			p.printf("| %s | %s | %d | %s | %s |\n", g.Side, usd(g.Cost), g.Lines, mdCell(strings.Join(g.Regions, ", ")), mdCell(g.Reason))
		}
		p.printf("\n")
	}
	lines, more := cut(problemLines(rc), opts.Top)
	if len(lines) > 0 {
		p.printf("### Lines that differ (largest first)\n\n| Date | Region | Model | Kind | Billed tokens | Logged tokens | Billed | Logged | Drift | Status |\n|---|---|---|---|---:|---:|---:|---:|---:|---|\n")
		for _, l := range lines {
			p.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l.Day.Format(time.DateOnly), l.Region, mdCell(l.Model), mdCell(lineWhat(l)),
				billedTokens(l), loggedTokens(l), usd(l.BilledCost), usd(l.LoggedCost), signedUSD(l.CostDrift), l.Status)
		}
		if more > 0 {
			p.printf("\n… %d more lines in the JSON or CSV output.\n", more)
		}
		p.printf("\n")
	}
	prs, more := cut(rc.Principals, opts.Top)
	if len(prs) > 0 {
		p.printf("### By IAM principal\n\n| Principal | Account | Billed | Logged | Drift | Status |\n|---|---|---:|---:|---:|---|\n")
		for _, pr := range prs {
			p.printf("| %s | %s | %s | %s | %s (%s) | %s |\n", mdCell(pr.Principal), pr.Account, usd(pr.BilledCost), usd(pr.LoggedCost), signedUSD(pr.CostDrift), signedPct(pr.CostDriftPct), pr.Status)
		}
		if more > 0 {
			p.printf("\n… %d more principals.\n", more)
		}
		p.printf("\n")
	}
	rates, more := cut(rc.Rates, opts.Top)
	if len(rates) > 0 {
		p.printf("### Effective rates billed (USD per million tokens)\n\n| Model | Region | Kind | Billed | Book | Diff |\n|---|---|---|---:|---:|---:|\n")
		for _, r := range rates {
			book := "none"
			if r.Book != nil {
				book = r.Book.String()
			}
			p.printf("| %s | %s | %s | %s | %s | %s |\n", mdCell(r.Model), r.Region, rateWhat(r), r.Billed.String(), book, signedPct(r.DiffPct))
		}
		if more > 0 {
			p.printf("\n… %d more rates.\n", more)
		}
		p.printf("\n")
	}
	if len(rc.Other) > 0 {
		p.printf("### Other billed Bedrock lines (not compared per token)\n\n| Kind | Line item type | Usage type | Region | Cost |\n|---|---|---|---|---:|\n")
		for _, o := range rc.Other {
			p.printf("| %s | %s | %s | %s | %s |\n", o.Kind, mdCell(o.LineItemType), mdCell(o.UsageType), o.Region, signedUSD(o.Cost))
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
	Warnings   []string
	Gaps       []cur.Gap
	Lines      []rcHTMLLine
	More       int
	Principals []cur.PrincipalLine
	Rates      []rcHTMLRate
	Other      []cur.Other
	USD        func(decimal.Decimal) string
	Signed     func(decimal.Decimal) string
	Pct        func(*decimal.Decimal) string
}

type rcHTMLLine struct {
	cur.Line
	What, Date, BilledTokens, LoggedTokens string
}

type rcHTMLRate struct {
	cur.Rate
	What, Book string
}

func reconcileHTML(w io.Writer, rc *cur.Reconciliation, opts ReconcileOptions) error {
	d := rcHTMLData{Style: template.CSS(pageStyle), Period: rcPeriodText(rc), Headline: headline(rc), Over: rc.OverDrift,
		Summary:    fmt.Sprintf("%d of %d lines match within %s%%.", matches(rc), len(rc.Lines), rc.Tolerance.String()),
		BillSource: rc.BillSource, LogSource: rc.LogSource, Warnings: append(append([]string{}, rc.Warnings...), rc.Skipped...),
		Gaps: rc.Gaps, Other: rc.Other, USD: usd, Signed: signedUSD, Pct: signedPct}
	lines, more := cut(problemLines(rc), opts.Top)
	d.More = more
	for _, l := range lines {
		d.Lines = append(d.Lines, rcHTMLLine{l, lineWhat(l), l.Day.Format(time.DateOnly), billedTokens(l), loggedTokens(l)})
	}
	d.Principals, _ = cut(rc.Principals, opts.Top)
	rates, _ := cut(rc.Rates, opts.Top)
	for _, r := range rates {
		book := "none"
		if r.Book != nil {
			book = r.Book.String()
		}
		d.Rates = append(d.Rates, rcHTMLRate{r, rateWhat(r), book})
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
{{range .Warnings}}<p class="warn">{{.}}</p>{{end}}
{{with .Gaps}}<h2>What one side has and the other does not</h2><div class="scroll"><table id="gaps"><tr><th>Side</th><th class="n">Cost</th><th class="n">Lines</th><th>Regions</th><th>Probably</th></tr>
{{range .}}<tr><td>{{.Side}}</td><td class="n">{{call $.USD .Cost}}</td><td class="n">{{.Lines}}</td><td>{{range $i, $r := .Regions}}{{if $i}}, {{end}}{{$r}}{{end}}</td><td>{{.Reason}}</td></tr>
{{end}}</table></div>{{end}}
{{with .Lines}}<h2>Lines that differ (largest first)</h2><div class="scroll"><table id="lines"><tr><th>Date</th><th>Region</th><th>Model</th><th>Kind</th><th class="n">Billed tokens</th><th class="n">Logged tokens</th><th class="n">Billed</th><th class="n">Logged</th><th class="n">Drift</th><th>Status</th></tr>
{{range .}}<tr><td>{{.Date}}</td><td>{{.Region}}</td><td>{{.Model}}</td><td>{{.What}}</td><td class="n">{{.BilledTokens}}</td><td class="n">{{.LoggedTokens}}</td><td class="n">{{call $.USD .BilledCost}}</td><td class="n">{{call $.USD .LoggedCost}}</td><td class="n">{{call $.Signed .CostDrift}}</td><td>{{.Status}}</td></tr>
{{end}}</table></div>{{if $.More}}<p class="meta">… {{$.More}} more lines in the JSON or CSV output.</p>{{end}}{{end}}
{{with .Principals}}<h2>By IAM principal</h2><div class="scroll"><table id="principals"><tr><th>Principal</th><th>Account</th><th class="n">Billed</th><th class="n">Logged</th><th class="n">Drift</th><th>Status</th></tr>
{{range .}}<tr><td>{{.Principal}}</td><td>{{.Account}}</td><td class="n">{{call $.USD .BilledCost}}</td><td class="n">{{call $.USD .LoggedCost}}</td><td class="n">{{call $.Signed .CostDrift}} ({{call $.Pct .CostDriftPct}})</td><td>{{.Status}}</td></tr>
{{end}}</table></div>{{end}}
{{with .Rates}}<h2>Effective rates billed (USD per million tokens)</h2><div class="scroll"><table id="rates"><tr><th>Model</th><th>Region</th><th>Kind</th><th class="n">Billed</th><th class="n">Book</th><th class="n">Diff</th></tr>
{{range .}}<tr><td>{{.Model}}</td><td>{{.Region}}</td><td>{{.What}}</td><td class="n">{{.Billed}}</td><td class="n">{{.Book}}</td><td class="n">{{call $.Pct .DiffPct}}</td></tr>
{{end}}</table></div>{{end}}
{{with .Other}}<h2>Other billed Bedrock lines (not compared per token)</h2><div class="scroll"><table id="other"><tr><th>Kind</th><th>Line item type</th><th>Usage type</th><th>Region</th><th class="n">Cost</th></tr>
{{range .}}<tr><td>{{.Kind}}</td><td>{{.LineItemType}}</td><td>{{.UsageType}}</td><td>{{.Region}}</td><td class="n">{{call $.Signed .Cost}}</td></tr>
{{end}}</table></div>{{end}}
<footer>bedrock-usage reconcile · bedrock-usage/reconcile@1</footer>
</div></body></html>
`))
