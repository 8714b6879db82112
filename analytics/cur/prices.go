package cur

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// PriceFile builds a price file in the book's format from the rates the bill shows (Rates):
// one entry per model, region, scope and tier that has both an input and an output rate,
// effective from the period's first day, its source naming the export. Rates it cannot write
// (no output billed, say) are returned as notes. Load the file with --prices: its entries win
// over the book's for what they cover.
func (rc *Reconciliation) PriceFile(exportName string, now time.Time) (*pricing.File, []string) {
	type ek struct{ Model, Region, Scope, Tier string }
	type acc struct {
		std, long pricing.Rates
		hasLong   bool
	}
	m := map[ek]*acc{}
	for _, r := range rc.Rates {
		if r.Tier == "mantle" || r.Tier == TierReserved || strings.HasPrefix(r.Model, "?") {
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
		if a.std.Input == nil || a.std.Output == nil {
			notes = append(notes, what+": not written, the bill has no "+missing(a.std)+" for it")
			continue
		}
		e := pricing.Entry{Model: k.Model, Region: []string{k.Region}, From: rc.Since.Format(time.DateOnly), Tier: k.Tier, Rates: a.std,
			Source:  fmt.Sprintf("CUR 2.0 export %s, billing period %s: unblended cost ÷ usage", exportName, period),
			Checked: now.UTC().Format(time.DateOnly)}
		if k.Scope == ScopeGlobal {
			e.Scopes = []pricing.Scope{pricing.ScopeGlobal}
		} else {
			e.Scopes = []pricing.Scope{pricing.ScopeInRegion, pricing.ScopeGeo}
		}
		if a.hasLong {
			if a.long.Input != nil && a.long.Output != nil {
				long := a.long
				e.LongContext = &long
			} else {
				notes = append(notes, what+": long-context rates not written, the bill has no "+missing(a.long)+" at them")
			}
		}
		f.Entries = append(f.Entries, e)
	}
	return f, notes
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
