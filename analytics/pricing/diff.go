package pricing

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Difference is one way a refreshed price file differs from a book.
type Difference struct {
	Model, Region string // Region "" for the all-regions entry
	Scope         Scope
	What          string // "new", "changed", "missing"
	Detail        string
}

func (d Difference) String() string {
	if d.Scope == "" {
		return fmt.Sprintf("%-7s %s: %s", d.What, d.Model, d.Detail)
	}
	where := "all commercial regions"
	if d.Region != "" {
		where = d.Region
	}
	return fmt.Sprintf("%-7s %s %s %s: %s", d.What, d.Model, d.Scope, where, d.Detail)
}

// Diff compares a refreshed file with the book's prices in effect at t: rates that changed,
// prices the book lacks, and models of the book with Price List names that the refresh did
// not find.
func Diff(b *Book, f *File, t time.Time) []Difference {
	var out []Difference
	found := map[string]bool{}
	for i := range f.Entries {
		e := &f.Entries[i]
		found[e.Model] = true
		regions := e.Region
		if len(regions) == 0 {
			regions = []string{""}
		}
		for _, s := range e.Scopes {
			for _, r := range regions {
				c, _, _ := b.lookup(e.Model, s, r, e.Tier, t)
				if c == nil {
					out = append(out, Difference{e.Model, r, s, "new", "not priced by the book: " + ratesString(&e.Rates, e.LongContext)})
					continue
				}
				if d := rateChanges(&c.entry.Rates, &e.Rates, ""); d != "" {
					out = append(out, Difference{e.Model, r, s, "changed", d + " (book " + c.entry.origin + ")"})
				}
				if (c.entry.LongContext == nil) != (e.LongContext == nil) || c.entry.FlatLongContext != e.FlatLongContext {
					out = append(out, Difference{e.Model, r, s, "changed", fmt.Sprintf("long context: book %s, Price List %s", longContextString(c.entry), longContextString(e))})
				} else if e.LongContext != nil {
					if d := rateChanges(c.entry.LongContext, e.LongContext, "long_context."); d != "" {
						out = append(out, Difference{e.Model, r, s, "changed", d + " (book " + c.entry.origin + ")"})
					}
				}
			}
		}
	}
	for _, l := range b.layers {
		for id, m := range l.file.Models {
			if len(m.PriceListNames) > 0 && !found[id] {
				out = append(out, Difference{Model: id, What: "missing", Detail: "no complete price under " + strings.Join(m.PriceListNames, ", ")})
				found[id] = true
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Model != c.Model {
			return a.Model < c.Model
		}
		if a.Scope != c.Scope {
			return a.Scope < c.Scope
		}
		return a.Region < c.Region
	})
	return out
}

func rateChanges(old, new *Rates, prefix string) string {
	var parts []string
	of, nf := old.fields(), new.fields()
	for i := range of {
		o, n := of[i].v, nf[i].v
		switch {
		case o == nil && n == nil:
		case o == nil:
			parts = append(parts, fmt.Sprintf("%s%s none → %s", prefix, of[i].name, n))
		case n == nil:
			parts = append(parts, fmt.Sprintf("%s%s %s → none", prefix, of[i].name, o))
		case !o.Equal(*n):
			parts = append(parts, fmt.Sprintf("%s%s %s → %s", prefix, of[i].name, o, n))
		}
	}
	return strings.Join(parts, ", ")
}

func ratesString(r *Rates, long *Rates) string {
	var parts []string
	for _, f := range r.fields() {
		if f.v != nil {
			parts = append(parts, f.name+" "+f.v.String())
		}
	}
	s := strings.Join(parts, ", ")
	if long != nil {
		s += "; long context " + ratesString(long, nil)
	}
	return s
}

// longContextString describes an entry's long-context pricing for a difference.
func longContextString(e *Entry) string {
	switch {
	case e.LongContext != nil:
		return ratesString(e.LongContext, nil)
	case e.FlatLongContext:
		return "flat (standard rates at any length)"
	default:
		return "none"
	}
}
