package analytics

import (
	"cmp"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// Aggregator sums records into rows at the grain. Its memory is bounded by the number of
// groups, not by the number of records, and a group is small: its key's strings are held
// once each in a dictionary and the key is their numbers (ckey, 56 bytes), so a month in
// which every call has its own role session name (a million groups) stays in a few hundred
// megabytes. It is not safe for concurrent use: give each worker its own and Merge them.
type Aggregator struct {
	q Query
	// index maps a group's compact key to its measures in ms.
	index map[ckey]uint32
	ms    measureChunks
	dict  dict
	// last caches, per key string, the last string seen and its number: the records of a
	// file mostly share their region, account, caller, model and operation.
	last [nKeyStrings]struct {
		s  string
		id uint32
	}
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

// nKeyStrings is the number of string fields of a Key, in ckey.s order: Region, Account,
// Principal, PrincipalKind, App, User, Model, Operation, ErrorCode, Meta, ServiceTier,
// InferenceRegion.
const nKeyStrings = 12

// ckey is a Key with its strings replaced by their numbers in the aggregator's dict.
type ckey struct {
	hour  int32 // hours since the Unix epoch
	flags uint8 // 1: LongContext, 2: Over100K
	s     [nKeyStrings]uint32
}

func keyStrings(k *Key) [nKeyStrings]*string {
	return [nKeyStrings]*string{&k.Region, &k.Account, &k.Principal, &k.PrincipalKind, &k.App, &k.User, &k.Model, &k.Operation, &k.ErrorCode, &k.Meta, &k.ServiceTier, &k.InferenceRegion}
}

// dict numbers strings; 0 is the empty string.
type dict struct {
	ids  map[string]uint32
	strs []string
}

func (d *dict) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := d.ids[s]; ok {
		return id
	}
	return d.own(strings.Clone(s)) // the record's copy may share a line buffer's memory
}

// own numbers s, a string nothing else will change (another aggregator's copy).
func (d *dict) own(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := d.ids[s]; ok {
		return id
	}
	if d.ids == nil {
		d.ids = make(map[string]uint32)
		d.strs = append(d.strs, "")
	}
	id := uint32(len(d.strs))
	d.strs = append(d.strs, s)
	d.ids[s] = id
	return id
}

func (a *Aggregator) compact(k *Key) ckey {
	c := ckey{hour: int32(k.Hour.Unix() / 3600)}
	if k.Hour.Unix()%3600 < 0 { // floor, for hours before 1970
		c.hour--
	}
	if k.LongContext {
		c.flags |= 1
	}
	if k.Over100K {
		c.flags |= 2
	}
	for i, p := range keyStrings(k) {
		if l := &a.last[i]; l.s == *p {
			c.s[i] = l.id
			continue
		}
		id := a.dict.id(*p)
		a.last[i].s, a.last[i].id = a.dict.str(id), id
		c.s[i] = id
	}
	return c
}

// str is the string numbered id.
func (d *dict) str(id uint32) string {
	if id == 0 {
		return ""
	}
	return d.strs[id]
}

func (a *Aggregator) expand(c ckey) Key {
	k := Key{Hour: time.Unix(int64(c.hour)*3600, 0).UTC(), LongContext: c.flags&1 != 0, Over100K: c.flags&2 != 0}
	for i, p := range keyStrings(&k) {
		*p = a.dict.str(c.s[i])
	}
	return k
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
	return &Aggregator{q: q, index: make(map[ckey]uint32)}
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
	a.add(a.compact(&r.Key), &r.Measures, &r.Key)
}

// measureChunks hold the groups' measures in fixed-size chunks: a million groups grow the
// store one chunk at a time, never by copying it into a larger slice (which costs the copy,
// and for a moment the old and the new slice both).
type measureChunks struct {
	chunks [][]Measures
	n      uint32
}

const measureChunk = 4096

func (s *measureChunks) at(i uint32) *Measures { return &s.chunks[i/measureChunk][i%measureChunk] }

// grow adds a zero group and returns its number.
func (s *measureChunks) grow() uint32 {
	if s.n%measureChunk == 0 {
		s.chunks = append(s.chunks, make([]Measures, measureChunk))
	}
	s.n++
	return s.n - 1
}

func (a *Aggregator) add(c ckey, m *Measures, k *Key) {
	i, ok := a.index[c]
	if !ok {
		i = a.ms.grow()
		a.index[c] = i
	}
	if a.ms.at(i).Add(*m) && a.overflow == nil {
		var key Key
		if k != nil {
			key = *k
		} else {
			key = a.expand(c)
		}
		a.overflow = &key
	}
}

// Merge adds every group of b into a.
func (a *Aggregator) Merge(b *Aggregator) {
	// b's strings get a's numbers once each, then every group of b is renumbered.
	// Number 0 (the empty string) is 0 in both, also when b has no dictionary yet.
	// b's strings are its own copies already: a takes them as they are.
	remap := make([]uint32, max(len(b.dict.strs), 1))
	for id, s := range b.dict.strs {
		remap[id] = a.dict.own(s)
	}
	for c, i := range b.index {
		for j, id := range c.s {
			c.s[j] = remap[id]
		}
		a.add(c, b.ms.at(i), nil)
	}
	a.OutOfRange += b.OutOfRange
	a.Filtered += b.Filtered
	a.cands.merge(&b.cands)
	if a.overflow == nil {
		a.overflow = b.overflow
	}
}

// Len is the number of groups.
func (a *Aggregator) Len() int { return len(a.index) }

// Each calls fn with every group, in no particular order, without building them all at
// once: the rows of a large result are read one at a time.
func (a *Aggregator) Each(fn func(*Row)) {
	var r Row
	for c, i := range a.index {
		r.Key, r.Measures = a.expand(c), *a.ms.at(i)
		fn(&r)
	}
}

// Drain calls fn with every group, as Each, and empties the aggregator as it goes: the index
// goes first, then the groups a chunk at a time once fn has seen them, so that what a report
// builds from the groups (its views) can take their place in memory instead of adding to
// them. The dictionary's strings stay, shared with what fn keeps. The aggregator is empty
// afterwards.
func (a *Aggregator) Drain(fn func(*Row)) {
	keys := make([][]ckey, len(a.ms.chunks))
	for i := range keys {
		keys[i] = make([]ckey, measureChunk)
	}
	for c, i := range a.index {
		keys[i/measureChunk][i%measureChunk] = c
	}
	a.index, a.dict.ids = nil, nil
	if n := a.ms.n; n > 1<<16 {
		debug.FreeOSMemory() // the index of a large aggregator goes now, before the views grow into its place
	}
	var r Row
	n := a.ms.n
	for ci := range keys {
		m := min(uint32(measureChunk), n-uint32(ci)*measureChunk)
		for j := range m {
			r.Key, r.Measures = a.expand(keys[ci][j]), a.ms.chunks[ci][j]
			fn(&r)
		}
		keys[ci], a.ms.chunks[ci] = nil, nil
	}
	a.ms = measureChunks{}
	a.dict.strs = nil
}

// Rows returns the groups as rows in SortRows order.
func (a *Aggregator) Rows() []Row {
	rows := make([]Row, 0, a.Len())
	a.Each(func(r *Row) { rows = append(rows, *r) })
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
		{a.ServiceTier, b.ServiceTier}, {a.InferenceRegion, b.InferenceRegion},
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
