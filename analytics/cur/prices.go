package cur

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/shopspring/decimal"
)

// PriceFile builds a price file in the book's format from the rates the bill shows (Rates):
// one entry per model, region, scope and tier, effective from the period's first day, its
// source naming the export. Where the book has an entry for the same model, scope, region and
// tier, the written entry is that entry with the billed rates in place of the book's, so
// what the period did not bill (a cache rate, the long-context tier, its threshold) stays as
// the book has it and a report priced with the file prices everything the book did; without
// one, an entry needs both an input and an output rate billed. Rates it cannot write are
// returned as notes. Load the file with --prices: its entries win over the book's for what
// they cover, so reconciling again with it gives no drift on those rates.
func (rc *Reconciliation) PriceFile(exportName string, now time.Time, book RateBook) (*pricing.File, []string) {
	type ek struct{ Model, Region, Scope, Tier string }
	type acc struct {
		std, long pricing.Rates
		hasLong   bool
	}
	m := map[ek]*acc{}
	for _, r := range rc.Rates {
		if r.Mantle || r.Tier == TierReserved || strings.HasPrefix(r.Model, "?") {
			continue
		}
		k := ek{r.Model, r.Region, r.Scope, r.Tier}
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		rates := &a.std
		if r.LongContext {
			rates, a.hasLong = &a.long, true
		}
		v := r.Billed
		switch r.Kind {
		case KindInput:
			rates.Input = &v
		case KindOutput:
			rates.Output = &v
		case KindCacheRead:
			rates.CacheRead = &v
		case KindCacheWrite:
			rates.CacheWrite = &v
		case KindCacheWrite1h:
			rates.CacheWrite1h = &v
		}
	}
	period := rc.Since.Format("2006-01")
	if last := rc.Until.Add(-time.Nanosecond).Format("2006-01"); last != period {
		period += " to " + last
	}
	f := &pricing.File{Version: 1, Currency: "USD", Unit: "per 1M tokens",
		Comment: fmt.Sprintf("Effective rates billed in %s (CUR 2.0 export %s), written by bedrock-usage reconcile --write-prices on %s.", period, exportName, now.UTC().Format(time.DateOnly))}
	var notes []string
	keys := make([]ek, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b ek) int {
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Tier, b.Tier))
	})
	for _, k := range keys {
		a := m[k]
		what := fmt.Sprintf("%s in %s (%s%s)", k.Model, k.Region, k.Scope, tierSuffix(k.Tier))
		var e pricing.Entry
		if base := bookEntry(book, k.Model, k.Scope, k.Region, k.Tier, rc.Since); base != nil {
			e = pricing.Entry{Model: base.Model, Scopes: billScopes(base.Scopes, k.Scope), Tier: base.Tier, Rates: base.Rates,
				LongContextThreshold: base.LongContextThreshold, FlatLongContext: base.FlatLongContext}
			if base.LongContext != nil {
				lc := *base.LongContext
				e.LongContext = &lc
			}
		} else {
			e = pricing.Entry{Model: k.Model, Tier: k.Tier}
			e.Scopes = []pricing.Scope{pricing.ScopeInRegion, pricing.ScopeGeo}
			if k.Scope == ScopeGlobal {
				e.Scopes = []pricing.Scope{pricing.ScopeGlobal}
			}
		}
		overlay(&e.Rates, a.std)
		if a.hasLong {
			if e.LongContext == nil {
				e.LongContext = &pricing.Rates{}
				e.FlatLongContext = false
			}
			overlay(e.LongContext, a.long)
			if e.LongContext.Input == nil || e.LongContext.Output == nil {
				notes = append(notes, what+": long-context rates not written, the bill has no "+missing(*e.LongContext)+" at them")
				e.LongContext, e.LongContextThreshold = nil, 0
			}
		}
		if e.Input == nil || e.Output == nil {
			notes = append(notes, what+": not written, the bill has no "+missing(e.Rates)+" for it and the book no entry")
			continue
		}
		e.Region, e.From, e.Until = []string{k.Region}, rc.Since.Format(time.DateOnly), ""
		e.Source = fmt.Sprintf("CUR 2.0 export %s, billing period %s: unblended cost ÷ usage", exportName, period)
		e.Checked, e.Note = now.UTC().Format(time.DateOnly), ""
		f.Entries = append(f.Entries, e)
	}
	return f, notes
}

// billScopes are the scopes of a book entry that a reconciliation scope covers: regional is
// in-region and geo, global is global; so the entries written for one model and region never
// overlap.
func billScopes(book []pricing.Scope, scope string) []pricing.Scope {
	var out []pricing.Scope
	for _, s := range book {
		if (s == pricing.ScopeGlobal) == (scope == ScopeGlobal) {
			out = append(out, s)
		}
	}
	return out
}

// overlay sets the rates the bill showed over base's.
func overlay(base *pricing.Rates, billed pricing.Rates) {
	for _, p := range []struct{ dst, src **decimal.Decimal }{
		{&base.Input, &billed.Input}, {&base.Output, &billed.Output}, {&base.CacheRead, &billed.CacheRead},
		{&base.CacheWrite, &billed.CacheWrite}, {&base.CacheWrite1h, &billed.CacheWrite1h},
	} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
}

// bookEntry is the book's entry for a reconciliation scope (regional: in-region, else geo).
func bookEntry(book RateBook, model, scope, region, tier string, t time.Time) *pricing.Entry {
	if book == nil {
		return nil
	}
	scopes := []pricing.Scope{pricing.ScopeInRegion, pricing.ScopeGeo}
	if scope == ScopeGlobal {
		scopes = []pricing.Scope{pricing.ScopeGlobal}
	}
	for _, s := range scopes {
		if e, err := book.EntryFor(model, s, region, tier, t); err == nil {
			return e
		}
	}
	return nil
}

func tierSuffix(t string) string {
	if t == "" {
		return ""
	}
	return ", " + t
}

func missing(r pricing.Rates) string {
	switch {
	case r.Input == nil && r.Output == nil:
		return "input or output tokens"
	case r.Input == nil:
		return "input tokens"
	}
	return "output tokens"
}
