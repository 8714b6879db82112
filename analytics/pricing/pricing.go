// Package pricing prices Bedrock usage: a dated price book (an embedded data file reviewed in
// PRs, with optional user overrides), exact model-id resolution, and cost arithmetic in
// exact decimal. What the book does not know is unpriced, never guessed.
package pricing

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Scope is how a call reached the model: in its own region, through a geographic
// cross-region inference profile, or through a global one.
type Scope string

const (
	ScopeInRegion Scope = "in-region"
	ScopeGeo      Scope = "geo"
	ScopeGlobal   Scope = "global"
)

// Usage is what is priced: one group of calls to one model in one region at one time.
type Usage struct {
	ModelID string // as logged, any form
	Region  string // the region the call was made in (the record's region)
	Time    time.Time
	// LongContext and Over100K say whether the call's input, cache included, was over 200K
	// and over 100K tokens (analytics.Key); the entry's threshold picks one.
	LongContext, Over100K bool
	// ServiceTier is the tier the log says served the calls: "priority", "flex",
	// "default", "reserved", or "" when it does not say (priced as standard).
	ServiceTier string
	// Token counts; InputTokens excludes cache reads and writes.
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
	// CacheWrite1hTokens are the cache writes (part of CacheWriteTokens) that the logged
	// bodies say had a 1-hour TTL: they are priced at the 1-hour rate, the rest at the
	// 5-minute rate.
	CacheWrite1hTokens int64
	// CacheWriteUnknownTTLTokens are the cache writes (part of CacheWriteTokens, priced at
	// the 5-minute rate) whose TTL no body stated; Cost.UnknownTTLMaxExtra is what they would
	// add at the 1-hour rate.
	CacheWriteUnknownTTLTokens int64
}

// Cost is the price of a Usage, by component: CacheWrite is the 5-minute writes,
// CacheWrite1h the 1-hour ones.
type Cost struct {
	Input, Output, CacheRead, CacheWrite, CacheWrite1h, Total decimal.Decimal
	// UnknownTTLMaxExtra is the most the cache writes of unknown TTL would add if they were
	// all 1-hour writes (zero when there are none, or the entry has no 1-hour rate).
	UnknownTTLMaxExtra decimal.Decimal
	Model              string // resolved base model id
	Scope              Scope
	// Tier is the tier whose rates applied ("" standard, "priority", "flex"); LongContext
	// whether the long-context rates did.
	Tier        string
	LongContext bool
}

// UnpricedError says a usage could not be priced (an unknown model, a model without a price
// at that date or in that region, an application inference profile that cannot be resolved).
type UnpricedError struct {
	ModelID, Region string
	Reason          string
	// Model and Scope are the resolved base model and scope when resolution got that far.
	Model string
	Scope Scope
}

func (e *UnpricedError) Error() string {
	return fmt.Sprintf("no price for model %q in %s: %s", e.ModelID, e.Region, e.Reason)
}

//go:embed book.json
var embeddedBook []byte

// EmbeddedFile returns the embedded price book's bytes (for tests and `pricing refresh`).
func EmbeddedFile() []byte { return embeddedBook }

const embeddedName = "book.json"

var (
	embeddedOnce sync.Once
	embeddedIdx  *layer
	embeddedFile *File
	embeddedErr  error
)

func loadEmbedded() (*layer, *File, error) {
	embeddedOnce.Do(func() {
		f, err := ParseFile(embeddedName, embeddedBook)
		if err != nil {
			embeddedErr = fmt.Errorf("embedded price book: %w", err)
			return
		}
		embeddedFile = f
		embeddedIdx = newLayer("embedded book", f)
		embeddedIdx.kind = "embedded"
	})
	return embeddedIdx, embeddedFile, embeddedErr
}

// EmbeddedBook returns the parsed embedded price file.
func EmbeddedBook() (*File, error) {
	_, f, err := loadEmbedded()
	return f, err
}

// Book is a price book: the embedded book, optionally with a user price file layered over it
// and a flat discount. It is safe for concurrent use.
type Book struct {
	layers   []*layer // highest precedence first
	discount decimal.Decimal
	factor   decimal.Decimal // 1 - discount/100
	hasDisc  bool

	profileMap map[string]string
	resolver   ProfileResolver

	models map[string]ModelInfo
	// prefixes are the inference-profile prefixes of every layer; providers the first
	// segments of the model ids they price ("anthropic", "amazon", …), which tell an unknown
	// prefix ("zz.anthropic.claude-…") from a model id.
	prefixes  []string
	providers map[string]bool

	resolved sync.Map // raw model id → *resolution

	warnings []string

	optErr error
}

// Option configures Load.
type Option func(*Book)

// WithOverrideFile layers a user price file (same format as the book) over the embedded
// book: its entries win over the book's for the models, scopes, regions and dates they cover.
func WithOverrideFile(path string) Option {
	return func(b *Book) {
		if b.optErr != nil {
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.optErr = fmt.Errorf("price override file: %w", err)
			return
		}
		f, err := ParseFile(path, data)
		if err != nil {
			b.optErr = fmt.Errorf("price override file: %w", err)
			return
		}
		l := newLayer(path, f)
		l.kind = "override"
		b.layers = append([]*layer{l}, b.layers...)
		b.addFile(f)
	}
}

// WithRefreshedFile layers the file `pricing refresh` saved (see DefaultRefreshedPath) over
// the embedded book, under any WithOverrideFile. A missing file is no error; a file that
// does not parse is left out with a warning (Warnings), so a report still runs on the
// embedded book. Give it before WithOverrideFile.
func WithRefreshedFile(path string) Option {
	return func(b *Book) {
		if b.optErr != nil {
			return
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err == nil {
			var f *File
			if f, err = ParseFile(path, data); err == nil {
				l := newLayer(path, f)
				l.kind = "refreshed"
				b.layers = append([]*layer{l}, b.layers...)
				b.addFile(f)
				return
			}
		}
		b.warnings = append(b.warnings, fmt.Sprintf("refreshed price file %s is ignored (the embedded book prices instead): %v", path, err))
	}
}

// Warnings are problems with price files that were left out (a refreshed file that does not
// parse).
func (b *Book) Warnings() []string { return slices.Clone(b.warnings) }

// RefreshedPathEnv overrides DefaultRefreshedPath.
const RefreshedPathEnv = "BEDROCK_USAGE_REFRESHED_PRICES"

// DefaultRefreshedPath is where `pricing refresh` saves its result and where reports look for
// it: os.UserCacheDir()/bedrock-usage/prices-refreshed.json.
func DefaultRefreshedPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("refreshed prices: %w", err)
	}
	return filepath.Join(dir, "bedrock-usage", "prices-refreshed.json"), nil
}

// WithDiscountPercent applies a flat discount to every computed cost (0 ≤ pct ≤ 100).
func WithDiscountPercent(pct decimal.Decimal) Option {
	return func(b *Book) {
		if b.optErr != nil {
			return
		}
		if pct.IsNegative() || pct.GreaterThan(decimal.NewFromInt(100)) {
			b.optErr = fmt.Errorf("discount %s%%: must be between 0 and 100", pct)
			return
		}
		b.discount = pct
		b.hasDisc = !pct.IsZero()
		b.factor = decimal.NewFromInt(1).Sub(pct.Shift(-2))
	}
}

// Load returns the embedded book with the options applied. The embedded file is parsed once
// per process; each Load builds only what its options add.
func Load(ctx context.Context, opts ...Option) (*Book, error) {
	base, f, err := loadEmbedded()
	if err != nil {
		return nil, err
	}
	b := &Book{layers: []*layer{base}, factor: decimal.NewFromInt(1), models: map[string]ModelInfo{}, providers: map[string]bool{}}
	b.addFile(f)
	for _, o := range opts {
		o(b)
	}
	if b.optErr != nil {
		return nil, b.optErr
	}
	return b, nil
}

// DisplayName is the model's name in the book ("Claude 3 Haiku"), "" when it has none.
func (b *Book) DisplayName(model string) string { return b.models[model].Name }

// addFile adds a layer's model names, profile prefixes and providers.
func (b *Book) addFile(f *File) {
	for id, m := range f.Models {
		b.models[id] = m
	}
	for _, p := range f.ProfilePrefixes {
		if !slices.Contains(b.prefixes, p) {
			b.prefixes = append(b.prefixes, p)
		}
	}
	for _, e := range f.Entries {
		if p, _, ok := strings.Cut(e.Model, "."); ok && !strings.HasPrefix(e.Model, "arn:") {
			b.providers[p] = true
		}
	}
}

// BookInfo describes one price file that applies: what it is and how current.
type BookInfo struct {
	// Kind is "embedded", "refreshed" (saved by pricing refresh) or "override" (--prices).
	Kind string
	// Refreshed is the day a refreshed file was built.
	Refreshed string
	// Name is the file's name ("book.json" for the embedded one).
	Name string
	// Checked is the latest day any of its entries was checked (YYYY-MM-DD), "" if none says.
	Checked string
	Entries int
}

// Books lists the price files that apply, highest precedence first.
func (b *Book) Books() []BookInfo {
	var out []BookInfo
	for _, l := range b.layers {
		info := BookInfo{Kind: l.kind, Name: l.name, Entries: len(l.file.Entries), Refreshed: l.file.Refreshed}
		if l == embeddedIdx {
			info.Kind, info.Name = "embedded", embeddedName
		}
		info.Checked = l.checked
		out = append(out, info)
	}
	return out
}

// newestCheck says how current the book is, for messages.
func (b *Book) newestCheck() string {
	newest := ""
	for _, i := range b.Books() {
		newest = max(newest, i.Checked)
	}
	if newest == "" {
		return "its entries carry no checked date"
	}
	return "its newest entry was checked on " + newest
}

// ProfilePrefixes are the inference-profile prefixes the book prices by.
func (b *Book) ProfilePrefixes() []string { return slices.Clone(b.prefixes) }

// Discount is the flat discount percentage applied to costs.
func (b *Book) Discount() decimal.Decimal { return b.discount }

// HasTiers reports whether the book prices base model at the Priority or Flex tier:
// calls of such a model whose tier the log does not state are priced as standard, and the
// report says how many.
func (b *Book) HasTiers(model string) bool {
	for _, l := range b.layers {
		for k := range l.index {
			if k.model == model && (k.tier == TierPriority || k.tier == TierFlex) {
				return true
			}
		}
	}
	return false
}

// ModelName is the display name of a base model id, or "" when the book does not name it.
func (b *Book) ModelName(base string) string { return b.models[base].Name }

// Cost prices u. It returns an *UnpricedError when the book has no price for it.
func (b *Book) Cost(ctx context.Context, u Usage) (Cost, error) {
	res := b.resolve(ctx, u.ModelID)
	if res.reason != "" {
		return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Reason: res.reason, Model: res.model, Scope: res.scope}
	}
	tier := u.ServiceTier
	switch tier {
	case TierPriority, TierFlex:
	case TierDefault, "":
		tier = ""
	case TierReserved:
		return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
			Reason: "served by the Reserved tier, which is billed as reserved capacity (a commitment), not per token"}
	default:
		return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
			Reason: fmt.Sprintf("service tier %q is not one the price book knows", tier)}
	}
	c, _, _ := b.lookup(res.model, res.scope, u.Region, tier, u.Time)
	if c == nil {
		return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
			Reason: b.missReason(res.model, res.scope, u.Region, tier, u.Time)}
	}
	rs := &c.base
	long := u.LongContext
	if c.entry.threshold() == 100_000 {
		long = u.Over100K
	}
	if long {
		switch {
		case c.hasLong:
			rs = &c.long
		case c.entry.FlatLongContext:
			// the entry declares one rate at any context length
			long = false
		default:
			return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
				Reason: fmt.Sprintf("long-context request (over %dK input tokens) but %s has no long_context rates and does not declare flat_long_context (%s)", c.entry.threshold()/1000, res.model, c.entry.origin)}
		}
	}
	if u.CacheWrite1hTokens < 0 || u.CacheWrite1hTokens > u.CacheWriteTokens ||
		u.CacheWriteUnknownTTLTokens < 0 || u.CacheWriteUnknownTTLTokens > u.CacheWriteTokens-u.CacheWrite1hTokens {
		return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
			Reason: fmt.Sprintf("%d 1-hour and %d unknown-TTL cache-write tokens of %d cache writes", u.CacheWrite1hTokens, u.CacheWriteUnknownTTLTokens, u.CacheWriteTokens)}
	}
	tokens := [nKinds]int64{u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens - u.CacheWrite1hTokens, u.CacheWrite1hTokens}
	for i, n := range tokens {
		if n < 0 {
			return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
				Reason: fmt.Sprintf("negative %s token count %d", costRateNames[i], n)}
		}
		if n > 0 && !rs.has[costRates[i]] {
			return Cost{}, &UnpricedError{ModelID: u.ModelID, Region: u.Region, Model: res.model, Scope: res.scope,
				Reason: fmt.Sprintf("%s has %s tokens but no %s rate (%s)", res.model, costRateNames[i], costRateNames[i], c.entry.origin)}
		}
	}
	out := Cost{Model: res.model, Scope: res.scope, Tier: tier, LongContext: long}
	if n := u.CacheWriteUnknownTTLTokens; n > 0 && rs.has[rCacheWrite] && rs.has[rCacheWrite1h] {
		out.UnknownTTLMaxExtra = rs.dec[rCacheWrite1h].Sub(rs.dec[rCacheWrite]).Mul(decimal.New(n, -6))
		if b.hasDisc {
			out.UnknownTTLMaxExtra = out.UnknownTTLMaxExtra.Mul(b.factor)
		}
	}
	var parts [nKinds]decimal.Decimal
	if sum, ok := rs.fastCost(tokens); ok {
		for i := range parts {
			if sum[i] != 0 { // the zero Decimal is 0 and allocates nothing
				parts[i] = decimal.New(sum[i], -12)
			}
		}
		if !b.hasDisc {
			out.Input, out.Output, out.CacheRead, out.CacheWrite, out.CacheWrite1h = parts[0], parts[1], parts[2], parts[3], parts[4]
			out.Total = decimal.New(sum[nKinds], -12)
			return out, nil
		}
	} else {
		for i, n := range tokens {
			if n > 0 {
				parts[i] = rs.dec[costRates[i]].Mul(decimal.New(n, -6))
			}
		}
	}
	if b.hasDisc {
		for i := range parts {
			parts[i] = parts[i].Mul(b.factor)
		}
	}
	out.Input, out.Output, out.CacheRead, out.CacheWrite, out.CacheWrite1h = parts[0], parts[1], parts[2], parts[3], parts[4]
	out.Total = parts[0].Add(parts[1]).Add(parts[2]).Add(parts[3]).Add(parts[4])
	return out, nil
}

// nKinds is the number of priced token kinds: input, output, cache read, 5-minute and
// 1-hour cache writes.
const nKinds = 5

// rate slots of a rateSet.
const (
	rInput = iota
	rOutput
	rCacheWrite
	rCacheWrite1h
	rCacheRead
	nRates
)

// costRates maps the token kinds of a Usage (input, output, cache read, 5-minute and 1-hour
// cache writes) to the rate that prices them. Cache writes of unknown TTL are priced at the
// 5-minute rate.
var (
	costRates     = [nKinds]int{rInput, rOutput, rCacheRead, rCacheWrite, rCacheWrite1h}
	costRateNames = [nKinds]string{"input", "output", "cache-read", "cache-write", "1-hour cache-write"}
)

// rateSet is a compiled Rates: decimals, and the same rates in picodollars per token when they
// are whole numbers there (every rate with at most 6 decimals in $/MTok), for int arithmetic.
type rateSet struct {
	has  [nRates]bool
	dec  [nRates]decimal.Decimal
	pico [nRates]int64
	fast bool
}

func compileRates(r *Rates) rateSet {
	var rs rateSet
	rs.fast = true
	for i, v := range []*decimal.Decimal{r.Input, r.Output, r.CacheWrite, r.CacheWrite1h, r.CacheRead} {
		if v == nil {
			continue
		}
		rs.has[i] = true
		rs.dec[i] = *v
		p := v.Shift(6)
		if !p.IsInteger() || p.GreaterThan(decimal.NewFromInt(math.MaxInt64)) {
			rs.fast = false
			continue
		}
		rs.pico[i] = p.IntPart()
	}
	return rs
}

// fastCost returns the four parts and their total in picodollars, or false when the rates
// are not whole picodollars or the products would overflow int64.
func (rs *rateSet) fastCost(tokens [nKinds]int64) (sum [nKinds + 1]int64, ok bool) {
	if !rs.fast {
		return sum, false
	}
	for i, n := range tokens {
		p := rs.pico[costRates[i]]
		if n == 0 || p == 0 {
			continue
		}
		if n > math.MaxInt64/p {
			return sum, false
		}
		sum[i] = n * p
		if sum[nKinds] > math.MaxInt64-sum[i] {
			return sum, false
		}
		sum[nKinds] += sum[i]
	}
	return sum, true
}

// compiled is an entry ready for pricing.
type compiled struct {
	entry   *Entry
	layer   *layer
	base    rateSet
	long    rateSet
	hasLong bool
}

// layer is one price file indexed by exact base model id, scope and region.
type layer struct {
	kind string // embedded, refreshed, override
	name string
	// checked is the latest checked date of the file's entries.
	checked string
	file    *File
	index   map[entryKey][]*compiled // sorted by from
}

func newLayer(name string, f *File) *layer {
	l := &layer{name: name, file: f, index: map[entryKey][]*compiled{}}
	for i := range f.Entries {
		e := &f.Entries[i]
		l.checked = max(l.checked, e.Checked)
		c := &compiled{entry: e, layer: l, base: compileRates(&e.Rates)}
		if e.LongContext != nil {
			c.long, c.hasLong = compileRates(e.LongContext), true
		}
		for _, k := range e.keys() {
			l.index[k] = append(l.index[k], c)
		}
	}
	for _, cs := range l.index {
		for i := 1; i < len(cs); i++ {
			for j := i; j > 0 && cs[j].entry.from < cs[j-1].entry.from; j-- {
				cs[j], cs[j-1] = cs[j-1], cs[j]
			}
		}
	}
	return l
}

func (l *layer) at(k entryKey, t int64) *compiled {
	for _, c := range l.index[k] {
		if t >= c.entry.from && t < c.entry.until {
			return c
		}
	}
	return nil
}

// separatePricing reports regions whose prices are not the commercial default: AWS GovCloud
// (US), China and the isolated partitions. Only entries that name them apply there.
func separatePricing(region string) bool {
	return strings.HasPrefix(region, "us-gov-") || strings.HasPrefix(region, "cn-") || strings.HasPrefix(region, "us-iso")
}

// lookup finds the entry that prices model at scope in region at t: an override layer before
// the book, and within a layer a region-specific entry before the all-regions one. It also
// says whether a region-specific entry applied.
func (b *Book) lookup(model string, scope Scope, region, tier string, t time.Time) (*compiled, bool, error) {
	s := t.Unix()
	for _, l := range b.layers {
		if region != "" {
			if c := l.at(entryKey{model, scope, region, tier}, s); c != nil {
				return c, true, nil
			}
		}
		if !separatePricing(region) {
			if c := l.at(entryKey{model, scope, "", tier}, s); c != nil {
				return c, false, nil
			}
		}
	}
	return nil, false, nil
}

// missReason explains why lookup found nothing.
func (b *Book) missReason(model string, scope Scope, region, tier string, t time.Time) string {
	if tier != "" {
		if c, _, _ := b.lookup(model, scope, region, "", t); c != nil {
			return fmt.Sprintf("served by the %s tier, and the price book has no %s-tier price for %s (%s) in %s on %s; its standard price is not used for it (add the tier's rates with --prices)",
				tier, tier, model, scope, region, t.UTC().Format(dateLayout))
		}
	}
	known, scoped, regional := false, false, false
	for _, l := range b.layers {
		for k := range l.index {
			if k.model != model || k.tier != tier {
				continue
			}
			known = true
			if k.scope == scope {
				scoped = true
				if k.region == region || (k.region == "" && !separatePricing(region)) {
					regional = true
				}
			}
		}
	}
	switch {
	case !known:
		return fmt.Sprintf("model %s is not in the price book (%s; a model newer than the book is priced once a newer book knows it: update bedrock-usage, or run bedrock-usage pricing refresh)", model, b.newestCheck())
	case !scoped:
		return fmt.Sprintf("the price book has no %s price for %s", scope, model)
	case !regional && separatePricing(region):
		return fmt.Sprintf("the price book has no price for %s in %s (GovCloud, China and isolated regions need entries of their own)", model, region)
	case !regional:
		return fmt.Sprintf("the price book has no price for %s in %s", model, region)
	default:
		// A price that ended says so without the call's date, so that every later call of the
		// model shares one reason (one line of the report's unpriced list, not one a day).
		if e := b.lastEnded(model, scope, region, tier, t); e != nil {
			msg := fmt.Sprintf("the price book's %s price for %s ended on %s", scope, model, e.Until)
			if i := strings.Index(e.Note, "Ends "+e.Until+":"); i >= 0 {
				msg += ": " + strings.TrimSpace(e.Note[i+len("Ends "+e.Until+":"):])
			}
			return msg
		}
		return fmt.Sprintf("the price book has no %s price for %s in effect on %s", scope, model, t.UTC().Format(dateLayout))
	}
}

// lastEnded is the entry for model, scope and tier (in region or every region) that ended
// last before t, or nil.
func (b *Book) lastEnded(model string, scope Scope, region, tier string, t time.Time) *Entry {
	var last *Entry
	s := t.Unix()
	for _, l := range b.layers {
		for _, r := range []string{region, ""} {
			for _, c := range l.index[entryKey{model, scope, r, tier}] {
				if c.entry.until <= s && (last == nil || c.entry.until > last.until) {
					last = c.entry
				}
			}
		}
	}
	return last
}

var errNoResolver = errors.New("no profile map entry and no inference-profile resolver")
