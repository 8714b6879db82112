package pricing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Guardrail prices. Amazon Bedrock Guardrails bills each policy a guardrail applies per 1,000
// text units (a text unit is up to 1,000 characters), images per 1,000 images, apart from
// the model's tokens. The log states the units a call used when the caller enabled the
// guardrail trace (analytics reads them from the response body); the book prices them per
// policy, region and date, as the model entries are.

// GuardrailPolicies are the policies a guardrail entry can price, named as the report's
// guardrail_<policy>_units measures.
var GuardrailPolicies = []string{"content", "content_image", "topic", "word", "pii", "pii_free", "grounding", "automated_reasoning"}

// GuardrailEntry is one dated price of one guardrail policy.
type GuardrailEntry struct {
	Policy string   `json:"policy"`
	Region []string `json:"regions,omitempty"`
	From   string   `json:"from"`
	Until  string   `json:"until,omitempty"`
	// Per1000 is USD per 1,000 units (text units; images for content_image).
	Per1000 *decimal.Decimal `json:"per_1000_units"`
	Source  string           `json:"source,omitempty"`
	Checked string           `json:"checked,omitempty"`
	Note    string           `json:"note,omitempty"`

	origin      string
	from, until int64
}

func (g *GuardrailEntry) validate() error {
	if !slices.Contains(GuardrailPolicies, g.Policy) {
		return fmt.Errorf("policy: %q is not one of %s", g.Policy, strings.Join(GuardrailPolicies, ", "))
	}
	if g.Per1000 == nil {
		return errors.New("per_1000_units: missing")
	}
	if g.Per1000.IsNegative() {
		return fmt.Errorf("per_1000_units: negative rate %s", g.Per1000)
	}
	var err error
	if g.from, g.until, err = dateRange(g.From, g.Until); err != nil {
		return err
	}
	if g.Checked != "" {
		if _, err := time.Parse(dateLayout, g.Checked); err != nil {
			return fmt.Errorf("checked: %q is not a YYYY-MM-DD date", g.Checked)
		}
	}
	return nil
}

// Origin says where the entry was read.
func (g *GuardrailEntry) Origin() string { return g.origin }

// GuardrailUse is a call group's units of one policy.
type GuardrailUse struct {
	Policy string
	Units  int64
}

// GuardrailCost is the price of guardrail units.
type GuardrailCost struct {
	Total decimal.Decimal
}

// GuardrailCost prices guardrail units used in region at t. A policy with units and no price
// in effect makes the whole an *UnpricedError (ModelID "guardrail"), never a partial sum.
func (b *Book) GuardrailCost(region string, t time.Time, uses []GuardrailUse) (GuardrailCost, error) {
	var out GuardrailCost
	s := t.Unix()
	for _, u := range uses {
		if u.Units == 0 {
			continue
		}
		if u.Units < 0 {
			return GuardrailCost{}, &UnpricedError{ModelID: "guardrail", Region: region, Reason: fmt.Sprintf("negative %s units %d", u.Policy, u.Units)}
		}
		e := b.guardrailEntry(u.Policy, region, s)
		if e == nil {
			return GuardrailCost{}, &UnpricedError{ModelID: "guardrail", Region: region,
				Reason: fmt.Sprintf("the price book has no guardrail %s price in %s on %s", u.Policy, region, t.UTC().Format(dateLayout))}
		}
		part := e.Per1000.Mul(decimal.New(u.Units, -3))
		if b.hasDisc {
			part = part.Mul(b.factor)
		}
		out.Total = out.Total.Add(part)
	}
	return out, nil
}

// guardrailEntry finds the price of policy in region at s: an override layer before the
// book, a region's entry before the all-regions one.
func (b *Book) guardrailEntry(policy, region string, s int64) *GuardrailEntry {
	for _, l := range b.layers {
		var all *GuardrailEntry
		for i := range l.file.Guardrails {
			g := &l.file.Guardrails[i]
			if g.Policy != policy || s < g.from || s >= g.until {
				continue
			}
			if slices.Contains(g.Region, region) {
				return g
			}
			if len(g.Region) == 0 && !separatePricing(region) {
				all = g
			}
		}
		if all != nil {
			return all
		}
	}
	return nil
}

// checkGuardrailOverlaps refuses two entries pricing one policy in one region on one day.
func checkGuardrailOverlaps(gs []GuardrailEntry) error {
	for i := range gs {
		for j := i + 1; j < len(gs); j++ {
			a, c := &gs[i], &gs[j]
			if a.Policy != c.Policy || a.from >= c.until || c.from >= a.until {
				continue
			}
			ra, rc := a.Region, c.Region
			if len(ra) == 0 {
				ra = []string{""}
			}
			if len(rc) == 0 {
				rc = []string{""}
			}
			for _, r := range ra {
				if slices.Contains(rc, r) {
					return fmt.Errorf("%s and %s both price guardrail policy %s in %q on the same days", a.origin, c.origin, a.Policy, r)
				}
			}
		}
	}
	return nil
}
