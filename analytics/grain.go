package analytics

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// The grain's measures, written once. Everything that sums, reads, writes or prices a
// measure walks MeasureDefs: the Aggregator (Measures.Add), the local engine (MeasuresOf),
// the Athena SQL (each measure's Field, summed under its Name) and its result reader, the
// CSV and JSON columns and the table headings. A new measure is a new field of Measures and
// a new entry here.

// Measures are the summed quantities of a group.
type Measures struct {
	Calls            int64
	InputTokens      int64 // uncached input tokens (inputTokenCount)
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64 // every cache write, whatever its TTL
	// CacheWrite1hTokens are the cache writes that the logged body says were 1-hour writes.
	CacheWrite1hTokens int64
	// CacheWriteUnknownTTLTokens are the cache writes of calls whose body did not say (text
	// delivery off, a body offloaded to a data/ object, a body of another shape).
	CacheWriteUnknownTTLTokens int64
	// Guardrail are the guardrail policy units the logged response traces state, by
	// invocationlog.GuardrailPolicies index (priced apart from the model's tokens); nil when
	// there are none, which is almost always: a group pays 8 bytes for them, not 64.
	Guardrail *invocationlog.GuardrailUnits
}

// GuardrailValues are the guardrail units, zero when there are none.
func (m *Measures) GuardrailValues() invocationlog.GuardrailUnits {
	if m.Guardrail == nil {
		return invocationlog.GuardrailUnits{}
	}
	return *m.Guardrail
}

// MeasureDef describes one measure of the grain.
type MeasureDef struct {
	// Name is the measure's JSON key, CSV column and SQL result column: "input_tokens".
	Name string
	// Title is its table heading: "Input".
	Title string
	// Field is the log record field whose value (null or absent: 0) a record adds, as a
	// dotted path of the JSON names ("input.inputTokenCount"); empty for Calls, to which
	// every record adds one.
	Field string
	// Short is a short name of the per-record value, for query text ("in_tok").
	Short string
	// Tokens marks token counts: they are priced, and summed into Totals.Tokens.
	Tokens bool
	// ContextInput marks the token counts that make up a request's input for the
	// long-context tier (uncached input, cache reads and cache writes).
	ContextInput bool
	// Body marks a measure read from the logged response body rather than a field of the
	// record: each engine computes it from its own reading of the body (the local engine
	// from the decoder's CacheTTL, the Athena engine with SQL over the body's text, held to
	// the same answers by the DuckDB equivalence tests).
	Body bool
	// Detail marks a measure that refines another (the TTL split of cache writes) or is
	// priced apart (guardrail units): JSON and CSV carry it, the human formats state it in
	// their summary instead of a column.
	Detail bool
	// Guardrail is the invocationlog.GuardrailPolicies index + 1 of a guardrail-units
	// measure; 0 for the others.
	Guardrail int

	of func(r *invocationlog.Record) int64
	// slot is the measure's index in MeasureDefs (see Measures.plain).
	slot int
	// ptr points at the measure in m, allocating what holds it when needed (Set); val reads
	// it without allocating (nil for the plain fields: *ptr is read).
	ptr func(m *Measures) *int64
	val func(m *Measures) int64
}

// Of is one record's value of the measure.
func (d *MeasureDef) Of(r *invocationlog.Record) int64 { return d.of(r) }

// Get returns the measure's value in m. It reads the field directly (not through ptr or
// val, which would make every Measures it is given escape to the heap: an allocation per
// record and per report line).
func (d *MeasureDef) Get(m *Measures) int64 {
	if d.Guardrail > 0 {
		if m.Guardrail == nil {
			return 0
		}
		return m.Guardrail[d.Guardrail-1]
	}
	return m.plain(d.slot)
}

// plain is the plain (not guardrail) measure at index i of MeasureDefs.
func (m *Measures) plain(i int) int64 {
	switch i {
	case 0:
		return m.Calls
	case 1:
		return m.InputTokens
	case 2:
		return m.OutputTokens
	case 3:
		return m.CacheReadTokens
	case 4:
		return m.CacheWriteTokens
	case 5:
		return m.CacheWrite1hTokens
	case 6:
		return m.CacheWriteUnknownTTLTokens
	}
	panic("analytics: no plain measure " + strconv.Itoa(i))
}

// setPlain sets the plain measure at index i of MeasureDefs.
func (m *Measures) setPlain(i int, v int64) {
	switch i {
	case 0:
		m.Calls = v
	case 1:
		m.InputTokens = v
	case 2:
		m.OutputTokens = v
	case 3:
		m.CacheReadTokens = v
	case 4:
		m.CacheWriteTokens = v
	case 5:
		m.CacheWrite1hTokens = v
	case 6:
		m.CacheWriteUnknownTTLTokens = v
	default:
		panic("analytics: no plain measure " + strconv.Itoa(i))
	}
}

// measureIndex is the index in MeasureDefs of each measure name.
var measureIndex = func() map[string]int {
	idx := make(map[string]int, len(MeasureDefs))
	for i := range MeasureDefs {
		MeasureDefs[i].slot = i
		idx[MeasureDefs[i].Name] = i
	}
	return idx
}()

// Set sets the measure's value in m.
func (d *MeasureDef) Set(m *Measures, v int64) {
	if v == 0 && d.val != nil && d.val(m) == 0 {
		return // nothing to hold: allocate nothing
	}
	*d.ptr(m) = v
}

// MeasureDefs are the grain's measures, in the order of every column list.
var MeasureDefs = append([]MeasureDef{
	{Name: "calls", Title: "Calls",
		of: func(*invocationlog.Record) int64 { return 1 }, ptr: func(m *Measures) *int64 { return &m.Calls }},
	{Name: "input_tokens", Title: "Input", Field: "input.inputTokenCount", Short: "in_tok", Tokens: true, ContextInput: true,
		of:  func(r *invocationlog.Record) int64 { return r.Input.InputTokenCount },
		ptr: func(m *Measures) *int64 { return &m.InputTokens }},
	{Name: "output_tokens", Title: "Output", Field: "output.outputTokenCount", Short: "out_tok", Tokens: true,
		of:  func(r *invocationlog.Record) int64 { return r.Output.OutputTokenCount },
		ptr: func(m *Measures) *int64 { return &m.OutputTokens }},
	{Name: "cache_read_tokens", Title: "Cache read", Field: "input.cacheReadInputTokenCount", Short: "cr_tok", Tokens: true, ContextInput: true,
		of:  func(r *invocationlog.Record) int64 { return r.Input.CacheReadInputTokenCount },
		ptr: func(m *Measures) *int64 { return &m.CacheReadTokens }},
	{Name: "cache_write_tokens", Title: "Cache write", Field: "input.cacheWriteInputTokenCount", Short: "cw_tok", Tokens: true, ContextInput: true,
		of:  func(r *invocationlog.Record) int64 { return r.Input.CacheWriteInputTokenCount },
		ptr: func(m *Measures) *int64 { return &m.CacheWriteTokens }},
	{Name: "cache_write_1h_tokens", Title: "Cache write 1h", Short: "cw1h_tok", Body: true, Detail: true,
		of:  func(r *invocationlog.Record) int64 { return cacheTTL(r).OneHour },
		ptr: func(m *Measures) *int64 { return &m.CacheWrite1hTokens }},
	{Name: "cache_write_ttl_unknown_tokens", Title: "Cache write, TTL unknown", Short: "cwu_tok", Body: true, Detail: true,
		of: func(r *invocationlog.Record) int64 {
			if cacheTTL(r).Known {
				return 0
			}
			return r.Input.CacheWriteInputTokenCount
		},
		ptr: func(m *Measures) *int64 { return &m.CacheWriteUnknownTTLTokens }},
}, guardrailMeasures()...)

// ResolveCacheTTL applies a cache-write split read later from a call's body (an offloaded
// body object) to that one call's measures, whose writes were of unknown TTL. It reports
// whether the split resolved them: it must account for the call's writes exactly, as a
// logged body's split must.
func (m *Measures) ResolveCacheTTL(c invocationlog.CacheTTL) bool {
	if m.Calls != 1 || m.CacheWriteUnknownTTLTokens != m.CacheWriteTokens || !splitFits(c, m.CacheWriteTokens) {
		return false
	}
	m.CacheWrite1hTokens, m.CacheWriteUnknownTTLTokens = c.OneHour, 0
	return true
}

// guardrailMeasures are one measure per guardrail policy: guardrail_content_units, …
func guardrailMeasures() []MeasureDef {
	defs := make([]MeasureDef, 0, invocationlog.NGuardrailPolicies)
	for i, p := range invocationlog.GuardrailPolicies {
		defs = append(defs, MeasureDef{
			Name: "guardrail_" + p.Name + "_units", Title: "Guardrail " + strings.ReplaceAll(p.Name, "_", " ") + " units",
			Short: "gr_" + p.Name, Body: true, Detail: true, Guardrail: i + 1,
			of: func(r *invocationlog.Record) int64 { return r.Output.Guardrail[i] },
			ptr: func(m *Measures) *int64 {
				if m.Guardrail == nil {
					m.Guardrail = new(invocationlog.GuardrailUnits)
				}
				return &m.Guardrail[i]
			},
			val: func(m *Measures) int64 {
				if m.Guardrail == nil {
					return 0
				}
				return m.Guardrail[i]
			},
		})
	}
	return defs
}

// GuardrailUnits is the sum of a call's guardrail units of every policy.
func (m Measures) GuardrailUnits() int64 {
	var n int64
	if m.Guardrail != nil {
		for _, u := range m.Guardrail {
			n += u
		}
	}
	return n
}

// cacheTTL is the record's cache-write split when its body stated one that accounts for
// its cache writes exactly; otherwise the split is unknown.
func cacheTTL(r *invocationlog.Record) invocationlog.CacheTTL {
	if c := r.Output.CacheTTL; splitFits(c, r.Input.CacheWriteInputTokenCount) {
		return c
	}
	return invocationlog.CacheTTL{}
}

// splitFits reports whether a stated split accounts for a call's cache writes exactly: only
// then does it price them.
func splitFits(c invocationlog.CacheTTL, writes int64) bool {
	return c.Known && c.OneHour+c.FiveMinutes == writes
}

// FailedCallsColumn names the calls of failed groups, a column derived from the grain's
// outcome (Key.ErrorCode) rather than summed from records; report columns put it right
// after calls.
var FailedCallsColumn = Column{Name: "failed_calls", Title: "Failed"}

// Column is a measure column of a report line: its JSON key and CSV column, and its
// table heading.
type Column struct {
	Name, Title string
}

// MeasureColumns are the measure columns of every report line, in order: calls, failed
// calls, then the other measures. Cost and unpriced calls follow them in every format.
func MeasureColumns() []Column { return slices.Clip(allColumns) }

// SummaryColumns are the measure columns of the human formats: MeasureColumns without the
// detail measures.
func SummaryColumns() []Column { return slices.Clip(summaryColumns) }

// The column lists, built once: renderers ask for them on every line.
var allColumns, summaryColumns = measureColumns(true), measureColumns(false)

func measureColumns(detail bool) []Column {
	cols := make([]Column, 0, len(MeasureDefs)+1)
	for i, d := range MeasureDefs {
		if d.Detail && !detail {
			continue
		}
		cols = append(cols, Column{Name: d.Name, Title: d.Title})
		if i == 0 {
			cols = append(cols, FailedCallsColumn)
		}
	}
	return cols
}

// Add adds o to m and reports whether a sum overflowed int64 (the sums are then wrong: the
// caller reports an error naming the group, never the wrapped number). It is written out,
// as it runs once per record: TestMeasuresAddCoversEveryMeasure holds it to MeasureDefs.
func (m *Measures) Add(o Measures) (overflow bool) {
	add := func(p *int64, v int64) {
		s := *p + v
		// Signed overflow: both operands of one sign and a result of the other.
		if (v > 0 && s < *p) || (v < 0 && s > *p) {
			overflow = true
		}
		*p = s
	}
	add(&m.Calls, o.Calls)
	add(&m.InputTokens, o.InputTokens)
	add(&m.OutputTokens, o.OutputTokens)
	add(&m.CacheReadTokens, o.CacheReadTokens)
	add(&m.CacheWriteTokens, o.CacheWriteTokens)
	add(&m.CacheWrite1hTokens, o.CacheWrite1hTokens)
	add(&m.CacheWriteUnknownTTLTokens, o.CacheWriteUnknownTTLTokens)
	// The token total (Tokens) must fit too. While every token measure is below 2^59 the
	// six cannot sum past 2^63, so the checked sum runs only for huge values (or negative
	// ones, which the uint64 view turns huge).
	if uint64(m.InputTokens|m.OutputTokens|m.CacheReadTokens|m.CacheWriteTokens|m.CacheWrite1hTokens|m.CacheWriteUnknownTTLTokens) >= 1<<59 {
		if _, ok := m.checkedSum(func(d *MeasureDef) bool { return d.Tokens }); !ok {
			overflow = true
		}
	}
	if o.Guardrail != nil {
		if m.Guardrail == nil {
			m.Guardrail = new(invocationlog.GuardrailUnits)
		}
		for i, u := range o.Guardrail {
			add(&m.Guardrail[i], u)
		}
	}
	return overflow
}

// Tokens is the sum of the token measures.
func (m Measures) Tokens() int64 { return m.sum(func(d *MeasureDef) bool { return d.Tokens }) }

// ContextInputTokens is the input that decides the long-context tier.
func (m Measures) ContextInputTokens() int64 {
	return m.sum(func(d *MeasureDef) bool { return d.ContextInput })
}

// sum adds the measures that which picks.
func (m Measures) sum(which func(*MeasureDef) bool) int64 {
	n, _ := m.checkedSum(which)
	return n
}

// checkedSum is sum, and false when it does not fit in an int64.
func (m Measures) checkedSum(which func(*MeasureDef) bool) (int64, bool) {
	var n int64
	ok := true
	for i := range MeasureDefs {
		if d := &MeasureDefs[i]; which(d) {
			v := d.Get(&m)
			s := n + v
			if (v > 0 && s < n) || (v < 0 && s > n) {
				ok = false
			}
			n = s
		}
	}
	return n, ok
}

// OverLongContext reports whether one call's measures put it over the long-context threshold.
func (m Measures) OverLongContext() bool {
	return m.ContextInputTokens() > invocationlog.LongContextThreshold
}

// OverLongContext100K reports whether one call's measures put it over the 100K long-context threshold.
func (m Measures) OverLongContext100K() bool {
	return m.ContextInputTokens() > invocationlog.LongContextThreshold100K
}

// MeasuresOf is one call's measures.
func MeasuresOf(r *invocationlog.Record) Measures {
	var m Measures
	for i := range MeasureDefs {
		if d := &MeasureDefs[i]; d.Guardrail == 0 {
			m.setPlain(i, d.of(r))
		}
	}
	if r.Output.Guardrail != (invocationlog.GuardrailUnits{}) {
		g := r.Output.Guardrail // allocated only when there are units
		m.Guardrail = &g
	}
	return m
}

// Value is the value of a report column in t (not cost).
func (t Totals) Value(c Column) int64 {
	if c == FailedCallsColumn {
		return t.FailedCalls
	}
	if i, ok := measureIndex[c.Name]; ok {
		return MeasureDefs[i].Get(&t.Measures)
	}
	return 0
}
