package analytics

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Aggregator sums records into rows at the grain. Its memory is bounded by the number of
// groups, not by the number of records. It is not safe for concurrent use: give each worker
// its own and Merge them.
type Aggregator struct {
	q      Query
	groups map[Key]*Measures
	// strs interns the strings of new keys: the same few principals, models and regions
	// repeat across groups, and each record brings its own copies.
	strs map[string]string
	// OutOfRange counts records outside the query's time range (read because files land in
	// the folder of their delivery hour); they are expected and not an error.
	OutOfRange int64
	// Filtered counts records in range that the query's filters rejected.
	Filtered int64
	// overflow is the first group whose sums overflowed int64 (see Err).
	overflow *Key
	// cands collects the values of records the filters rejected (see Candidates).
	cands candidateSet
}

// Candidates are values of the filtered dimensions among the records the query's filters
// rejected (bounded): what a filter that matched nothing is compared with.
func (a *Aggregator) Candidates() FilterCandidates { return a.cands.result() }

// ErrOverflow is wrapped by the error of sums that do not fit an int64.
var ErrOverflow = errors.New("sum overflows int64")

// Err is the error of a group whose sums overflowed, naming it; nil when none did.
func (a *Aggregator) Err() error {
	if a.overflow == nil {
		return nil
	}
	k := a.overflow
	return fmt.Errorf("the token sums of %s calling %s in %s at %s: %w", k.Principal, k.Model, k.Region, k.Hour.Format(time.RFC3339), ErrOverflow)
}

// NewAggregator returns an empty aggregator for q.
func NewAggregator(q Query) *Aggregator {
	return &Aggregator{q: q, groups: make(map[Key]*Measures), strs: make(map[string]string)}
}

// Add adds one record if it lies in the query's range and passes its filters.
func (a *Aggregator) Add(r *invocationlog.Record) {
	if row, ok := a.RowOf(r); ok {
		a.AddRow(row)
	}
}

// RowOf is the row Add would add for one record, and whether the record counts: a record
// outside the range or rejected by the filters is counted in OutOfRange or Filtered, as Add
// counts it. A caller that holds the row back (to resolve what its body says first) adds it
// later with AddRow.
func (a *Aggregator) RowOf(r *invocationlog.Record) (Row, bool) {
	if !a.q.InRange(r.Timestamp) {
		a.OutOfRange++
		return Row{}, false
	}
	m := MeasuresOf(r)
	k := keyFor(r, a.q.MetadataKeys, m)
	if !a.q.Match(k) {
		a.Filtered++
		a.cands.addKey(k)
		return Row{}, false
	}
	return Row{Key: k, Measures: m}, true
}

// AddRow adds a row as it is (no range or filter check).
func (a *Aggregator) AddRow(r Row) {
	m := a.groups[r.Key]
	if m == nil {
		m = new(Measures)
		a.groups[a.internKey(r.Key)] = m
	}
	if m.Add(r.Measures) && a.overflow == nil {
		k := r.Key
		a.overflow = &k
	}
}

func (a *Aggregator) internKey(k Key) Key {
	for _, p := range []*string{&k.Region, &k.Account, &k.Principal, &k.PrincipalKind, &k.App, &k.User, &k.Model, &k.Operation, &k.ErrorCode, &k.Meta} {
		if *p == "" {
			continue
		}
		if s, ok := a.strs[*p]; ok {
			*p = s
		} else {
			s = strings.Clone(*p)
			a.strs[s] = s
			*p = s
		}
	}
	return k
}

// Merge adds every group of b into a.
func (a *Aggregator) Merge(b *Aggregator) {
	for k, m := range b.groups {
		a.AddRow(Row{Key: k, Measures: *m})
	}
	a.OutOfRange += b.OutOfRange
	a.Filtered += b.Filtered
	a.cands.merge(&b.cands)
	if a.overflow == nil {
		a.overflow = b.overflow
	}
}

// Len is the number of groups.
func (a *Aggregator) Len() int { return len(a.groups) }

// Rows returns the groups as rows in SortRows order.
func (a *Aggregator) Rows() []Row {
	rows := make([]Row, 0, len(a.groups))
	for k, m := range a.groups {
		rows = append(rows, Row{Key: k, Measures: *m})
	}
	SortRows(rows)
	return rows
}

// SortRows sorts rows by every key field, so two engines' answers compare equal.
func SortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		return CompareKeys(a.Key, b.Key)
	})
}

// CompareKeys orders keys field by field.
func CompareKeys(a, b Key) int {
	if c := a.Hour.Compare(b.Hour); c != 0 {
		return c
	}
	for _, p := range [][2]string{
		{a.Region, b.Region}, {a.Account, b.Account}, {a.Principal, b.Principal},
		{a.PrincipalKind, b.PrincipalKind}, {a.App, b.App}, {a.User, b.User},
		{a.Model, b.Model}, {a.Operation, b.Operation}, {a.ErrorCode, b.ErrorCode}, {a.Meta, b.Meta},
		{a.ServiceTier, b.ServiceTier},
	} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return cmp.Or(cmp.Compare(boolInt(a.LongContext), boolInt(b.LongContext)), cmp.Compare(boolInt(a.Over100K), boolInt(b.Over100K)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
