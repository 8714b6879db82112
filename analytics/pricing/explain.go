package pricing

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Explanation says how a model id is priced: what it resolved to, which entry applied and why.
type Explanation struct {
	ModelID    string
	Model      string // resolved base model id
	Name       string // display name from the book, if any
	Scope      Scope
	Region     string
	At         time.Time
	Resolution string // how the model id was parsed or resolved
	Entry      *Entry // the entry that applies
	Layer      string // "embedded book" or the override file's path
	Why        string // why this entry (layer, region, dates)
}

// Explain resolves modelID and finds the entry that prices it in region at t. It returns an
// *UnpricedError (with whatever was resolved) when there is none.
func (b *Book) Explain(ctx context.Context, modelID, region string, t time.Time) (*Explanation, error) {
	return b.ExplainTier(ctx, modelID, region, "", t)
}

// ExplainTier is Explain for a call served by a service tier: "" (standard), TierPriority
// or TierFlex.
func (b *Book) ExplainTier(ctx context.Context, modelID, region, tier string, t time.Time) (*Explanation, error) {
	r := b.resolve(ctx, modelID)
	ex := &Explanation{ModelID: modelID, Model: r.model, Scope: r.scope, Region: region, At: t, Resolution: r.how, Name: b.ModelName(r.model)}
	if r.reason != "" {
		return ex, &UnpricedError{ModelID: modelID, Region: region, Reason: r.reason, Model: r.model, Scope: r.scope}
	}
	c, regional, _ := b.lookup(r.model, r.scope, region, tier, t)
	if c == nil {
		return ex, &UnpricedError{ModelID: modelID, Region: region, Model: r.model, Scope: r.scope,
			Reason: b.missReason(r.model, r.scope, region, tier, t)}
	}
	ex.Entry, ex.Layer = c.entry, c.layer.name
	where := "the entry for every commercial region"
	if regional {
		where = "the entry for " + region
	}
	until := "open-ended"
	if c.entry.Until != "" {
		until = "until " + c.entry.Until + " (exclusive)"
	}
	kind := map[string]string{"embedded": "embedded book", "refreshed": "refreshed price file", "override": "override file"}[c.layer.kind]
	ex.Why = fmt.Sprintf("%s (%s): %s, scope %s, effective from %s, %s; in effect on %s",
		kind, c.entry.origin, where, r.scope, c.entry.From, until, t.UTC().Format(dateLayout))
	if len(b.layers) > 1 && c.layer != b.layers[0] {
		ex.Why += "; the files above it have no entry for it"
	}
	return ex, nil
}

// Listing is one entry of a book listing with the layer it comes from.
type Listing struct {
	Entry *Entry
	Layer string
	Name  string
}

// Entries lists the book's entries (override layers first, as they take precedence), those
// in effect at t only when t is not zero, sorted by model, scope and region.
func (b *Book) Entries(t time.Time) []Listing {
	var out []Listing
	for _, l := range b.layers {
		for i := range l.file.Entries {
			e := &l.file.Entries[i]
			if !t.IsZero() && !e.Covers(t) {
				continue
			}
			out = append(out, Listing{Entry: e, Layer: l.name, Name: b.ModelName(e.Model)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, c := out[i].Entry, out[j].Entry
		if a.Model != c.Model {
			return a.Model < c.Model
		}
		if a.Scopes[0] != c.Scopes[0] {
			return a.Scopes[0] < c.Scopes[0]
		}
		return a.from < c.from
	})
	return out
}

// EntryFor is the entry that prices base model model at scope in region for tier ("" for
// standard) at t, or an *UnpricedError saying why there is none. Reconciling a bill uses it:
// the bill names a base model and a scope, not a logged model id.
func (b *Book) EntryFor(model string, scope Scope, region, tier string, t time.Time) (*Entry, error) {
	c, _, _ := b.lookup(model, scope, region, tier, t)
	if c == nil {
		return nil, &UnpricedError{ModelID: model, Region: region, Model: model, Scope: scope,
			Reason: b.missReason(model, scope, region, tier, t)}
	}
	return c.entry, nil
}

// ModelByPriceListName maps a name the AWS Price List (and so the Cost and Usage Report)
// gives a model, such as "Claude 3 Haiku (Amazon Bedrock Edition)" or "Nova Pro", to the base
// model id whose price_list_names or display name it is, compared without case. It never
// guesses: a name no model of the book declares is not found.
func (b *Book) ModelByPriceListName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", false
	}
	var found []string
	for id, m := range b.models {
		match := strings.EqualFold(m.Name, name)
		for _, n := range m.PriceListNames {
			match = match || strings.EqualFold(n, name)
		}
		if match {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return "", false // none, or ambiguous
	}
	return found[0], true
}

// Models lists the book's models (every layer's), by base model id.
func (b *Book) Models() map[string]ModelInfo { return maps.Clone(b.models) }
