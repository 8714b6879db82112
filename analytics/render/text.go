package render

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// measureTitles are the headings of the measure columns, cost last.
var measureTitles = func() []string {
	var t []string
	for _, c := range analytics.SummaryColumns() {
		t = append(t, c.Title)
	}
	return append(t, "Cost (USD)")
}()

func measureCells(t analytics.Totals) []string {
	var cells []string
	for _, c := range analytics.SummaryColumns() {
		cells = append(cells, num(t.Value(c)))
	}
	return append(cells, costCell(t))
}

// num formats an integer with thousands separators.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// usd formats money to the cent with separators; amounts under a cent show as <$0.01.
// count is n with the noun in the right number: "1 call", "2,500 calls".
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return num(n) + " " + many
}

func usd(d decimal.Decimal) string {
	if d.IsZero() {
		return "$0.00"
	}
	if d.IsPositive() && d.LessThan(decimal.New(1, -2)) {
		return "<$0.01"
	}
	r := d.StringFixed(2)
	whole, frac, _ := strings.Cut(r, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	return "$" + num(w) + "." + frac
}

// costCell marks costs that leave out unpriced calls: "unpriced" when nothing was priced,
// a trailing * when part was.
func costCell(t analytics.Totals) string {
	switch {
	case t.Calls > 0 && t.UnpricedCalls == t.Calls:
		return "unpriced"
	case t.UnpricedCalls > 0:
		return usd(t.Cost) + "*"
	}
	return usd(t.Cost)
}

func period(rep *analytics.Report) string {
	loc := rep.Location
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("%s to %s (%s)", rep.Since.In(loc).Format("2006-01-02 15:04"), rep.Until.In(loc).Format("2006-01-02 15:04"), loc)
}

// displayKeys are a line's keys as the human formats show them: a model with its name from
// the price book ("Claude 3 Haiku (anthropic.claude-3-haiku-20240307-v1:0)"), a partial day
// saying so.
func displayKeys(rep *analytics.Report, v analytics.ViewResult, l analytics.Line) []string {
	k := slices.Clone(l.Keys)
	for i, d := range v.Dims {
		if name := rep.ModelNames[k[i]]; d.Name == "model" && name != "" {
			k[i] = name + " (" + k[i] + ")"
		}
	}
	if l.Partial && len(k) > 0 {
		k[len(k)-1] += " (partial)"
	}
	if l.Sessions > 0 {
		if i := slices.IndexFunc(v.Dims, func(d analytics.Dimension) bool { return d.Name == "user" }); i >= 0 {
			k[i] += " (" + count(l.Sessions, "session", "sessions") + ")"
		}
	}
	return k
}

// collapsedLine says that generated session names were folded, and how to see them.
func collapsedLine(rep *analytics.Report) string {
	c := rep.Collapsed
	if c == nil || c.Sessions == 0 {
		return ""
	}
	return fmt.Sprintf("Users: %s with generated names folded into %s by pattern (%s); --collapse-sessions=false lists each",
		count(c.Sessions, "role session", "role sessions"), count(int64(c.Lines), "line", "lines"), foldedNames(rep))
}

// foldedNames are the names of the patterns that folded a line of the application × user view.
func foldedNames(rep *analytics.Report) string {
	var names []string
	if v := rep.View("by_app_user"); v != nil {
		for _, l := range v.Lines {
			if l.Sessions > 0 && !slices.Contains(names, l.Keys[1]) {
				names = append(names, l.Keys[1])
			}
		}
	}
	return strings.Join(names, ", ")
}

// contextLines say what the report is: the engine, the filters (and those that matched
// nothing) and the budget verdict.
func contextLines(rep *analytics.Report) []string {
	var out []string
	if rep.Scan.Engine != "" {
		out = append(out, "Engine: "+rep.Scan.Engine)
	}
	for _, n := range rep.Notes {
		out = append(out, "Read: "+n)
	}
	if l := pricesLine(rep); l != "" {
		out = append(out, l)
	}
	if d := rep.Filters.Describe(); d != "" {
		out = append(out, "Filters: "+d)
	}
	for _, u := range rep.Filters.Unmatched {
		out = append(out, UnmatchedLine(u))
	}
	if l := budgetLine(rep.Budget); l != "" {
		out = append(out, l)
	}
	if l := residencyLine(rep); l != "" {
		out = append(out, l)
	}
	if l := comparisonLine(rep); l != "" {
		out = append(out, l)
	}
	if l := anomalyLine(rep); l != "" {
		out = append(out, l)
	}
	if l := collapsedLine(rep); l != "" {
		out = append(out, l)
	}
	return out
}

// unmatchedLine warns of a filter value that matched no call.
func UnmatchedLine(u analytics.UnmatchedFilter) string {
	l := fmt.Sprintf("Warning: %s filter %q matched no call in the range", u.Filter, u.Value)
	if len(u.DidYouMean) > 0 {
		q := make([]string, len(u.DidYouMean))
		for i, s := range u.DidYouMean {
			q[i] = strconv.Quote(s)
		}
		l += "; did you mean " + strings.Join(q, " or ") + "?"
	}
	return l
}

// budgetLine is the budget verdict: "Budget: $100.00, total $12.34, $87.66 left".
func budgetLine(b *analytics.Budget) string {
	if b == nil {
		return ""
	}
	if b.Over {
		return fmt.Sprintf("Budget: %s, total %s: OVER by %s", usd(b.AmountUSD), usd(b.TotalUSD), usd(b.RemainingUSD().Neg()))
	}
	return fmt.Sprintf("Budget: %s, total %s: within it, %s left", usd(b.AmountUSD), usd(b.TotalUSD), usd(b.RemainingUSD()))
}

func summaryLines(rep *analytics.Report) []string {
	t := rep.Totals
	var tokens []string
	for i := range analytics.MeasureDefs {
		if d := &analytics.MeasureDefs[i]; d.Tokens && !d.Detail {
			tokens = append(tokens, num(d.Get(&t.Measures))+" "+strings.ToLower(d.Title))
		}
	}
	lines := []string{
		fmt.Sprintf("%s (%s failed) · %s tokens", count(t.Calls, "call", "calls"), num(t.FailedCalls), strings.Join(tokens, " · ")),
		fmt.Sprintf("Cost: %s", usd(t.Cost)),
	}
	if t.CacheWriteTokens > 0 {
		lines = append(lines, cacheTTLLine(t))
	}
	if l := tierLine(rep.Tiers); l != "" {
		lines = append(lines, l)
	}
	if l := guardrailLine(t); l != "" {
		lines = append(lines, l)
	}
	if t.UnpricedCalls > 0 {
		lines[1] += fmt.Sprintf(" — plus %s (%s tokens) that the price book could not price; * marks costs that leave them out",
			count(t.UnpricedCalls, "unpriced call", "unpriced calls"), num(t.UnpricedTokens))
	}
	return lines
}

// cacheTTLLine says how cache writes were priced: by the TTL the logged bodies state, or at
// the 5-minute rate with the range the unknown ones span.
func cacheTTLLine(t analytics.Totals) string {
	known := t.CacheWriteTokens - t.CacheWriteUnknownTTLTokens
	line := fmt.Sprintf("Cache writes: %s at the 1-hour rate, %s at the 5-minute rate", num(t.CacheWrite1hTokens), num(known-t.CacheWrite1hTokens))
	if t.CacheWriteUnknownTTLTokens > 0 {
		line += fmt.Sprintf(", %s of unknown TTL (no logged body says) priced at the 5-minute rate: up to %s more if they were 1-hour writes", num(t.CacheWriteUnknownTTLTokens), usd(t.UnknownTTLMaxExtra))
	}
	return line
}

// guardrailLine states the guardrail units and their cost, apart from the model cost; ""
// when the logs state none.
func guardrailLine(t analytics.Totals) string {
	if t.GuardrailUnits() == 0 {
		return ""
	}
	var parts []string
	units := t.GuardrailValues()
	for i, p := range invocationlog.GuardrailPolicies {
		if n := units[i]; n > 0 {
			parts = append(parts, num(n)+" "+strings.ReplaceAll(p.Name, "_", " "))
		}
	}
	line := fmt.Sprintf("Guardrails: %s units (%s) cost %s, apart from the model cost; %s in all",
		num(t.GuardrailUnits()), strings.Join(parts, ", "), usd(t.GuardrailCost), usd(t.TotalCost()))
	if t.GuardrailUnpricedUnits > 0 {
		line += fmt.Sprintf(" — plus %s guardrail units the price book could not price", num(t.GuardrailUnpricedUnits))
	}
	return line
}

// tierLine says which service tiers served the calls, when any call was not a standard one
// or a call of a tiered model stated no tier; "" otherwise.
func tierLine(t analytics.TierCounts) string {
	others := t.Calls[invocationlog.TierPriority] + t.Calls[invocationlog.TierFlex] + t.Calls[invocationlog.TierReserved]
	if others == 0 && t.NotStatedTieredModels == 0 {
		return ""
	}
	var parts []string
	for _, tier := range append(slices.Clone(invocationlog.ServiceTiers), analytics.TierNotStated) {
		if n := t.Calls[tier]; n > 0 {
			parts = append(parts, num(n)+" "+strings.ReplaceAll(tier, "_", " "))
		}
	}
	line := "Service tiers (calls): " + strings.Join(parts, ", ")
	if n := t.NotStatedTieredModels; n > 0 {
		line += fmt.Sprintf("; %s of models with Priority or Flex prices state no tier in the log (InvokeModel never does) and are priced at standard rates", count(n, "call", "calls"))
	}
	return line
}

func unpricedLines(rep *analytics.Report) []string {
	var out []string
	for _, u := range rep.Unpriced {
		out = append(out, fmt.Sprintf("%s in %s: %s, %s tokens (%s)", u.ModelID, u.Region, count(u.Calls, "call", "calls"), num(u.Tokens()), u.Reason))
	}
	return out
}

func skippedLines(rep *analytics.Report) []string {
	s := rep.Skipped
	if s.Total() == 0 {
		return nil
	}
	out := []string{fmt.Sprintf("Skipped: %s, %s, %s, %s",
		count(s.MalformedLines, "malformed line", "malformed lines"), count(s.UnreadableFiles, "unreadable file", "unreadable files"),
		count(s.NonLogObjects, "non-log object", "non-log objects"), count(s.OtherRecords, "other record", "other records"))}
	for _, k := range s.Samples {
		if k.Reason == "non_log_object" {
			continue
		}
		out = append(out, "  "+k.String())
	}
	return out
}

// omittedLine says which views the human formats left out, and how to see them; "" when
// every view is shown.
func omittedLine(rep *analytics.Report, names []string) string {
	shown := map[string]bool{}
	for _, v := range selectViews(rep, names, true) {
		shown[v.Name] = true
	}
	var left []string
	for _, v := range rep.Views {
		if !shown[v.Name] && !quiet(v) {
			left = append(left, v.Name)
		}
	}
	if len(left) == 0 {
		return ""
	}
	return "Not shown here: " + strings.Join(left, ", ") + " (--view NAME shows one; --format json or csv has every view)"
}

// pricesLine says which price books priced the report: "Prices: embedded book.json
// (checked 2026-12-02)".
func pricesLine(rep *analytics.Report) string {
	if len(rep.Prices.Books) == 0 {
		return ""
	}
	var parts []string
	for _, b := range rep.Prices.Books {
		p := b.Kind + " " + b.Name
		if b.Checked != "" {
			p += " (checked " + b.Checked + ")"
		}
		parts = append(parts, p)
	}
	line := "Prices: " + strings.Join(parts, " over ")
	if !rep.Prices.DiscountPercent.IsZero() {
		line += ", less " + rep.Prices.DiscountPercent.String() + "%"
	}
	return line
}

// scanLine is the engine's summary with its figures written in: "Read 3 files (4.0 KiB), 8
// records".
func scanLine(rep *analytics.Report) string {
	line := rep.Scan.Summary
	for _, f := range rep.Scan.Figures {
		var v string
		switch f.Kind {
		case analytics.FigureBytes:
			v = HumanBytes(f.N)
		case analytics.FigureUSD:
			v = usd(f.USD)
		default:
			v = num(f.N)
		}
		line = strings.ReplaceAll(line, "{"+f.Name+"}", v)
	}
	return line
}

// HumanBytes formats a byte count with a binary unit: 512 B, 34.9 MiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ANSI styles of the table on a colour terminal.
const (
	styleBold   = "\x1b[1m"
	styleYellow = "\x1b[33m"
	styleRed    = "\x1b[31m"
	styleReset  = "\x1b[0m"
)

// paint wraps s in style when colour is on; the text itself is already printable.
func paint(on bool, style, s string) string {
	if !on || s == "" {
		return s
	}
	return style + s + styleReset
}

// Table writes the report for a terminal.
func Table(w io.Writer, rep *analytics.Report, opts Options) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "%s\nSource: %s\n", paint(opts.Color, styleBold, "Bedrock usage, "+period(rep)), printable(rep.Source))
	for _, l := range contextLines(rep) {
		style := ""
		switch {
		case strings.HasPrefix(l, "Warning:"):
			style = styleYellow
		case strings.Contains(l, ": OVER"):
			style = styleRed
		}
		fmt.Fprintln(ew, paint(opts.Color && style != "", style, printable(l)))
	}
	for _, l := range summaryLines(rep) {
		fmt.Fprintln(ew, l)
	}
	upper := func(ts []string) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = strings.ToUpper(t)
		}
		return out
	}
	if c := rep.Comparison; c != nil && len(c.Movers) > 0 {
		fmt.Fprintf(ew, "\n%s\n", paint(opts.Color, styleBold, "BIGGEST CHANGES"))
		writeAligned(ew, printableRows(append([][]string{upper(moverTitles)}, moverRows(rep)...)), 2, opts.Width)
	}
	if c := rep.Comparison; c != nil {
		if l := keyList(rep, c.New, 10); l != "" {
			fmt.Fprintln(ew, printable("New: "+l))
		}
		if l := keyList(rep, c.Vanished, 10); l != "" {
			fmt.Fprintln(ew, printable("Vanished: "+l))
		}
	}
	if len(rep.Anomalies) > 0 {
		fmt.Fprintf(ew, "\n%s\n", paint(opts.Color, styleBold, "ANOMALIES"))
		writeAligned(ew, printableRows(append([][]string{upper(anomalyTitles)}, anomalyRows(rep)...)), 3, opts.Width)
	}
	for _, v := range selectViews(rep, opts.Views, true) {
		fmt.Fprintf(ew, "\n%s\n", paint(opts.Color, styleBold, strings.ToUpper(v.Title)))
		var head []string
		for _, d := range v.Dims {
			head = append(head, strings.ToUpper(d.Title))
		}
		for _, m := range measureTitles {
			head = append(head, strings.ToUpper(m))
		}
		if compared(rep) {
			head = append(head, upper(compareTitles)...)
		}
		lines, more := limit(v, opts.Top)
		rows := [][]string{head}
		for _, l := range lines {
			cells := make([]string, 0, len(head))
			for _, k := range displayKeys(rep, v, l) {
				cells = append(cells, orDash(printable(k)))
			}
			cells = append(cells, measureCells(l.Totals)...)
			rows = append(rows, append(cells, compareCells(l)...))
		}
		writeAligned(ew, rows, len(v.Dims), opts.Width)
		if more > 0 {
			fmt.Fprintf(ew, "… and %d more (--top 0 shows all)\n", more)
		}
	}
	if u := unpricedLines(rep); len(u) > 0 {
		fmt.Fprintln(ew, "\nUNPRICED (unknown model or unresolved application inference profile; tokens counted, no cost)")
		for _, l := range u {
			fmt.Fprintln(ew, "  "+printable(l))
		}
	}
	fmt.Fprintln(ew)
	for _, l := range skippedLines(rep) {
		fmt.Fprintln(ew, printable(l))
	}
	for _, f := range rep.Failures {
		fmt.Fprintln(ew, paint(opts.Color, styleRed, "FAILED: "+printable(f)))
	}
	if l := omittedLine(rep, opts.Views); l != "" {
		fmt.Fprintln(ew, l)
	}
	fmt.Fprintln(ew, scanLine(rep))
	return ew.err
}

// printableRows makes every cell of rows printable.
func printableRows(rows [][]string) [][]string {
	for _, r := range rows {
		for i := range r {
			r[i] = printable(r[i])
		}
	}
	return rows
}

// writeAligned writes rows as columns two spaces apart: the first left columns aligned
// left (keys), the rest right (numbers).
func writeAligned(w io.Writer, rows [][]string, left, limit int) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	fitWidth(rows, width, left, limit)
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < left {
				b.WriteString(c)
				if i < len(r)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// minTextColumn is the narrowest a text column is cut to.
const minTextColumn = 12

// fitWidth cuts the widest text column (of the first left ones) until a line fits in limit
// columns, or every text column is at minTextColumn; cut cells end in "…". Numbers are never
// cut. limit 0 cuts nothing.
func fitWidth(rows [][]string, width []int, left, limit int) {
	if limit <= 0 || left == 0 {
		return
	}
	total := func() int {
		n := 2 * (len(width) - 1)
		for _, w := range width {
			n += w
		}
		return n
	}
	for total() > limit {
		widest := 0
		for i := 1; i < left; i++ {
			if width[i] > width[widest] {
				widest = i
			}
		}
		if width[widest] <= minTextColumn {
			return
		}
		width[widest] = max(minTextColumn, width[widest]-(total()-limit))
		for _, r := range rows {
			if c := []rune(r[widest]); len(c) > width[widest] {
				r[widest] = string(c[:width[widest]-1]) + "…"
			}
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Markdown writes the report for a CI job summary or a pull-request comment.
func Markdown(w io.Writer, rep *analytics.Report, opts Options) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "## Bedrock usage, %s\n\n", period(rep))
	var about []string
	if rep.Scan.Engine != "" {
		about = append(about, "engine "+rep.Scan.Engine)
	}
	for _, n := range rep.Notes {
		about = append(about, "read "+n)
	}
	if l := pricesLine(rep); l != "" {
		about = append(about, strings.ToLower(l[:1])+l[1:])
	}
	if d := rep.Filters.Describe(); d != "" {
		about = append(about, "filters: "+d)
	}
	if len(about) > 0 {
		fmt.Fprintf(ew, "%s\n\n", mdEscape(strings.Join(about, " · ")))
	}
	if b := rep.Budget; b != nil {
		if b.Over {
			fmt.Fprintf(ew, "> [!CAUTION]\n> %s\n\n", mdEscape(budgetLine(b)))
		} else {
			fmt.Fprintf(ew, "**%s**\n\n", mdEscape(budgetLine(b)))
		}
	}
	for _, u := range rep.Filters.Unmatched {
		fmt.Fprintf(ew, "> [!WARNING]\n> %s\n\n", mdEscape(strings.TrimPrefix(UnmatchedLine(u), "Warning: ")))
	}
	if l := residencyLine(rep); l != "" {
		fmt.Fprintf(ew, "> [!WARNING]\n> %s\n\n", mdEscape(l))
	}
	if c := rep.Comparison; c != nil {
		if c.Increase != nil && c.Increase.Over {
			fmt.Fprintf(ew, "> [!CAUTION]\n> %s\n\n", mdEscape(comparisonLine(rep)))
		} else {
			fmt.Fprintf(ew, "**%s**\n\n", mdEscape(comparisonLine(rep)))
		}
		if rows := moverRows(rep); len(rows) > 0 {
			mdTable(ew, "Biggest changes", moverTitles, 2, rows)
		}
		if l := keyList(rep, c.New, 20); l != "" {
			fmt.Fprintf(ew, "New: %s.\n\n", mdEscape(l))
		}
		if l := keyList(rep, c.Vanished, 20); l != "" {
			fmt.Fprintf(ew, "Vanished: %s.\n\n", mdEscape(l))
		}
	}
	if l := anomalyLine(rep); l != "" {
		if len(rep.Anomalies) > 0 {
			fmt.Fprintf(ew, "> [!WARNING]\n> %s\n\n", mdEscape(l))
			mdTable(ew, "Anomalies", anomalyTitles, 3, anomalyRows(rep))
		} else {
			fmt.Fprintf(ew, "%s.\n\n", mdEscape(l))
		}
	}
	t := rep.Totals
	fmt.Fprintf(ew, "| %s |\n", strings.Join(measureTitles, " | "))
	fmt.Fprintf(ew, "|%s|\n", strings.TrimSuffix(strings.Repeat("---:|", len(measureTitles)), "|"))
	fmt.Fprintf(ew, "| %s |\n\n", strings.Join(measureCells(t), " | "))
	if t.CacheWriteTokens > 0 {
		fmt.Fprintf(ew, "%s.\n\n", cacheTTLLine(t))
	}
	for _, l := range []string{tierLine(rep.Tiers), guardrailLine(t), collapsedLine(rep)} {
		if l != "" {
			fmt.Fprintf(ew, "%s.\n\n", mdEscape(l))
		}
	}
	if t.UnpricedCalls > 0 {
		verb := "are"
		if t.UnpricedCalls == 1 {
			verb = "is"
		}
		fmt.Fprintf(ew, "> [!WARNING]\n> %s (%s tokens) %s **unpriced** (a model the price book does not know, or an application inference profile that could not be resolved), so the cost leaves them out (marked *).\n", count(t.UnpricedCalls, "call", "calls"), num(t.UnpricedTokens), verb)
		for _, l := range unpricedLines(rep) {
			fmt.Fprintf(ew, "> - %s\n", mdEscape(l))
		}
		fmt.Fprintln(ew)
	}
	for _, v := range selectViews(rep, opts.Views, true) {
		fmt.Fprintf(ew, "### %s\n\n", v.Title)
		var head, align []string
		for _, d := range v.Dims {
			head = append(head, d.Title)
			align = append(align, "---")
		}
		for _, m := range measureTitles {
			head = append(head, m)
			align = append(align, "---:")
		}
		if compared(rep) {
			for _, m := range compareTitles {
				head = append(head, m)
				align = append(align, "---:")
			}
		}
		fmt.Fprintf(ew, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
		lines, more := limit(v, opts.Top)
		for _, l := range lines {
			cells := make([]string, 0, len(head))
			for _, k := range displayKeys(rep, v, l) {
				cells = append(cells, mdEscape(orDash(k)))
			}
			cells = append(cells, measureCells(l.Totals)...)
			cells = append(cells, compareCells(l)...)
			fmt.Fprintf(ew, "| %s |\n", strings.Join(cells, " | "))
		}
		if more > 0 {
			fmt.Fprintf(ew, "\n_… and %d more._\n", more)
		}
		fmt.Fprintln(ew)
	}
	if sk := skippedLines(rep); len(sk) == 1 {
		fmt.Fprintf(ew, "%s.\n\n", mdEscape(sk[0])) // no sample to fold away
	} else if len(sk) > 1 {
		fmt.Fprintf(ew, "<details><summary>%s</summary>\n\n", mdEscape(sk[0]))
		for _, l := range sk[1:] {
			fmt.Fprintf(ew, "- `%s`\n", strings.ReplaceAll(printable(strings.TrimSpace(l)), "`", "'"))
		}
		fmt.Fprint(ew, "\n</details>\n\n")
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(ew, "> [!CAUTION]\n> Missing from this report: %s\n\n", mdEscape(f))
	}
	if l := omittedLine(rep, opts.Views); l != "" {
		fmt.Fprintf(ew, "%s.\n\n", mdEscape(l))
	}
	fmt.Fprintf(ew, "<sub>%s · source %s · generated %s by bedrock-usage</sub>\n", mdEscape(scanLine(rep)), mdEscape(rep.Source), rep.GeneratedAt.Format(time.RFC3339))
	return ew.err
}

// mdTable writes a titled Markdown table whose first left columns are text, the rest
// numbers; cells are escaped.
func mdTable(w io.Writer, title string, head []string, left int, rows [][]string) {
	align := make([]string, len(head))
	for i := range head {
		align[i] = "---:"
		if i < left {
			align[i] = "---"
		}
	}
	fmt.Fprintf(w, "### %s\n\n| %s |\n|%s|\n", title, strings.Join(head, " | "), strings.Join(align, "|"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = mdEscape(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
}

// mdEscape makes a name from the logs plain Markdown text: no table cell break, no HTML, no
// link, image or code span, no control character.
func mdEscape(s string) string {
	return mdReplacer.Replace(printable(s))
}

var mdReplacer = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "\n", " ",
	"[", `\[`, "]", `\]`, "`", "\\`", "!", `\!`, "*", `\*`, "_", `\_`)

// printable writes the control characters of a name from the logs (C0 and C1 controls, DEL,
// the ESC of ANSI sequences, line and paragraph separators, bidirectional overrides) as \u
// escapes, so no name can move the cursor, recolour the terminal or reorder a line.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == utf8.RuneError
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// signedUSD is a change in money: "+$1.20", "-$0.30", "$0.00".
func signedUSD(d decimal.Decimal) string {
	switch d.Sign() {
	case 1:
		return "+" + usd(d)
	case -1:
		return "-" + usd(d.Neg())
	}
	return usd(d)
}

// changeText is a change from base to cur: "+$1.20 (+12.50%)", "+$5.00 (new)".
func changeText(base, cur decimal.Decimal) string {
	d := signedUSD(cur.Sub(base))
	if pct, ok := analytics.ChangePercent(base, cur); ok {
		sign := ""
		if pct.IsPositive() {
			sign = "+"
		}
		return d + " (" + sign + pct.StringFixed(1) + "%)"
	}
	if cur.IsPositive() {
		return d + " (new)"
	}
	return d
}

// compareTitles are the headings of the columns a compared view adds.
var compareTitles = []string{"Baseline (USD)", "Change"}

// compareCells are a compared line's baseline cost and change (none when the view is not
// compared).
func compareCells(l analytics.Line) []string {
	if l.Baseline == nil {
		return nil
	}
	return []string{usd(l.Baseline.Cost), changeText(l.Baseline.Cost, l.Cost)}
}

// compared says whether a view's lines carry baselines.
func compared(rep *analytics.Report) bool { return rep.Comparison != nil }

// comparisonLine is the comparison's verdict on the total: "Against the previous period
// (2025-10-25 00:00 to 2025-11-01 00:00): $10.00 → $12.00, +$2.00 (+20.0%)".
func comparisonLine(rep *analytics.Report) string {
	c := rep.Comparison
	if c == nil {
		return ""
	}
	loc := rep.Location
	if loc == nil {
		loc = time.UTC
	}
	base, cur := c.Totals.TotalCost(), rep.Totals.TotalCost()
	l := fmt.Sprintf("Against the %s (%s to %s): %s → %s, %s; %s → %s", c.Baseline,
		c.Since.In(loc).Format("2006-01-02 15:04"), c.Until.In(loc).Format("2006-01-02 15:04"),
		usd(base), usd(cur), changeText(base, cur), count(c.Totals.Calls, "call", "calls"), count(rep.Totals.Calls, "call", "calls"))
	if g := c.Increase; g != nil {
		if g.Over {
			l += fmt.Sprintf("; max increase %s%%: OVER", g.MaxPercent)
		} else {
			l += fmt.Sprintf("; max increase %s%%: within it", g.MaxPercent)
		}
	}
	return l
}

// keyLabel is an application, user or model as the human formats name it.
func keyLabel(rep *analytics.Report, dim, key string) string {
	if name := rep.ModelNames[key]; dim == "model" && name != "" {
		key = name + " (" + key + ")"
	}
	return dim + " " + key
}

// keyList is a list of new or vanished keys: "app Chatbot ($1.20, 10 calls), …".
func keyList(rep *analytics.Report, ks []analytics.KeyTotals, limit int) string {
	var parts []string
	for i, k := range ks {
		if limit > 0 && i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(ks)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", keyLabel(rep, k.Dimension, k.Key), costCell(k.Totals), count(k.Calls, "call", "calls")))
	}
	return strings.Join(parts, ", ")
}

// moverRows are the comparison's biggest movers as table rows: dimension, key, baseline,
// cost, change.
func moverRows(rep *analytics.Report) [][]string {
	var rows [][]string
	for _, m := range rep.Comparison.Movers {
		key := m.Key
		if name := rep.ModelNames[key]; m.Dimension == "model" && name != "" {
			key = name + " (" + key + ")"
		}
		rows = append(rows, []string{m.Dimension, key, costCell(m.Baseline), costCell(m.Current), changeText(m.Baseline.Cost, m.Current.Cost)})
	}
	return rows
}

// moverTitles are the headings of moverRows.
var moverTitles = []string{"Dimension", "Key", "Baseline (USD)", "Cost (USD)", "Change"}

// anomalyTitles are the headings of anomalyRows.
var anomalyTitles = []string{"Dimension", "Key", "Date", "Cost (USD)", "Baseline (USD)", "Score"}

// anomalyRows are the report's anomalies as table rows.
func anomalyRows(rep *analytics.Report) [][]string {
	var rows [][]string
	for _, a := range rep.Anomalies {
		key := a.Key
		if name := rep.ModelNames[key]; a.Dimension == "model" && name != "" {
			key = name + " (" + key + ")"
		}
		rows = append(rows, []string{a.Dimension, key, a.Date, usd(a.Cost), usd(a.Baseline), strconv.FormatFloat(a.Score, 'f', 2, 64)})
	}
	return rows
}

// anomalyLine says how the report was scored and what was found.
func anomalyLine(rep *analytics.Report) string {
	r := rep.Detection
	if r == nil {
		return ""
	}
	found := "none found"
	if n := len(rep.Anomalies); n > 0 {
		found = count(int64(n), "anomaly", "anomalies") + " found"
	}
	return fmt.Sprintf("Anomalies: a day more than %s robust deviations above the median of its %d days before, and at least %s above it: %s",
		strconv.FormatFloat(r.Threshold, 'f', -1, 64), r.Window, usd(r.MinCost), found)
}
