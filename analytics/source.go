package analytics

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Source answers a Query with usage rows at the grain. analytics/local (files or S3) and
// analytics/athena implement it; both return the same rows for the same logs.
type Source interface {
	Usage(ctx context.Context, q Query) (*Result, error)
}

// Result is a Source's answer.
type Result struct {
	// Rows at the grain, in SortRows order, already filtered by the query; or nil, and the
	// rows are in an Aggregator (SetGroups). Read them with Each or AllRows.
	Rows   []Row
	groups *Aggregator
	// Skipped is what the source could not read, counted by reason.
	Skipped invocationlog.Skipped
	// Failures are regions (or other parts) that failed while others succeeded.
	Failures []PartError
	Scan     Scan
	// Candidates are values the filters rejected, for the suggestions of a filter value that
	// matched nothing; engines that cannot collect them leave them empty.
	Candidates FilterCandidates
	// Notes say what the source did that a reader should know (which bucket each region's
	// logs were read from, under --all-regions).
	Notes []string
}

// SetGroups makes the rows of r those of a, read from it as they are needed rather than
// built all at once: a large local scan's rows are never all in memory as Rows.
func (r *Result) SetGroups(a *Aggregator) { r.Rows, r.groups = nil, a }

// Len is the number of rows.
func (r *Result) Len() int {
	if r.groups != nil {
		return r.groups.Len()
	}
	return len(r.Rows)
}

// Each calls fn with every row, in no particular order; the row is fn's only while it runs.
func (r *Result) Each(fn func(*Row)) {
	if r.groups != nil {
		r.groups.Each(fn)
		return
	}
	for i := range r.Rows {
		fn(&r.Rows[i])
	}
}

// Drain is Each for a result read once: it releases the rows as fn sees them (see
// Aggregator.Drain), and leaves r without rows.
func (r *Result) Drain(fn func(*Row)) {
	if r.groups != nil {
		r.groups.Drain(fn)
		r.groups = NewAggregator(Query{})
		return
	}
	for i := range r.Rows {
		fn(&r.Rows[i])
		r.Rows[i] = Row{}
	}
	r.Rows = nil
}

// AllRows returns every row, in SortRows order.
func (r *Result) AllRows() []Row {
	if r.groups != nil {
		return r.groups.Rows()
	}
	return r.Rows
}

// PartError is a failed part of a query (one region of an Athena report).
type PartError struct {
	Region string
	Err    error
}

func (e PartError) Error() string { return fmt.Sprintf("%s: %v", e.Region, e.Err) }
func (e PartError) Unwrap() error { return e.Err }

// Scan describes the work a source did, whatever the engine: named figures, in the order
// the JSON report's "scan" object lists them, and a sentence for the human formats whose
// {name} placeholders the renderers fill with the figures, formatted by kind.
type Scan struct {
	// Engine is the name of the engine that answered.
	Engine  string
	Figures []Figure
	// Summary is the human line, such as FilesSummary.
	Summary string
	// NoInput is true when the source found nothing to read for the query (no log file),
	// which a report says, and --strict fails on.
	NoInput bool
}

// FilesSummary is the scan sentence of an engine that reads files (the local engine), over
// its figures files, bytes and records.
const FilesSummary = "Read {files} files ({bytes}), {records} records"

// FigureKind says how a figure is written.
type FigureKind int

const (
	// FigureCount is a count: 12,345 in tables, 12345 in JSON.
	FigureCount FigureKind = iota
	// FigureBytes is a byte count: 34.9 MiB in tables, 36595712 in JSON.
	FigureBytes
	// FigureUSD is money: $0.01 in tables, "0.00523" (a decimal string) in JSON.
	FigureUSD
)

// Figure is one number of a Scan.
type Figure struct {
	Name string
	Kind FigureKind
	N    int64           // counts and bytes
	USD  decimal.Decimal // money
}

// Int is the value of a count or byte figure, 0 when absent.
func (s Scan) Int(name string) int64 {
	for _, f := range s.Figures {
		if f.Name == name {
			return f.N
		}
	}
	return 0
}

// Money is the value of a money figure, zero when absent.
func (s Scan) Money(name string) decimal.Decimal {
	for _, f := range s.Figures {
		if f.Name == name {
			return f.USD
		}
	}
	return decimal.Zero
}

// MultiSummary is what a report read from several sources adds to its scan sentence, over
// the figures sources and duplicates.
const MultiSummary = " from {sources} sources, {duplicates} duplicates dropped"

// MergeResults merges the answers of several sources to the same query q into one: their
// rows summed at the grain, their skipped input, failures and filter candidates together,
// their scan figures summed by name (in the first answer's order). The scan found no input
// only if none of them found any.
func MergeResults(q Query, rs ...*Result) *Result {
	agg := NewAggregator(q)
	out := &Result{}
	var cands candidateSet
	noInput := true
	for i, r := range rs {
		if r.groups != nil {
			agg.Merge(r.groups)
		} else {
			for _, row := range r.Rows {
				agg.AddRow(row)
			}
		}
		out.Skipped.Merge(r.Skipped)
		out.Failures = append(out.Failures, r.Failures...)
		out.Notes = append(out.Notes, r.Notes...)
		for j, vals := range [][]string{r.Candidates.Regions, r.Candidates.Apps, r.Candidates.Users, r.Candidates.Models} {
			for _, v := range vals {
				cands.add(j, v)
			}
		}
		noInput = noInput && r.Scan.NoInput
		if i == 0 {
			out.Scan = Scan{Engine: r.Scan.Engine, Summary: r.Scan.Summary, Figures: append([]Figure(nil), r.Scan.Figures...)}
			continue
		}
		for _, f := range r.Scan.Figures {
			j := slices.IndexFunc(out.Scan.Figures, func(g Figure) bool { return g.Name == f.Name })
			if j < 0 {
				out.Scan.Figures = append(out.Scan.Figures, f)
				continue
			}
			out.Scan.Figures[j].N += f.N
			out.Scan.Figures[j].USD = out.Scan.Figures[j].USD.Add(f.USD)
		}
	}
	out.Scan.NoInput = noInput
	out.Candidates = cands.result()
	out.SetGroups(agg)
	return out
}
