package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// File is a price file: the embedded book, a user override file, or the output of
// `pricing refresh`. All share this format (see README, "How to add a model price").
type File struct {
	Version  int    `json:"version"`
	Currency string `json:"currency,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Comment  string `json:"comment,omitempty"`
	// Refreshed is the day `pricing refresh` built the file (YYYY-MM-DD); empty for the
	// embedded book and hand-written files.
	Refreshed string `json:"refreshed,omitempty"`
	// Models names the base model ids and, for refresh, the product names the AWS Price List
	// uses for them (matched exactly).
	Models map[string]ModelInfo `json:"models,omitempty"`
	// ProfilePrefixes are the prefixes of system inference profile ids ("us", "eu",
	// "global", …) that the file's prices cover: a modelId "us.anthropic.…" is the geo scope of
	// "anthropic.…". Files layered over the book add to its list.
	ProfilePrefixes []string `json:"profile_prefixes,omitempty"`
	Entries         []Entry  `json:"entries"`
	// Guardrails price guardrail policy units (see GuardrailEntry).
	Guardrails []GuardrailEntry `json:"guardrails,omitempty"`
}

// ModelInfo describes a base model.
type ModelInfo struct {
	Name           string   `json:"name,omitempty"`
	PriceListNames []string `json:"price_list_names,omitempty"`
}

// Entry is one dated price of one base model for some inference scopes, in every
// commercial region (Regions empty) or in the listed regions only.
type Entry struct {
	Model  string   `json:"model"`
	Scopes []Scope  `json:"scopes"`
	Region []string `json:"regions,omitempty"`
	From   string   `json:"from"`
	Until  string   `json:"until,omitempty"`
	// Tier is the service tier the entry prices: "" for standard (what a call logged with
	// tier "default", or with none, is billed at), "priority" or "flex"; or "batch", the
	// batch inference rate.
	Tier string `json:"tier,omitempty"`
	Rates
	// LongContext are the rates of a request over LongContextThreshold input tokens (cache
	// included), for models with a long-context tier (Sonnet 4, 4.5; Haiku 5.5 over 100K).
	LongContext *Rates `json:"long_context,omitempty"`
	// LongContextThreshold is where LongContext starts: 200000 (the default, when 0) or
	// 100000, the two thresholds the grain carries.
	LongContextThreshold int64 `json:"long_context_threshold,omitempty"`
	// FlatLongContext declares that the model has no long-context tier: a request over 200K
	// input tokens is priced at the standard rates. Without it (and without LongContext) such
	// a request is unpriced, never assumed flat.
	FlatLongContext bool   `json:"flat_long_context,omitempty"`
	Source          string `json:"source,omitempty"`
	Checked         string `json:"checked,omitempty"`
	Note            string `json:"note,omitempty"`

	// where the entry was read: file name and line, for messages.
	origin string
	from   int64 // unix seconds, inclusive
	until  int64 // unix seconds, exclusive; maxTime when open
}

// Rates are USD per million tokens. A nil rate is one the book does not know: tokens of
// that kind make the usage unpriced.
type Rates struct {
	Input        *decimal.Decimal `json:"input"`
	Output       *decimal.Decimal `json:"output"`
	CacheWrite   *decimal.Decimal `json:"cache_write,omitempty"`
	CacheWrite1h *decimal.Decimal `json:"cache_write_1h,omitempty"`
	CacheRead    *decimal.Decimal `json:"cache_read,omitempty"`
}

// Service tiers an entry can price (Entry.Tier). A call logged with tier "default" is a
// standard call; "reserved" is billed as reserved capacity, never per token.
const (
	TierPriority = "priority"
	TierFlex     = "flex"
	TierDefault  = "default"
	TierReserved = "reserved"
	// TierBatch prices batch inference jobs. They are not in model invocation logs, so no
	// report prices a call with it; pricing explain --tier batch shows it.
	TierBatch = "batch"
)

// Threshold is the input size (cache included) above which the entry's LongContext rates
// apply.
func (e *Entry) Threshold() int64 { return e.threshold() }

func (e *Entry) threshold() int64 {
	if e.LongContextThreshold == 0 {
		return 200_000
	}
	return e.LongContextThreshold
}

// Origin says where the entry was read ("book.json:123", "prices.json:7").
func (e *Entry) Origin() string { return e.origin }

// EffectiveFrom and EffectiveUntil are the entry's date range (Until zero when open).
func (e *Entry) EffectiveFrom() time.Time { return time.Unix(e.from, 0).UTC() }

// EffectiveUntil is the first instant the entry no longer applies; zero when open-ended.
func (e *Entry) EffectiveUntil() time.Time {
	if e.until == maxTime {
		return time.Time{}
	}
	return time.Unix(e.until, 0).UTC()
}

// Covers reports whether the entry is in effect at t.
func (e *Entry) Covers(t time.Time) bool {
	s := t.Unix()
	return s >= e.from && s < e.until
}

const maxTime = int64(1<<63 - 1)

const dateLayout = "2006-01-02"

// ParseFile reads a price file. name is used in messages. Every entry is validated: an
// error names the file, the line of the entry and the field.
func ParseFile(name string, data []byte) (*File, error) {
	f := &File{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	lineOf := func(off int64) int { return 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n")) }
	elementLine := func(off int64) int { return lineOf(skipSeparators(data, off)) }
	syntax := func(err error) error {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("%s:%d: %w", name, lineOf(se.Offset), err)
		case errors.As(err, &te):
			return fmt.Errorf("%s:%d: field %s: %w", name, lineOf(te.Offset), te.Field, err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("%s: unexpected end of file", name)
		}
		return fmt.Errorf("%s:%d: %w", name, lineOf(dec.InputOffset()), err)
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, syntax(err)
	}
	sawEntries := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			err = dec.Decode(&f.Version)
		case "currency":
			err = dec.Decode(&f.Currency)
		case "unit":
			err = dec.Decode(&f.Unit)
		case "comment":
			err = dec.Decode(&f.Comment)
		case "refreshed":
			err = dec.Decode(&f.Refreshed)
		case "models":
			err = dec.Decode(&f.Models)
		case "profile_prefixes":
			err = dec.Decode(&f.ProfilePrefixes)
		case "entries":
			sawEntries = true
			err = eachElement(dec, func(line int) error {
				var e Entry
				if err := dec.Decode(&e); err != nil {
					return err
				}
				e.origin = fmt.Sprintf("%s:%d", name, line)
				f.Entries = append(f.Entries, e)
				return nil
			}, elementLine)
		case "guardrails":
			err = eachElement(dec, func(line int) error {
				var g GuardrailEntry
				if err := dec.Decode(&g); err != nil {
					return err
				}
				g.origin = fmt.Sprintf("%s:%d", name, line)
				f.Guardrails = append(f.Guardrails, g)
				return nil
			}, elementLine)
		default:
			return nil, fmt.Errorf("%s:%d: unknown field %q (want version, currency, unit, comment, refreshed, models, profile_prefixes, entries, guardrails)", name, lineOf(dec.InputOffset()), key)
		}
		if err != nil {
			return nil, syntax(err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, syntax(err)
	}
	for _, p := range f.ProfilePrefixes {
		if !prefixRE.MatchString(p) {
			return nil, fmt.Errorf("%s: profile_prefixes: %q is not a prefix (lower-case letters, optionally -letters: us, us-gov)", name, p)
		}
	}
	if !sawEntries {
		return nil, fmt.Errorf("%s: no \"entries\" array", name)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported (want 1)", name, f.Version)
	}
	if f.Currency != "" && f.Currency != "USD" {
		return nil, fmt.Errorf("%s: currency %q is not supported (prices are USD)", name, f.Currency)
	}
	for i := range f.Entries {
		if err := f.Entries[i].validate(); err != nil {
			return nil, fmt.Errorf("%s: entry %d (%s): %w", f.Entries[i].origin, i, f.Entries[i].Model, err)
		}
	}
	if err := checkOverlaps(f.Entries); err != nil {
		return nil, err
	}
	for i := range f.Guardrails {
		if err := f.Guardrails[i].validate(); err != nil {
			return nil, fmt.Errorf("%s: guardrail entry %d (%s): %w", f.Guardrails[i].origin, i, f.Guardrails[i].Policy, err)
		}
	}
	if err := checkGuardrailOverlaps(f.Guardrails); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// dateRange reads an entry's from and until dates (until optional and after from) as unix
// seconds, until maxTime when open.
func dateRange(from, until string) (int64, int64, error) {
	f, err := time.Parse(dateLayout, from)
	if err != nil {
		return 0, 0, fmt.Errorf("from: %q is not a YYYY-MM-DD date", from)
	}
	if until == "" {
		return f.Unix(), maxTime, nil
	}
	u, err := time.Parse(dateLayout, until)
	if err != nil {
		return 0, 0, fmt.Errorf("until: %q is not a YYYY-MM-DD date", until)
	}
	if !u.After(f) {
		return 0, 0, fmt.Errorf("until: %s is not after from %s", until, from)
	}
	return f.Unix(), u.Unix(), nil
}

// prefixRE is the shape of an inference-profile prefix.
var prefixRE = regexp.MustCompile(`^[a-z]{2,8}(-[a-z]{2,8})?$`)

// eachElement decodes a JSON array element by element: decode reads one, given the line it
// starts on (lineAt turns the decoder's offset, the end of the previous token, into it).
func eachElement(dec *json.Decoder, decode func(line int) error, lineAt func(off int64) int) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		if err := decode(lineAt(dec.InputOffset())); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

// skipSeparators moves an offset past white space and a comma, to where the next element
// starts (so an entry's line is its own, not the previous one's).
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,", rune(data[off])) {
		off++
	}
	return off
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("expected %q, found %v", d, tok)
	}
	return nil
}

func (e *Entry) validate() error {
	if strings.TrimSpace(e.Model) == "" {
		return errors.New("model: empty")
	}
	if strings.TrimSpace(e.Model) != e.Model {
		return fmt.Errorf("model: %q has surrounding spaces", e.Model)
	}
	if len(e.Scopes) == 0 {
		return errors.New("scopes: empty (want some of in-region, geo, global)")
	}
	seen := map[Scope]bool{}
	for _, s := range e.Scopes {
		switch s {
		case ScopeInRegion, ScopeGeo, ScopeGlobal:
		default:
			return fmt.Errorf("scopes: %q is not in-region, geo or global", s)
		}
		if seen[s] {
			return fmt.Errorf("scopes: %q listed twice", s)
		}
		seen[s] = true
	}
	for _, r := range e.Region {
		if r == "" || strings.TrimSpace(r) != r {
			return fmt.Errorf("regions: %q is not a region", r)
		}
	}
	var err error
	if e.from, e.until, err = dateRange(e.From, e.Until); err != nil {
		return err
	}
	if err := e.Rates.validate(""); err != nil {
		return err
	}
	switch e.Tier {
	case "", TierPriority, TierFlex, TierBatch:
	default:
		return fmt.Errorf("tier: %q is not a priced service tier (want %q, %q or %q; standard entries have none)", e.Tier, TierPriority, TierFlex, TierBatch)
	}
	switch e.LongContextThreshold {
	case 0, 200_000:
	case 100_000:
		if e.LongContext == nil {
			return errors.New("long_context_threshold: set without long_context rates")
		}
	default:
		return fmt.Errorf("long_context_threshold: %d is not a threshold the report carries (100000 or 200000)", e.LongContextThreshold)
	}
	if e.LongContext != nil {
		if e.FlatLongContext {
			return errors.New("flat_long_context: true with long_context rates (an entry has a long-context tier or declares it has none, not both)")
		}
		if err := e.LongContext.validate("long_context."); err != nil {
			return err
		}
	}
	if e.Checked != "" {
		if _, err := time.Parse(dateLayout, e.Checked); err != nil {
			return fmt.Errorf("checked: %q is not a YYYY-MM-DD date", e.Checked)
		}
	}
	return nil
}

func (r *Rates) validate(prefix string) error {
	// An input price without an output price (or the reverse) is an incomplete entry: refuse
	// it rather than price the missing half at zero.
	if r.Input == nil {
		return fmt.Errorf("%sinput: missing (every entry needs input and output rates)", prefix)
	}
	if r.Output == nil {
		return fmt.Errorf("%soutput: missing (every entry needs input and output rates)", prefix)
	}
	for _, f := range r.fields() {
		if f.v != nil && f.v.IsNegative() {
			return fmt.Errorf("%s%s: negative rate %s", prefix, f.name, f.v)
		}
	}
	return nil
}

type namedRate struct {
	name string
	v    *decimal.Decimal
}

func (r *Rates) fields() []namedRate {
	return []namedRate{
		{"input", r.Input}, {"output", r.Output}, {"cache_write", r.CacheWrite},
		{"cache_write_1h", r.CacheWrite1h}, {"cache_read", r.CacheRead},
	}
}

// entryKey is one cell of the index: exact base model id, scope and region ("" for the
// entry that applies to every commercial region).
type entryKey struct {
	model  string
	scope  Scope
	region string
	tier   string
}

func (e *Entry) keys() []entryKey {
	regions := e.Region
	if len(regions) == 0 {
		regions = []string{""}
	}
	var ks []entryKey
	for _, s := range e.Scopes {
		for _, r := range regions {
			ks = append(ks, entryKey{e.Model, s, r, e.Tier})
		}
	}
	return ks
}

// checkOverlaps fails when two entries apply to the same model, scope and region on the
// same date: the book must give exactly one price.
func checkOverlaps(entries []Entry) error {
	byKey := map[entryKey][]*Entry{}
	for i := range entries {
		for _, k := range entries[i].keys() {
			byKey[k] = append(byKey[k], &entries[i])
		}
	}
	keys := make([]entryKey, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.model != b.model {
			return a.model < b.model
		}
		if a.scope != b.scope {
			return a.scope < b.scope
		}
		return a.region < b.region
	})
	for _, k := range keys {
		es := byKey[k]
		sort.SliceStable(es, func(i, j int) bool { return es[i].from < es[j].from })
		for i := 1; i < len(es); i++ {
			if es[i].from < es[i-1].until {
				where := "every commercial region"
				if k.region != "" {
					where = k.region
				}
				return fmt.Errorf("%s and %s overlap: both price %s (%s, %s) on %s",
					es[i-1].origin, es[i].origin, k.model, k.scope, where, es[i].From)
			}
		}
	}
	return nil
}

// Marshal writes f in the book's format (indented JSON, one entry per object).
func (f *File) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Validate checks a rate set as the book's loader does: input and output present, no
// negative rate; prefix goes before field names in the message ("long_context.").
func (r *Rates) Validate(prefix string) error { return r.validate(prefix) }
